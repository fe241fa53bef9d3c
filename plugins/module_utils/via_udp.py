# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``udp`` provider: probe the hosts' own network for beacons.

A probe sends a ``probe`` packet to the multicast group, re-sends it every
``interval`` seconds (each with a fresh nonce, so a lost probe or a lost
reply costs one interval, not the whole run), collects the ``reply`` and
``announce`` packets of the same cluster, and returns as soon as ``expect``
peers are known, the set has been stable for ``settle`` seconds, or
``timeout`` runs out. Beacons (:mod:`.beacon`) answer.

``poll(options)`` returns node names, as every provider does; ``probe(options)``
returns the whole :class:`ProbeResult`. The socket plumbing here is shared
with the beacon.

Runs on targets too: standard library only, Python 3.8 syntax, Linux
socket options (``ip_mreqn``) for choosing an interface by name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import ipaddress
import select
import socket
import struct
import time
from collections import namedtuple

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, NoPeersFound, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    format_node_name,
    normalize_node_names,
    validate_app_name,
    validate_node_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool, as_number
from ansible_collections.peerage.peerage.plugins.module_utils.udp_wire import (
    PacketFilter,
    encode,
    new_nonce,
    secret_key,
)

DEFAULT_GROUPS = {"ipv4": "230.1.1.1", "ipv6": "ff12::b34c"}
"""Peerage's IPv4 group; for IPv6 a transient link-local group (0xb34c is 45900)."""

COMMON_DEFAULTS = {
    "app_name": "nonode",
    "family": None,
    "group": None,
    "port": 45900,
    "ttl": 1,
    "interface": None,
    "secret": None,
    "max_age": 30,
    "node_name": None,
    "address": None,
}

PROBE_DEFAULTS = dict(
    COMMON_DEFAULTS,
    timeout=5.0,
    interval=0.5,
    expect=0,
    settle=0.0,
    include_self=True,
    peerage_compat=False,
)

# The same options as AnsibleModule argument specs, for the modules.
COMMON_ARGUMENT_SPEC = {
    "app_name": {"type": "str", "default": "nonode"},
    "node_name": {"type": "str"},
    "address": {"type": "str"},
    "family": {"type": "str", "choices": ["ipv4", "ipv6"]},
    "group": {"type": "str"},
    "port": {"type": "int", "default": 45900},
    "ttl": {"type": "int", "default": 1},
    "interface": {"type": "str"},
    "secret": {"type": "str", "no_log": True},
    "max_age": {"type": "int", "default": 30},
}

PROBE_ARGUMENT_SPEC = dict(
    COMMON_ARGUMENT_SPEC,
    timeout={"type": "float", "default": 5.0},
    interval={"type": "float", "default": 0.5},
    expect={"type": "int", "default": 0},
    settle={"type": "float", "default": 0.0},
    include_self={"type": "bool", "default": True},
    peerage_compat={"type": "bool", "default": False},
)

RECEIVE_BUFFER = 4096  # larger than MAX_PACKET, so an oversized datagram is seen as such


_ProbeResultFields = namedtuple(
    "_ProbeResultFields", ["peers", "sources", "dropped", "elapsed", "complete", "stopped_by", "probes_sent"]
)


class ProbeResult(_ProbeResultFields):
    """What a probe found.

    ``peers``: sorted node names; ``sources``: node name -> address the packet
    came from; ``dropped``: reason -> count; ``elapsed``: seconds;
    ``complete``: at least ``expect`` peers (and at least one) were found;
    ``stopped_by``: ``expect``, ``settle`` or ``timeout``.
    """

    __slots__ = ()

    def to_dict(self):
        return dict(self._asdict())


def _group(options):
    family = options.get("family")
    if family not in (None, "ipv4", "ipv6"):
        raise OptionError("family must be 'ipv4' or 'ipv6', got %r" % (family,))
    group = options.get("group")
    if group is None:
        family = family or "ipv4"
        return family, DEFAULT_GROUPS[family]
    try:
        address = ipaddress.ip_address(str(group))
    except ValueError:
        raise OptionError("group %r is not an IP address" % (group,))
    if not address.is_multicast:
        raise OptionError("group %s is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)" % address)
    group_family = "ipv%d" % address.version
    if family and family != group_family:
        raise OptionError("group %s is an %s address but family is %s" % (address, group_family, family))
    return group_family, str(address)


def _interface(options, family):
    """``None``, ``("name", name)`` or ``("address", address)``."""
    interface = options.get("interface")
    if interface in (None, ""):
        return None
    interface = str(interface)
    try:
        address = ipaddress.ip_address(interface)
    except ValueError:
        return ("name", interface)
    if address.version != (6 if family == "ipv6" else 4):
        raise OptionError("interface %s is not an %s address" % (address, family))
    if family == "ipv6":
        raise OptionError("for IPv6, give the interface by name (such as eth0), not by address")
    return ("address", str(address))


def resolve_options(options, defaults):
    """Check ``options`` against ``defaults``; return a complete dict of settings.

    Missing or None values take the default; keys that are not UDP options
    (a lookup passes all of its options) are ignored. Raises
    :class:`OptionError` naming the option and the value.
    """
    options = dict(options or {})
    settings = {}
    settings["app_name"] = validate_app_name(options.get("app_name") or defaults["app_name"])
    settings["family"], settings["group"] = _group(options)
    settings["port"] = as_number(options.get("port"), "port", defaults["port"], 1, int, 65535)
    settings["ttl"] = as_number(options.get("ttl"), "ttl", defaults["ttl"], 0, int, 255)
    settings["interface"] = _interface(options, settings["family"])
    secret = options.get("secret")
    secret_key(secret)
    settings["secret"] = secret
    settings["max_age"] = as_number(options.get("max_age"), "max_age", defaults["max_age"], 1, int)
    node_name = options.get("node_name")
    address = options.get("address")
    if node_name:
        settings["node_name"] = validate_node_name(node_name)
    elif address:
        settings["node_name"] = format_node_name(settings["app_name"], str(address))
    else:
        settings["node_name"] = None
    for key, default in defaults.items():
        if key in settings or key in ("node_name", "address"):
            continue
        if isinstance(default, bool):
            settings[key] = as_bool(options.get(key), key, default)
        elif isinstance(default, float):
            settings[key] = as_number(options.get(key), key, default, 0.0)
        elif isinstance(default, int):
            settings[key] = as_number(options.get(key), key, default, 0, int)
    return settings


def probe_settings(options):
    settings = resolve_options(options, PROBE_DEFAULTS)
    if settings["timeout"] <= 0:
        raise OptionError("timeout must be more than 0 seconds, got %r" % settings["timeout"])
    if settings["interval"] < 0.01:
        raise OptionError("interval must be at least 0.01 seconds, got %r" % settings["interval"])
    if settings["peerage_compat"] and settings["secret"] is not None:
        raise OptionError("peerage_compat cannot be combined with secret: Peerage's 'Peer:' packets carry no MAC")
    return settings


def describe_group(settings):
    interface = settings["interface"]
    return "group %s port %d on %s" % (
        settings["group"],
        settings["port"],
        "interface %s" % interface[1] if interface else "the system's default interface",
    )


def address_host(address):
    """The host of a socket address, without an IPv6 zone."""
    return address[0].split("%", 1)[0]


def is_local_address(host):
    """True if ``host`` is one of this host's addresses (it can be bound)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.bind((host, 0))
        return True
    except OSError:
        return False
    finally:
        sock.close()


class GroupTransport:
    """Two UDP sockets: one joined to the group, one to send from.

    Sending from an ephemeral port keeps unicast replies away from the group
    port, which other beacons and Peerage nodes on the same host may share.
    Raises :class:`DiscoveryFailed` when a socket cannot be set up.
    """

    def __init__(self, settings, listen=True):
        self.settings = settings
        self.family = socket.AF_INET6 if settings["family"] == "ipv6" else socket.AF_INET
        self.sockets = []  # type: list
        try:
            self.ifindex, self.ifaddr = self._resolve_interface()
            address = [settings["group"], settings["port"]]
            if self.family == socket.AF_INET6:
                address += [0, self.ifindex]
            self.group_address = tuple(address)
            self.sender = self._sender()
            self.sockets.append(self.sender)
            if listen:
                self.sockets.append(self._listener())
        except OSError as exc:
            self.close()
            raise DiscoveryFailed("cannot join multicast %s: %s" % (describe_group(settings), exc), reason="socket")

    def _resolve_interface(self):
        interface = self.settings["interface"]
        if interface is None:
            return 0, None
        if interface[0] == "address":
            return 0, interface[1]
        try:
            return socket.if_nametoindex(interface[1]), None
        except OSError:
            raise OSError(errno.ENODEV, "no network interface named %r" % interface[1])

    def _pack_ipv4_interface(self):
        if self.ifaddr:
            return socket.inet_aton(self.ifaddr)
        # struct ip_mreqn (Linux): choose the interface by index.
        return struct.pack("=4s4si", b"\0" * 4, b"\0" * 4, self.ifindex)

    def configure_sending(self, sock):
        """Set interface, TTL and loopback, so the host's own beacon hears the host's probes."""
        if self.family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, self.settings["ttl"])
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
            if self.ifindex:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, struct.pack("=I", self.ifindex))
        else:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self.settings["ttl"])
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if self.ifindex or self.ifaddr:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, self._pack_ipv4_interface())

    def _sender(self):
        sock = socket.socket(self.family, socket.SOCK_DGRAM)
        try:
            self.configure_sending(sock)
            sock.bind((self.ifaddr or ("::" if self.family == socket.AF_INET6 else ""), 0))
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _listener(self):
        sock = socket.socket(self.family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            group = socket.inet_pton(self.family, self.settings["group"])
            try:
                # Bound to the group, the socket sees only the group's datagrams.
                sock.bind(self.group_address)
            except OSError:
                sock.bind(("::" if self.family == socket.AF_INET6 else "", self.settings["port"]))
            if self.family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, struct.pack("=16sI", group, self.ifindex))
            elif self.ifaddr:
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, group + socket.inet_aton(self.ifaddr))
            else:
                mreqn = struct.pack("=4s4si", group, b"\0" * 4, self.ifindex)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _send(self, data, address, where):
        try:
            self.sender.sendto(data, address)
        except OSError as exc:
            raise DiscoveryFailed("cannot send to %s: %s" % (where, exc), reason="socket")

    def send_group(self, data):
        self._send(data, self.group_address, "multicast " + describe_group(self.settings))

    def send_to(self, data, address):
        self._send(data, address, address_host(address))

    def receive(self, timeout):
        """Wait up to ``timeout`` seconds; return every waiting ``(data, address)``."""
        try:
            ready, _w, _x = select.select(self.sockets, [], [], max(timeout, 0))
        except InterruptedError:
            return []
        packets = []  # type: list
        for sock in ready:
            while len(packets) < 1024:
                try:
                    data, address = sock.recvfrom(RECEIVE_BUFFER)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    # An ICMP error queued on the socket; datagrams behind it wait for the next call.
                    break
                packets.append((data, address))
        return packets

    def close(self):
        for sock in self.sockets:
            sock.close()
        self.sockets = []


def default_address(settings):
    """The address this host sends to the group from: a node name's default host."""
    interface = settings["interface"]
    if interface and interface[0] == "address":
        return interface[1]
    transport = GroupTransport(settings, listen=False)
    try:
        transport.sender.connect(transport.group_address)
        host = address_host(transport.sender.getsockname())
    except OSError as exc:
        raise DiscoveryFailed(
            "cannot find this host's address for multicast %s: %s; set address or interface"
            % (describe_group(settings), exc),
            reason="socket",
        )
    finally:
        transport.close()
    parsed = ipaddress.ip_address(host)
    if parsed.is_unspecified or parsed.is_link_local:
        raise OptionError(
            "this host sends to %s from %s, which cannot stand in a node name; set address or node_name"
            % (settings["group"], host)
        )
    return host


class _SelfFilter:
    """Tells this host's own node name apart.

    With ``node_name`` (or ``address``) set, exactly that name is self;
    otherwise any packet sent from one of this host's addresses is.
    """

    def __init__(self, node_name):
        self.node_name = node_name
        self._local = {}

    def __call__(self, node, host):
        if self.node_name is not None:
            return node == self.node_name
        if host not in self._local:
            self._local[host] = is_local_address(host)
        return self._local[host]


def _run(settings, transport, packets, clock, wallclock):
    start = clock()
    deadline = start + settings["timeout"]
    expect, settle, interval = settings["expect"], settings["settle"], settings["interval"]
    is_self = None if settings["include_self"] else _SelfFilter(settings["node_name"])
    found = {}  # type: dict
    solicited = set()
    last_change = None
    next_send = start
    stopped_by = "timeout"
    while True:
        now = clock()
        if expect and len(found) >= expect:
            stopped_by = "expect"
            break
        if settle and found and now - last_change >= settle:
            stopped_by = "settle"
            break
        if now >= deadline:
            break
        if now >= next_send:
            nonce = new_nonce()
            solicited.add(nonce)
            transport.send_group(
                encode("probe", settings["app_name"], settings["node_name"], settings["secret"], wallclock(), nonce)
            )
            next_send = now + interval
        wake = min(next_send, deadline)
        if settle and found:
            wake = min(wake, last_change + settle)
        for data, address in transport.receive(wake - now):
            packet = packets.accept(data, solicited)
            if packet is None or packet.kind == "probe":
                continue
            host = address_host(address)
            if is_self is not None and is_self(packet.node, host):
                packets.count("self")
                continue
            if packet.node not in found:
                found[packet.node] = host
                last_change = clock()
    peers = normalize_node_names(found)
    return ProbeResult(
        peers=peers,
        sources={node: found[node] for node in peers},
        dropped=dict(packets.dropped),
        elapsed=round(clock() - start, 3),
        complete=bool(peers) and len(peers) >= expect,
        stopped_by=stopped_by,
        probes_sent=len(solicited),
    )


def describe_result(result, settings):
    """One line on what a probe saw: for reports and for the "no peers" message."""
    dropped = ", ".join("%s %d" % item for item in sorted(result.dropped.items())) or "none"
    return "%d peer(s) of %s on %s in %.2fs (%d probes sent, stopped by %s; dropped: %s)" % (
        len(result.peers),
        settings["app_name"],
        describe_group(settings),
        result.elapsed,
        result.probes_sent,
        result.stopped_by,
        dropped,
    )


def describe_empty(result, options):
    """Why a probe found no peers, for the error message."""
    return "no beacon answered: %s; is a beacon running?" % describe_result(result, probe_settings(options))


def probe(options, report=None, transport=None, clock=time.monotonic, wallclock=time.time):
    """Probe the group; return a :class:`ProbeResult`.

    Raises :class:`OptionError` for bad options and :class:`DiscoveryFailed`
    when the sockets cannot be set up or used. Finding no peers is not an
    error here: the result is empty and the caller decides.
    ``report(message, verbosity)`` hears what was found and from where (1)
    and the probe's detail (3).
    """
    settings = probe_settings(options)
    packets = PacketFilter(
        settings["app_name"], settings["secret"], settings["max_age"], settings["peerage_compat"], clock=wallclock
    )
    own_transport = transport is None
    if own_transport:
        transport = GroupTransport(settings)
    try:
        result = _run(settings, transport, packets, clock, wallclock)
    finally:
        if own_transport:
            transport.close()
    if report:
        found = ", ".join("%s (from %s)" % (node, result.sources[node]) for node in result.peers)
        report("udp: found %s" % (found or "no peers"), 1)
        report("udp: " + describe_result(result, settings), 3)
    return result


def poll(options, report=None):
    """The provider entry point: the node names a probe finds; :class:`NoPeersFound` for none."""
    result = probe(options, report)
    if not result.peers:
        raise NoPeersFound(describe_empty(result, options))
    return result.peers
