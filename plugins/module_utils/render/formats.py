# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Render a list of node names into the config syntaxes of clustered applications.

``render_peers(peers, fmt, **options)`` is the one entry point; the filter
plugins and the role's templates call it. Every format first passes the
peers through :func:`normalize_node_names`, so the same peers always give
the same text, byte for byte, and a rerun changes no file.

Each output ends with a newline, except an empty output (no peers, and no
comment header to write), which is the empty string. Formats and options
are described in ``docs/formats.md``. The Erlang and plain-text formats
live here, the Elixir ones in :mod:`.elixir`; both share :mod:`.quoting`
and :mod:`.options`.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from collections.abc import Mapping

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, describe_value
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    node_sort_key,
    normalize_node_names,
    parse_node_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.render.elixir import ELIXIR_FORMATS, elixir_renderers
from ansible_collections.peerage.peerage.plugins.module_utils.render.options import (
    COMMENT_OPTION,
    check_bool,
    check_identifier,
    check_port,
    check_separator,
    check_timeout,
    take_options,
)
from ansible_collections.peerage.peerage.plugins.module_utils.render.quoting import (
    comment_lines,
    erlang_atom_list,
    lines_text,
    quote_args_file,
    quote_atom,
    quote_shell_double,
)

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

DEFAULT_SYNC_NODES_TIMEOUT = 30000
DEFAULT_ENV_VARIABLE = "PEERS"
DEFAULT_ENV_SEPARATOR = " "


# --- shared pieces -----------------------------------------------------------


def host_port(host, host_kind, port=None, bracket_ipv6=False):
    """``host`` or ``host:port``; an IPv6 address stands in brackets before a port."""
    if host_kind == "ipv6" and (port is not None or bracket_ipv6):
        host = "[%s]" % host
    if port is None:
        return host
    return "%s:%d" % (host, port)


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


_SYNC_NODES_OPTIONS = dict(
    COMMENT_OPTION,
    mandatory=(check_bool, False),
    sync_nodes_timeout=(check_timeout, DEFAULT_SYNC_NODES_TIMEOUT),
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
    return lines_text([*comment_lines("%%", opts["comment"]), term])


def _render_hosts_erlang(names, opts):
    lines = [quote_atom(host) + "." for host, _kind in _hosts(names)]
    return lines_text(comment_lines("%%", opts["comment"]) + lines)


def _render_vm_args(names, opts):
    lines = [
        *comment_lines("##", opts["comment"]),
        "-kernel %s %s" % (_sync_nodes_key(opts), quote_args_file(erlang_atom_list(names))),
        "-kernel sync_nodes_timeout %s" % opts["sync_nodes_timeout"],
    ]
    return lines_text(lines)


def _render_lines(names, opts):
    return lines_text(names)


def _render_json(names, opts):
    return json.dumps(names, separators=(",", ":")) + "\n"


def _render_env(names, opts):
    value = opts["separator"].join(names)
    lines = [*comment_lines("#", opts["comment"]), "%s=%s" % (opts["variable"], quote_shell_double(value))]
    return lines_text(lines)


def _render_csv(names, opts):
    if opts["port"] is not None and not opts["hosts_only"]:
        raise OptionError("format csv: option port needs hosts_only=true (a port goes with a host, not a node name)")
    if opts["hosts_only"]:
        items = [host_port(host, kind, opts["port"]) for host, kind in _hosts(names)]
    else:
        items = names
    return lines_text([",".join(items)] if items else [])


def _render_rabbitmq(names, opts):
    lines = [*comment_lines("#", opts["comment"]), "cluster_formation.peer_discovery_backend = classic_config"]
    lines.extend(
        "cluster_formation.classic_config.nodes.%d = %s" % (index, name) for index, name in enumerate(names, 1)
    )
    return lines_text(lines)


def _render_elasticsearch(names, opts):
    # Elasticsearch reads an IPv6 address in unicast_hosts.txt only in brackets.
    lines = [host_port(host, kind, opts["port"], bracket_ipv6=True) for host, kind in _hosts(names)]
    return lines_text(comment_lines("#", opts["comment"]) + lines)


_RENDERERS = {
    "erlang_config": (_render_erlang_config, _SYNC_NODES_OPTIONS),
    "hosts_erlang": (_render_hosts_erlang, COMMENT_OPTION),
    "vm_args": (_render_vm_args, _SYNC_NODES_OPTIONS),
    "lines": (_render_lines, {}),
    "json": (_render_json, {}),
    "env": (
        _render_env,
        dict(
            COMMENT_OPTION,
            variable=(check_identifier, DEFAULT_ENV_VARIABLE),
            separator=(check_separator, DEFAULT_ENV_SEPARATOR),
        ),
    ),
    "csv": (_render_csv, {"hosts_only": (check_bool, False), "port": (check_port, None)}),
    "rabbitmq": (_render_rabbitmq, COMMENT_OPTION),
    "elasticsearch": (_render_elasticsearch, dict(COMMENT_OPTION, port=(check_port, None))),
}
_RENDERERS.update(elixir_renderers())


def _check_format(fmt):
    if not isinstance(fmt, str) or fmt not in _RENDERERS:
        raise OptionError("unknown peer list format %s; use one of: %s" % (describe_value(fmt), ", ".join(FORMATS)))
    return fmt


def format_options(fmt):
    """The options format ``fmt`` takes, each with its default: ``{name: default}``.

    The docs of the formats (docs/formats.md, the filters' docs) are checked
    against it.
    """
    _renderer, spec = _RENDERERS[_check_format(fmt)]
    # With no option given, every option takes its default.
    return take_options(fmt, {}, spec)


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
    opts = take_options(fmt, options, spec)
    return renderer(normalize_node_names(peers), opts)
