# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Render peers into the configuration Elixir releases read: Peerage, libcluster, release env.

Three formats of ``render_peers`` (:mod:`.formats` lists them in its format
table):

- ``peerage``: Peerage's ``Peerage.Via.List`` settings;
- ``libcluster``: a libcluster topology with ``Cluster.Strategy.Epmd``;
- ``release_env``: this node's own identity for a release's scripts.

The first two are written in the Elixir config syntax (a file that
``Config.Reader`` reads) or as an Erlang term for ``sys.config``, chosen by
the ``syntax`` option. Node names are always quoted atoms. Options and
examples: ``docs/formats.md``; how a release reads the files: ``docs/elixir.md``.

The shared quoting lives in :mod:`.quoting` and the shared option checks in
:mod:`.options`; :mod:`.formats` imports this file to fill its format table,
and this file never imports :mod:`.formats`.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import parse_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.render.options import (
    COMMENT_OPTION,
    check_bool,
    check_int,
    check_timeout,
    option_key,
)
from ansible_collections.peerage.peerage.plugins.module_utils.render.quoting import (
    comment_lines,
    erlang_atom_list,
    lines_text,
    quote_atom,
    quote_shell_double,
    quote_text,
)

ELIXIR_FORMATS = ("peerage", "libcluster", "release_env")

SYNTAXES = ("elixir", "erlang")
DEFAULT_SYNTAX = "elixir"
DEFAULT_TOPOLOGY = "peerage"
# Milliseconds between two connection rounds of Cluster.Strategy.Epmd.
DEFAULT_EPMD_TIMEOUT = 5000
MAX_COOKIE_LENGTH = 255

# An atom that Elixir writes as a keyword key (`peerage:`) and Erlang reads
# unquoted or quoted alike; a topology name is one of these.
_TOPOLOGY_RE = re.compile(r"\A[a-z_][A-Za-z0-9_]{0,254}\Z")
# What a release script passes on to `erl -setcookie` unharmed, and what
# `mix release` itself generates (base32).
_COOKIE_RE = re.compile(r"\A[A-Za-z0-9_.+/=@:~-]+\Z")


# --- quoting -----------------------------------------------------------------


def quote_elixir_atom(text):
    """Write ``text`` as a quoted Elixir atom: ``:"app@fd00::1"``.

    Always quoted, so a node name with ``.``, ``-`` or ``:`` is one atom.
    Backslash, double quote and ``#`` (which would start ``#{...}``
    interpolation) are escaped; anything outside printable ASCII is written
    as ``\\u{H}``, which Elixir reads back as the same character.
    """
    return quote_text(text, ':"', '"', '\\"#', "\\u{%X}")


class _Atom(str):
    """An atom other than a node name: ``:infinity`` in Elixir, ``infinity`` in Erlang."""


class _Module(str):
    """An Elixir module: ``Peerage.Via.List`` in Elixir, ``'Elixir.Peerage.Via.List'`` in Erlang."""


class _NodeList(tuple):
    """Node names, written one quoted atom each."""


# Erlang's reserved words: a key spelled like one must be quoted.
_ERLANG_RESERVED = frozenset(
    "after and andalso band begin bnot bor bsl bsr bxor case catch cond div else end fun if let maybe not of or"
    " orelse receive rem try when xor".split()
)
_ERLANG_PLAIN_ATOM_RE = re.compile(r"\A[a-z][A-Za-z0-9_]*\Z")

# A setting is a keyword list: a list of (key, value) pairs, where a value is
# a keyword list again, a _NodeList, an _Atom, a _Module, a bool or an int.


def _elixir_value(value, indent):
    """``value`` in Elixir, laid out as ``mix format`` does, nested lines at ``indent``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Module):
        return str(value)
    if isinstance(value, _Atom):
        return ":" + value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _NodeList):
        items = [quote_elixir_atom(name) for name in value]
    else:
        items = ["%s: %s" % (key, _elixir_value(item, indent + 2)) for key, item in value]
    if not items:
        return "[]"
    inner = " " * (indent + 2)
    return "[\n" + ",\n".join(inner + item for item in items) + "\n" + " " * indent + "]"


def _erlang_value(value):
    """``value`` as an Erlang term on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Module):
        return quote_atom("Elixir." + value)
    if isinstance(value, _Atom):
        return _erlang_key(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, _NodeList):
        return erlang_atom_list(value)
    return "[" + ", ".join("{%s, %s}" % (_erlang_key(key), _erlang_value(item)) for key, item in value) + "]"


def _erlang_key(key):
    if _ERLANG_PLAIN_ATOM_RE.match(key) and key not in _ERLANG_RESERVED:
        return key
    return quote_atom(key)


def _config_file(opts, app, settings):
    """A file that sets ``app``'s ``settings`` (a keyword list), in the syntax ``opts`` chose."""
    if opts["syntax"] == "elixir":
        # `config :app, key: value, ...`: the keyword list without its brackets.
        body = _elixir_value(settings, 0)[2:-2]
        lines = [*comment_lines("#", opts["comment"]), "import Config", "", "config :%s," % app, body]
    else:
        term = "[{%s, %s}]." % (app, _erlang_value(settings))
        lines = [*comment_lines("%%", opts["comment"]), term]
    return lines_text(lines)


# --- option checks -----------------------------------------------------------


def _invalid(fmt, name, value, expected):
    """The error every format option check gives: the option, its value, what is allowed."""
    return OptionError("invalid %s %s: expected %s" % (option_key(fmt, name), describe_value(value), expected))


def _check_syntax(fmt, name, value):
    if value not in SYNTAXES:
        raise _invalid(fmt, name, value, "one of: %s" % ", ".join(SYNTAXES))
    return value


def _check_topology(fmt, name, value):
    if not isinstance(value, str) or not _TOPOLOGY_RE.match(value):
        raise _invalid(
            fmt,
            name,
            value,
            "a topology name: 1 to 255 letters, digits and '_', starting with a lower-case letter or '_'",
        )
    return value


def _check_cookie(fmt, name, value):
    # The value is a secret: the message describes it and never shows it.
    if not isinstance(value, str) or not value:
        raise OptionError("invalid %s (value not shown): expected a string that is not empty" % option_key(fmt, name))
    if len(value) > MAX_COOKIE_LENGTH or not _COOKIE_RE.match(value):
        raise OptionError(
            "invalid %s (value not shown): expected a cookie of 1 to %d letters, digits and"
            " any of _ . + / = @ : ~ -" % (option_key(fmt, name), MAX_COOKIE_LENGTH)
        )
    return value


def _check_interval(fmt, name, value):
    return check_int(fmt, name, value, 1)


# --- renderers ---------------------------------------------------------------


def _render_peerage(names, opts):
    settings = [("via", _Module("Peerage.Via.List")), ("node_list", _NodeList(names))]
    settings += [(key, opts[key]) for key in ("log_results", "interval") if opts[key] is not None]
    return _config_file(opts, "peerage", settings)


def _render_libcluster(names, opts):
    timeout = _Atom("infinity") if opts["timeout"] == "infinity" else opts["timeout"]
    topology = [
        ("strategy", _Module("Cluster.Strategy.Epmd")),
        ("config", [("hosts", _NodeList(names)), ("timeout", timeout)]),
    ]
    return _config_file(opts, "libcluster", [("topologies", [(opts["topology"], topology)])])


def _render_release_env(names, opts):
    if len(names) != 1:
        raise OptionError(
            "format release_env: it writes this host's own node name, so it takes a list of exactly one name"
            " (what the peerage.peerage.self lookup returns), not %d: %s"
            % (len(names), describe_value(names) if names else "[]")
        )
    node = names[0]
    variables = [("RELEASE_DISTRIBUTION", "name"), ("RELEASE_NODE", node)]
    if opts["cookie"] is not None:
        variables.append(("RELEASE_COOKIE", opts["cookie"]))
    if parse_node_name(node).host_kind == "ipv6":
        # A node named after an IPv6 address cannot start distribution over IPv4.
        variables.append(("ELIXIR_ERL_OPTIONS", "-proto_dist inet6_tcp"))
    lines = comment_lines("#", opts["comment"])
    lines += ["%s=%s" % (name, quote_shell_double(value)) for name, value in variables]
    return lines_text(lines)


def elixir_renderers():
    """The table entries of the Elixir formats: {format: (renderer, option spec)}."""
    syntax = dict(COMMENT_OPTION, syntax=(_check_syntax, DEFAULT_SYNTAX))
    return {
        "peerage": (
            _render_peerage,
            dict(syntax, log_results=(check_bool, None), interval=(_check_interval, None)),
        ),
        "libcluster": (
            _render_libcluster,
            dict(
                syntax,
                topology=(_check_topology, DEFAULT_TOPOLOGY),
                timeout=(check_timeout, DEFAULT_EPMD_TIMEOUT),
            ),
        ),
        "release_env": (_render_release_env, dict(COMMENT_OPTION, cookie=(_check_cookie, None))),
    }
