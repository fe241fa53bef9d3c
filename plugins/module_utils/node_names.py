# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Node names: parse, validate, format, deduplicate and sort.

A node name is ``name@host`` as the BEAM spells it (``myapp@10.0.0.5``).
Every provider's output goes through :func:`normalize_node_names`, so what
reaches a config file is always valid, unique and in one stable order.

Node names are atoms, compared exactly: ``app@Web1`` and ``app@web1`` are two
nodes. So a hostname is kept as written (only checked), and only IP
addresses get one canonical text, the same on every Python version.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from collections import namedtuple

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, describe_value

# An Erlang atom holds at most 255 characters; a node name is an atom.
MAX_NODE_NAME_LENGTH = 255

# The part before '@': the characters `erl -name`/`-sname` accept there (OTP's net_kernel).
_NAME_RE = re.compile(r"\A[A-Za-z0-9_-]+\Z")
_NAME_RULE = "use only letters, digits, '_' and '-', as Erlang allows before '@'"
# One DNS label (RFC 1123, underscores tolerated for service-style names).
_LABEL_RE = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\Z")

NodeName = namedtuple("NodeName", ["name", "host", "host_kind"])
"""A parsed node name. ``host_kind`` is ``ipv4``, ``ipv6`` or ``hostname``."""

HOST_KIND_ORDER = {"ipv4": 0, "ipv6": 1, "hostname": 2}


def _refuse(value, rule):
    raise NodeNameError("invalid node name %s: %s" % (describe_value(value), rule), value=value)


def validate_app_name(app_name):
    """Return ``app_name`` if it can stand before '@' in a node name, else raise."""
    if not isinstance(app_name, str) or not app_name:
        raise NodeNameError(
            "invalid app name %s: it must be a non-empty string" % describe_value(app_name), value=app_name
        )
    if not _NAME_RE.match(app_name):
        raise NodeNameError("invalid app name %s: %s" % (describe_value(app_name), _NAME_RULE), value=app_name)
    return app_name


def ip_text(address):
    """The one text of an ``ipaddress`` address, the same on every Python version.

    IPv6 in RFC 5952's short lower-case form; an IPv4-mapped address ends in
    its dotted IPv4 address (``::ffff:10.0.0.1``), as RFC 5952 section 5 asks
    and Python 3.13 prints it, where Python 3.11 prints ``::ffff:a00:1``.
    """
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return "::ffff:%s" % mapped
    return str(address)


def classify_host(host):
    """Return ``(canonical_host, kind)`` for a host part, or raise ``ValueError``.

    IP addresses are canonicalised (``::0:1`` becomes ``::1``, see
    :func:`ip_text`) so the same address spelled twice deduplicates.
    Hostnames are returned as written, trailing dot and case included: node
    names are atoms, and the BEAM compares them exactly.
    """
    candidate = host
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        address = None
    if address is not None:
        if address.version == 4:
            if candidate != host:
                raise ValueError("only IPv6 addresses may stand in brackets")
            return ip_text(address), "ipv4"
        if getattr(address, "scope_id", None):
            raise ValueError("IPv6 addresses with a zone index are not allowed")
        return ip_text(address), "ipv6"
    if candidate != host:
        raise ValueError("only IPv6 addresses may stand in brackets")
    hostname = host[:-1] if host.endswith(".") else host
    if not hostname or len(hostname) > 253:
        raise ValueError("a hostname has 1 to 253 characters")
    labels = hostname.split(".")
    for label in labels:
        if not _LABEL_RE.match(label):
            raise ValueError(
                "hostname label %s is not 1-63 letters, digits, '-' or '_' (not starting or ending with '-')"
                % describe_value(label)
            )
    if all(label.isdigit() for label in labels):
        raise ValueError("it looks like an IPv4 address but is not a valid one")
    return host, "hostname"


def parse_node_name(value):
    """Parse and validate ``name@host``; return a :data:`NodeName`.

    Refuses (with :class:`NodeNameError` naming the value and the rule):
    non-strings, empty parts, a missing or repeated ``@``, spaces, control
    characters, quotes, names over 255 characters, and hosts that are neither
    an IPv4 address, an IPv6 address nor a hostname.
    """
    if not isinstance(value, str):
        _refuse(value, "a node name must be a string like 'app@10.0.0.5', not %s" % type(value).__name__)
    if not value:
        _refuse(value, "it is empty; expected 'name@host'")
    if len(value) > MAX_NODE_NAME_LENGTH:
        _refuse(value, "it has %d characters; at most %d are allowed" % (len(value), MAX_NODE_NAME_LENGTH))
    for char in value:
        if ord(char) < 32 or ord(char) == 127:
            _refuse(value, "it contains a control character")
        if char.isspace():
            _refuse(value, "it contains whitespace")
        if char in "'\"`\\":
            _refuse(value, "it contains a quote or backslash")
    if "@" not in value:
        _refuse(value, "it has no '@'; expected 'name@host'")
    name, _sep, host = value.partition("@")
    if "@" in host:
        _refuse(value, "it has more than one '@'")
    if not name:
        _refuse(value, "the name before '@' is empty")
    if not host:
        _refuse(value, "the host after '@' is empty")
    if not _NAME_RE.match(name):
        _refuse(value, "in the name before '@', %s" % _NAME_RULE)
    try:
        canonical_host, kind = classify_host(host)
    except ValueError as exc:
        _refuse(value, "the host after '@' is not an IPv4 address, an IPv6 address or a hostname (%s)" % exc)
    return NodeName(name, canonical_host, kind)


def format_node_name(app_name, address):
    """Build ``app_name@address`` and validate it."""
    validate_app_name(app_name)
    return validate_node_name("%s@%s" % (app_name, address))


def validate_node_name(value):
    """Return the canonical spelling of a valid node name, or raise."""
    parsed = parse_node_name(value)
    return "%s@%s" % (parsed.name, parsed.host)


def node_sort_key(value):
    """The one documented order of node names.

    By name (the part before '@'), then IPv4 hosts in numeric order, then IPv6
    hosts in numeric order, then hostnames in alphabetical order. So
    ``app@10.0.0.9`` comes before ``app@10.0.0.10``.
    """
    parsed = parse_node_name(value)
    if parsed.host_kind == "hostname":
        # Case-blind first, so Web1 and web1 stand together; exact text breaks the tie.
        host_key = (HOST_KIND_ORDER["hostname"], 0, (parsed.host.lower(), parsed.host))
    else:
        host_key = (HOST_KIND_ORDER[parsed.host_kind], int(ipaddress.ip_address(parsed.host)), ("", ""))
    return (parsed.name, host_key)


def normalize_node_names(values):
    """Validate, canonicalise, deduplicate and sort node names.

    ``values`` is any iterable of strings; the first invalid one raises
    :class:`NodeNameError`. Returns a new list in :func:`node_sort_key` order.
    """
    if isinstance(values, (str, bytes)):
        raise NodeNameError(
            "expected a list of node names, not the single string %s" % describe_value(values), value=values
        )
    canonical = set()
    for value in values:
        canonical.add(validate_node_name(value))
    return sorted(canonical, key=node_sort_key)


def node_host(value):
    """The host part of a valid node name, without brackets."""
    return parse_node_name(value).host
