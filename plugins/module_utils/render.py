# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render a list of node names into the config syntaxes of clustered applications.

``render_peers(peers, fmt, **options)`` is the one entry point; the filter
plugins and the role's templates call it. Every format first passes the
peers through :func:`normalize_node_names`, so the same peers always give
the same text, byte for byte, and a rerun changes no file.

Each output ends with a newline, except an empty output (no peers, and no
comment header to write), which is the empty string. Formats and options
are described in ``docs/formats.md``.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections.abc import Mapping

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    node_sort_key,
    normalize_node_names,
    parse_node_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import (
    as_bool,
    as_number,
    as_port,
    as_shell_name,
    as_text,
)
from ansible_collections.peerage.peerage.plugins.module_utils.render_elixir import ELIXIR_FORMATS, elixir_renderers

FORMATS = (
    "erlang_config",
    "hosts_erlang",
    "vm_args",
    "lines",
    "json",
    "env",
    "csv",
    "rabbitmq",
    "elasticsearch",
    *ELIXIR_FORMATS,
)

DEFAULT_COMMENT = "Managed by peerage.peerage"
DEFAULT_SYNC_NODES_TIMEOUT = 30000
DEFAULT_ENV_VARIABLE = "PEERS"
DEFAULT_ENV_SEPARATOR = " "


# --- quoting -----------------------------------------------------------------


def quote_text(text, opening, closing, escaped, code_point_escape):
    """``text`` between ``opening`` and ``closing``, as a scanner's quoted literal.

    A backslash goes before each character of ``escaped``; other printable
    ASCII stays as it is; anything else is written as ``code_point_escape %
    code point``, which reads back as the same character whatever the file's
    encoding.
    """
    out = [opening]
    for char in text:
        if char in escaped:
            out.append("\\" + char)
        elif " " <= char <= "~":
            out.append(char)
        else:
            out.append(code_point_escape % ord(char))
    out.append(closing)
    return "".join(out)


def quote_atom(text):
    """Write ``text`` as a single-quoted Erlang atom.

    Always quoted, so ``app@fd00::1`` and ``my-app@host-1.example.com`` are
    atoms too. Backslash and quote are escaped; anything outside printable
    ASCII is written as ``\\x{HH}``.
    """
    return quote_text(text, "'", "'", "\\'", "\\x{%X}")


def erlang_atom_list(texts):
    """An Erlang list of quoted atoms: ``['a@h1', 'a@h2']``."""
    return "[" + ", ".join(quote_atom(text) for text in texts) + "]"


def quote_args_file(value):
    """Quote one argument for an ``erl -args_file`` file (vm.args).

    erl splits such a file on whitespace and treats ``#`` as a comment;
    inside double quotes every character but ``"`` is literal. So the value
    goes in double quotes and a ``"`` in it is written as ``"\\""``: close,
    an escaped quote, reopen.
    """
    if "\0" in value:
        raise OptionError("a vm.args value cannot hold a NUL character")
    return '"' + value.replace('"', '"\\""') + '"'


def quote_shell_double(value):
    """Quote ``value`` in double quotes for a POSIX shell or a systemd EnvironmentFile.

    Both read ``\\``, ``"``, ``$`` and backquote escaped by a backslash in
    double quotes, and nothing else is special there.
    """
    out = ['"']
    for char in value:
        if char in '\\"$`':
            out.append("\\")
        out.append(char)
    out.append('"')
    return "".join(out)


def host_port(host, host_kind, port=None, bracket_ipv6=False):
    """``host`` or ``host:port``; an IPv6 address stands in brackets before a port."""
    if host_kind == "ipv6" and (port is not None or bracket_ipv6):
        host = "[%s]" % host
    if port is None:
        return host
    return "%s:%d" % (host, port)


# --- option checks -----------------------------------------------------------


def _describe(value):
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return text


def _key(fmt, name):
    return "%s option %s" % (fmt, name)


# Each check takes (format, option name, value): the specs below name them. They are the
# shared checks of option_values, so a format refuses a value as every other option does.


def _check_bool(fmt, name, value):
    return as_bool(value, _key(fmt, name), None)


def _check_int(fmt, name, value, minimum, maximum=None):
    return as_number(value, _key(fmt, name), None, minimum, int, maximum)


def _check_timeout(fmt, name, value):
    # The kernel refuses 0 (badopt) and takes `infinity` besides milliseconds.
    if isinstance(value, str) and value.strip() == "infinity":
        return "infinity"
    try:
        return _check_int(fmt, name, value, 1)
    except OptionError:
        raise OptionError(
            "invalid %s %s: expected a whole number of milliseconds from 1, or 'infinity'"
            % (_key(fmt, name), _describe(value))
        )


def _check_port(fmt, name, value):
    return as_port(value, _key(fmt, name))


def _check_comment(fmt, name, value):
    return as_text(value, _key(fmt, name), allow_empty=True, allow_newline=True)


def _check_separator(fmt, name, value):
    return as_text(value, _key(fmt, name))


def _check_identifier(fmt, name, value):
    return as_shell_name(value, _key(fmt, name))


def _take_options(fmt, options, spec):
    """Check ``options`` against ``spec`` ({name: (check, default)}); return all values.

    An unknown option is refused rather than ignored, so a misspelt
    ``mandatory`` cannot silently give the other setting. ``None`` stands for
    the default, so callers can pass an unset variable straight through.
    """
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise OptionError(
            "format %s: unknown option(s) %s; this format takes: %s"
            % (fmt, ", ".join(unknown), ", ".join(sorted(spec)) or "no options")
        )
    values = {}
    for name, (check, default) in spec.items():
        value = options.get(name)
        values[name] = default if value is None else check(fmt, name, value)
    return values


# --- shared pieces -----------------------------------------------------------


def _comment_lines(prefix, comment):
    """The header: each line of ``comment`` behind ``prefix``; none for ''."""
    if not comment:
        return []
    return [(prefix + " " + line).rstrip() for line in comment.split("\n")]


def _hosts(names):
    """The distinct hosts of ``names`` as (host, kind), in the documented host order.

    Sorted by host alone (IPv4, then IPv6 numerically, then hostnames), not
    by node name, so the list does not depend on which app runs where.
    """
    seen = {}
    for name in names:
        parsed = parse_node_name(name)
        if parsed.host not in seen:
            seen[parsed.host] = (node_sort_key(name)[1], parsed.host, parsed.host_kind)
    return [(host, kind) for _key, host, kind in sorted(seen.values())]


def _text(lines):
    return "".join(line + "\n" for line in lines)


_COMMENT_OPTION = {"comment": (_check_comment, DEFAULT_COMMENT)}
_SYNC_NODES_OPTIONS = dict(
    _COMMENT_OPTION,
    mandatory=(_check_bool, False),
    sync_nodes_timeout=(_check_timeout, DEFAULT_SYNC_NODES_TIMEOUT),
)


def _sync_nodes_key(opts):
    return "sync_nodes_mandatory" if opts["mandatory"] else "sync_nodes_optional"


# --- renderers ---------------------------------------------------------------


def _render_erlang_config(names, opts):
    term = "[{kernel, [{%s, %s}, {sync_nodes_timeout, %s}]}]." % (
        _sync_nodes_key(opts),
        erlang_atom_list(names),
        opts["sync_nodes_timeout"],
    )
    return _text([*_comment_lines("%%", opts["comment"]), term])


def _render_hosts_erlang(names, opts):
    lines = [quote_atom(host) + "." for host, _kind in _hosts(names)]
    return _text(_comment_lines("%%", opts["comment"]) + lines)


def _render_vm_args(names, opts):
    lines = [
        *_comment_lines("##", opts["comment"]),
        "-kernel %s %s" % (_sync_nodes_key(opts), quote_args_file(erlang_atom_list(names))),
        "-kernel sync_nodes_timeout %s" % opts["sync_nodes_timeout"],
    ]
    return _text(lines)


def _render_lines(names, opts):
    return _text(names)


def _render_json(names, opts):
    return json.dumps(names, separators=(",", ":")) + "\n"


def _render_env(names, opts):
    value = opts["separator"].join(names)
    lines = [*_comment_lines("#", opts["comment"]), "%s=%s" % (opts["variable"], quote_shell_double(value))]
    return _text(lines)


def _render_csv(names, opts):
    if opts["port"] is not None and not opts["hosts_only"]:
        raise OptionError("format csv: option port needs hosts_only=true (a port goes with a host, not a node name)")
    if opts["hosts_only"]:
        items = [host_port(host, kind, opts["port"]) for host, kind in _hosts(names)]
    else:
        items = names
    return _text([",".join(items)] if items else [])


def _render_rabbitmq(names, opts):
    lines = [*_comment_lines("#", opts["comment"]), "cluster_formation.peer_discovery_backend = classic_config"]
    lines.extend(
        "cluster_formation.classic_config.nodes.%d = %s" % (index, name) for index, name in enumerate(names, 1)
    )
    return _text(lines)


def _render_elasticsearch(names, opts):
    # Elasticsearch reads an IPv6 address in unicast_hosts.txt only in brackets.
    lines = [host_port(host, kind, opts["port"], bracket_ipv6=True) for host, kind in _hosts(names)]
    return _text(_comment_lines("#", opts["comment"]) + lines)


_RENDERERS = {
    "erlang_config": (_render_erlang_config, _SYNC_NODES_OPTIONS),
    "hosts_erlang": (_render_hosts_erlang, _COMMENT_OPTION),
    "vm_args": (_render_vm_args, _SYNC_NODES_OPTIONS),
    "lines": (_render_lines, {}),
    "json": (_render_json, {}),
    "env": (
        _render_env,
        dict(
            _COMMENT_OPTION,
            variable=(_check_identifier, DEFAULT_ENV_VARIABLE),
            separator=(_check_separator, DEFAULT_ENV_SEPARATOR),
        ),
    ),
    "csv": (_render_csv, {"hosts_only": (_check_bool, False), "port": (_check_port, None)}),
    "rabbitmq": (_render_rabbitmq, _COMMENT_OPTION),
    "elasticsearch": (_render_elasticsearch, dict(_COMMENT_OPTION, port=(_check_port, None))),
}
_RENDERERS.update(elixir_renderers(DEFAULT_COMMENT))


def _check_format(fmt):
    if not isinstance(fmt, str) or fmt not in _RENDERERS:
        raise OptionError("unknown peer list format %s; use one of: %s" % (_describe(fmt), ", ".join(FORMATS)))
    return fmt


def render_peers(peers, fmt, **options):
    """Render ``peers`` (node names) in format ``fmt``; return the text.

    ``peers`` is a list of node names; they are validated, deduplicated and
    sorted first. Raises :class:`OptionError` for an unknown format, an
    unknown option or a bad option value, and :class:`NodeNameError` for an
    invalid node name.
    """
    renderer, spec = _RENDERERS[_check_format(fmt)]
    if peers is None or isinstance(peers, (str, bytes, Mapping)):
        raise OptionError(
            "the peers to render must be a list of node names like ['app@10.0.0.5'], not %s" % type(peers).__name__
        )
    opts = _take_options(fmt, options, spec)
    return renderer(normalize_node_names(peers), opts)
