# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""What the peerage role writes on a host, and whether it may: the guard and the file checks.

The role's filters are thin over these functions, so the guard is one piece
of Python that a property test can hold to its invariant:

* :func:`host_peers` is the exact list a host writes: what discovery found,
  with the host's own node name added (``include_self``) or removed;
* :func:`guard` returns that list only when it may be written, and raises
  :class:`GuardRefused` otherwise, naming the setting that decides. It never
  adds a host under a name its peers do not use for it (an address where
  they are named by hostname, or ``web1`` where they name it
  ``web1.example.com``): no node would have that name;
* :func:`render_files` checks every entry of ``peerage_files`` and renders
  every built-in format, so a bad entry or option stops the host before its
  first file is written;
* :func:`plan_host` is one host's part of the plan, made in the role's write
  task: its node name, its guarded list and its rendered files, each value
  checked once, before the host's first file is touched;
* :func:`check_settings` checks the role's variables against the role's
  argument spec, once for the play.

Runs on the controller only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    HOST_KIND_ORDER,
    NodeName,
    format_node_name,
    normalize_node_names,
    parse_node_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool, as_number
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    DISCOVERY_OPTIONS,
    TRUST_OPTIONS,
    options_read,
    shared_names,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers.self import DEFAULT_APP_NAME
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS, render_peers

# Options the role decides itself rather than passing through from peerage_<option>:
# the guard judges emptiness, and the role adds or removes each host's own name.
ROLE_OWNED_OPTIONS = ("allow_empty", "include_self")

NOTHING_CHANGED = "no file was changed."
# The node name the settings check renders a release_env entry with: the
# entry is checked there, before any host's own name is known.
CHECK_NAME = "nonode@localhost"


class GuardRefused(PeerageError):
    """The list a host would write is not allowed; nothing may be written."""


class SettingsRefused(PeerageError):
    """A role variable does not fit the role's argument spec; nothing may be written."""


def role_option_names(via: str, beacon: bool = False) -> list[str]:
    """The provider options the role passes from ``peerage_<option>`` variables for ``via``.

    Never a trust option (``via``, ``provider_paths``, ``allow_any_provider_path``):
    the role's variables may come from inventory, and a keyword argument of
    the lookup call counts as the operator's own, so the lookup reads those
    variables itself and refuses them when inventory set them.

    With ``beacon``, the options a UDP beacon shares with the probe: not
    discovery's own, not the probe's.
    """
    names = [name for name in options_read(via) if name not in ROLE_OWNED_OPTIONS + TRUST_OPTIONS]
    if beacon:
        shared = shared_names("udp", "beacon")
        names = [name for name in names if name in shared and name not in DISCOVERY_OPTIONS]
    return names


def host_peers(found: Iterable[str], self_name: str, include_self: bool) -> list[str]:
    """The sorted list a host writes: ``found`` plus (or minus) ``self_name``."""
    others = [name for name in normalize_node_names(found) if name != self_name]
    return normalize_node_names([*others, self_name]) if include_self else others


def _names(peers: list[str]) -> str:
    return ", ".join(peers) or "none"


def _check_app_names(found: list[str], self_name: str, include_self: bool, app_name_set: bool) -> None:
    """Refuse to mix app names: ``app@...`` peers with this host as ``nonode@...``."""
    if not found or self_name in found:
        return
    own = parse_node_name(self_name)
    peers = [parse_node_name(name) for name in found]
    apps = sorted({peer.name for peer in peers})
    if include_self and own.name not in apps:
        raise GuardRefused(
            "peerage_include_self=true would add this host as %s, but the peers found are named %s (app name %s),"
            " not %r: set peerage_app_name to the peers' app name (it is %s); %s"
            % (
                self_name,
                _names(found),
                " or ".join(repr(app) for app in apps),
                own.name,
                "unset, so 'nonode'" if not app_name_set else repr(own.name),
                NOTHING_CHANGED,
            )
        )
    if not include_self and not app_name_set:
        same_host = [peer.name for peer in peers if peer.host == own.host]
        if same_host:
            raise GuardRefused(
                "peerage_include_self=false would remove this host as %s, but the peers found name it %s@%s"
                " (app name %r, not %r): set peerage_app_name to %r; %s"
                % (self_name, same_host[0], own.host, same_host[0], own.name, same_host[0], NOTHING_CHANGED)
            )


_KIND_TEXT = {"ipv4": "IPv4 address", "ipv6": "IPv6 address", "hostname": "hostname"}
# Where a host's own address can be found when the peers name hosts by this kind.
_KIND_HINT = {
    "ipv4": "with facts gathered, ansible_default_ipv4.address",
    "ipv6": "with facts gathered, ansible_default_ipv6.address",
    "hostname": "such as inventory_hostname or, with facts gathered, ansible_fqdn",
}
SELF_ADDRESS_SOURCE = "peerage_address, else ansible_host, else inventory_hostname"


def _same_host(own: NodeName, peer: NodeName) -> bool:
    """Whether two host parts that differ as text may name the same host.

    Hostnames that differ only in case or a trailing dot, or a short name
    and a longer name that starts with it (``web1`` and ``web1.example.com``);
    an IPv4 address and the IPv6 address that maps it (``::ffff:10.0.0.5``).
    Node names are atoms compared exactly, so each such pair is two nodes,
    of which at most one exists.
    """
    if own.host_kind == peer.host_kind == "hostname":
        mine, theirs = own.host.rstrip(".").lower(), peer.host.rstrip(".").lower()
        if mine == theirs:
            return True
        short, longer = sorted((mine, theirs), key=len)
        return "." not in short and longer.startswith(short + ".")
    if {own.host_kind, peer.host_kind} == {"ipv4", "ipv6"}:
        four, six = sorted((own, peer), key=lambda name: name.host_kind)
        return ipaddress.IPv6Address(six.host).ipv4_mapped == ipaddress.IPv4Address(four.host)
    return False


def _check_self_name(found: list[str], self_name: str, include_self: bool) -> None:
    """Refuse to add this host under a name that no host of the cluster would have.

    Its peers name it as discovery found it; a node has exactly one name. So
    when this host's own name is not among what was found, it is added only
    if it is of a kind the peers' names are (an IPv4 address, an IPv6 address
    or a hostname) and is not one of those names spelled otherwise.
    """
    if not include_self or not found or self_name in found:
        return
    own = parse_node_name(self_name)
    peers = [peer for peer in (parse_node_name(name) for name in found) if peer.name == own.name]
    if not peers:
        return  # other app names: _check_app_names decides
    same = [peer for peer in peers if _same_host(own, peer)]
    if same:
        raise GuardRefused(
            "peerage_include_self=true would add this host as %s, but the peers found include %s@%s, the same host"
            " spelled otherwise; a node has one name, so the list would name a node that no host is. Set"
            " peerage_address to %s (it is %s, from %s); %s"
            % (self_name, same[0].name, same[0].host, same[0].host, own.host, SELF_ADDRESS_SOURCE, NOTHING_CHANGED)
        )
    kinds = sorted({peer.host_kind for peer in peers}, key=lambda kind: HOST_KIND_ORDER[kind])
    if own.host_kind not in kinds:
        raise GuardRefused(
            "peerage_include_self=true would add this host as %s, a node that no host is: the peers found (%s) are"
            " named by %s, and this host's address, %s (from %s), is a%s %s. Set peerage_address to this host's"
            " address as its peers name it (%s); %s"
            % (
                self_name,
                _names(found),
                " or ".join(_KIND_TEXT[kind] for kind in kinds),
                own.host,
                SELF_ADDRESS_SOURCE,
                "" if own.host_kind == "hostname" else "n",
                _KIND_TEXT[own.host_kind],
                _KIND_HINT[kinds[0]],
                NOTHING_CHANGED,
            )
        )


def guard(
    found: Any,
    self_name: str,
    include_self: bool,
    allow_empty: bool,
    min_peers: int,
    source: str,
    app_name_set: bool = True,
    failure: str | None = None,
) -> list[str]:
    """Return the list this host writes, or raise :class:`GuardRefused`.

    ``found`` is what discovery returned through ``source`` (``"the dns
    provider"``); ``failure`` the message of a failed discovery, which is
    never taken for "no peers". The list is written only when discovery found
    someone (or ``allow_empty``), the host's list itself is not empty (or
    ``allow_empty``) and it names at least ``min_peers`` nodes.
    """
    if failure is not None:
        raise GuardRefused(
            "discovery through %s failed, so %s (a failed discovery is not an empty one): %s"
            % (source, NOTHING_CHANGED[:-1], failure)
        )
    found = normalize_node_names(found)
    if not found and not allow_empty:
        raise GuardRefused(
            "%s found no peers, and an empty peer list is only written with peerage_allow_empty=true; %s"
            % (source, NOTHING_CHANGED)
        )
    _check_app_names(found, self_name, include_self, app_name_set)
    _check_self_name(found, self_name, include_self)
    peers = host_peers(found, self_name, include_self)
    if not peers and not allow_empty:
        raise GuardRefused(
            "%s found only this host (%s), so with peerage_include_self=false its peer list would be empty,"
            " and an empty peer list is only written with peerage_allow_empty=true; %s"
            % (source, self_name, NOTHING_CHANGED)
        )
    if len(peers) < min_peers:
        if peers == found:
            raise GuardRefused(
                "%s found %d peer(s) (%s), fewer than peerage_min_peers=%d; %s"
                % (source, len(found), _names(found), min_peers, NOTHING_CHANGED)
            )
        raise GuardRefused(
            "this host's peer list would name %d node(s) (%s; %s found %s, and peerage_include_self=%s),"
            " fewer than peerage_min_peers=%d; %s"
            % (
                len(peers),
                _names(peers),
                source,
                _names(found),
                str(bool(include_self)).lower(),
                min_peers,
                NOTHING_CHANGED,
            )
        )
    return peers


def _file_problem(entry: Any) -> str | None:
    """Why an entry of peerage_files cannot be written, or None."""
    if not isinstance(entry, Mapping):
        return "it must be a dictionary with dest and format or src"
    dest = entry.get("dest")
    if not isinstance(dest, str) or not dest:
        return "dest (the file's path on the host) is missing"
    if ("format" in entry) == ("src" in entry):
        return "it needs exactly one of format (a built-in format) or src (a template)"
    if "format" in entry and entry["format"] not in FORMATS:
        return "format %r is not one of %s" % (entry["format"], ", ".join(FORMATS))
    options = entry.get("options")
    if options is not None and not isinstance(options, Mapping):
        return "options must be a dictionary of the format's options"
    return None


def render_files(files: Any, peers: list[str], self_name: str | None = None) -> list[dict[str, Any]]:
    """Check every entry of ``files`` and render its built-in format with ``peers``.

    Returns the entries in order, each with ``content`` (the rendered text)
    when it has a ``format``, and ``secret`` (true for a release_env file that
    carries a cookie: written 0600 and never shown); raises
    :class:`PeerageError` naming the first entry that cannot be written,
    before anything is. A ``release_env`` file names this host alone
    (``self_name``), not its peers.
    """
    if not isinstance(files, (list, tuple)):
        raise PeerageError("peerage_files must be a list of files, not %s" % type(files).__name__)
    planned = []
    for index, entry in enumerate(files):
        problem = _file_problem(entry)
        where = "peerage_files[%d]" % index
        if isinstance(entry, Mapping) and isinstance(entry.get("dest"), str):
            where += " (dest %s)" % entry["dest"]
        if problem is not None:
            raise PeerageError("%s: %s; %s" % (where, problem, NOTHING_CHANGED))
        item = dict(entry)
        options = dict(entry.get("options") or {})
        item["secret"] = entry.get("format") == "release_env" and options.get("cookie") is not None
        if "format" in entry:
            names = [self_name] if entry["format"] == "release_env" else peers
            try:
                item["content"] = render_peers(names, entry["format"], **options)
            except PeerageError as exc:
                raise PeerageError("%s: %s; %s" % (where, exc, NOTHING_CHANGED))
        planned.append(item)
    return planned


# How the peers lookup begins the message of every error it raises
# (plugin_utils/lookup.py): the collection's own mark, wherever ansible-core
# put that message inside its own words, which differ from one version to the next.
PEERS_LOOKUP_MARK = "peerage.peerage.peers: "


def discovery_failure(discovery: Any) -> str | None:
    """The collection's own message of a failed discovery task's registered result, or None when it did not fail.

    A failed peers lookup is found by its mark, not by ansible-core's wording
    around it; a failed discover module reports the collection's message
    itself; anything else (an undefined variable in the options, say) is
    given as ansible-core reported it.
    """
    # As ansible-core's own "is failed" test reads a result.
    if not isinstance(discovery, Mapping) or not discovery.get("failed", False):
        return None
    message = str(discovery.get("msg") or "the discovery task failed without a message")
    _before, mark, own = message.partition(PEERS_LOOKUP_MARK)
    return own if mark else message


# What the guard of plan_host reads: the role's guard settings, and its discovery task's result.
GUARD_SETTINGS = ("via", "include_self", "allow_empty", "min_peers", "discovery")


def plan_host(
    files: Any,
    found: Any,
    address: Any,
    app_name: Any = None,
    guard_settings: Mapping[str, Any] | None = None,
) -> tuple[str | None, list[str], list[dict[str, Any]]]:
    """One host's node name, the list it writes and its rendered files; :class:`PeerageError` if it may not write.

    ``found`` is what discovery found. With ``guard_settings`` (the role's:
    ``via``, ``include_self``, ``allow_empty``, ``min_peers``, ``discovery``,
    the registered result of its discovery task) the list is :func:`guard`'s;
    without, ``found`` is written as it is. With ``via=self``, where no
    host ran discovery, the host finds itself. Settings may arrive as text (extra
    variables), so they are read as Ansible reads them.
    """
    unknown = sorted(set(guard_settings or {}) - set(GUARD_SETTINGS))
    if unknown:
        raise PeerageError(
            "guard has no setting %s; it takes %s" % (", ".join(map(repr, unknown)), ", ".join(GUARD_SETTINGS))
        )
    if address is None:
        if guard_settings is not None or any(
            isinstance(entry, Mapping) and entry.get("format") == "release_env" for entry in files or []
        ):
            raise PeerageError("address (this host's address) is required with guard or a release_env file")
        self_name = None
    else:
        self_name = format_node_name(DEFAULT_APP_NAME if app_name is None else app_name, address)
    # self_name is None only without a guard (checked above).
    if guard_settings is None or self_name is None:
        peers = normalize_node_names(found or [])
    else:
        via = str(guard_settings.get("via"))
        discovery = guard_settings.get("discovery")
        if via == "self" and not found:
            found = [self_name]
        peers = guard(
            found if found is not None else [],
            self_name,
            as_bool(guard_settings.get("include_self"), "peerage_include_self", True),
            as_bool(guard_settings.get("allow_empty"), "peerage_allow_empty", False),
            as_number(guard_settings.get("min_peers"), "peerage_min_peers", 1, 0, kind=int),
            "the %s provider" % via,
            app_name_set=app_name is not None,
            failure=discovery_failure(discovery),
        )
    return self_name, peers, render_files(files, peers, self_name)


def _plain(value: Any) -> Any:
    """``value`` with its mappings and lists copied as plain dicts and lists.

    The validator deep-copies what it checks. From ansible-core 2.19 the
    role's variables arrive in containers that carry a templar, which a deep
    copy copies too: slow, and ansible-core 2.22 warns of a deprecation
    while copying it.
    """
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def check_settings(settings: Mapping[str, Any], options: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``settings`` (role variable name to value) if they fit the argument spec ``options``.

    The same check as Ansible's ``validate_argument_spec``, made where the role
    calls it: Ansible's own check of a role's ``main`` entry point is a task
    on every host. Raises :class:`SettingsRefused` naming every bad variable
    and what it allows, or :class:`PeerageError` naming the first entry of
    ``peerage_files`` that cannot be written. The settings are returned as
    given, not converted.
    """
    result = ArgumentSpecValidator(options).validate(_plain(settings))
    if result.error_messages:
        raise SettingsRefused(
            "the role's settings do not fit meta/argument_specs.yml: %s; %s"
            % ("; ".join(result.error_messages), NOTHING_CHANGED)
        )
    # Each entry, format and format option too, so that a typo costs no discovery.
    render_files(settings.get("peerage_files") or [], [], CHECK_NAME)
    return settings
