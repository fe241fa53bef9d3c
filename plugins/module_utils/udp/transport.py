# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The UDP transport: sockets joined to a multicast group, shared by the probe and the beacon.

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

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import describe_group

RECEIVE_BUFFER = 4096  # larger than MAX_PACKET, so an oversized datagram is seen as such

# What one queued datagram of up to MAX_PACKET bytes costs a socket's receive buffer: the kernel
# charges the whole buffer it was received into (768 to 1280 bytes on loopback and veth), not its
# payload. A full buffer drops what comes next (RcvbufErrors in /proc/net/snmp).
DATAGRAM_CHARGE = 2048
# Replies to two probes may be queued at once: a resent probe is answered while the first's replies come.
PROBES_IN_FLIGHT = 2
# The most a probe asks for, whatever it expects (16 MiB: 4096 replies of two probes).
MAX_RECEIVE_BUFFER = 16 * 1024 * 1024
# Linux's SO_RCVBUFFORCE (older Pythons lack the name): past net.core.rmem_max, with CAP_NET_ADMIN.
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def receive_buffer_for(expected):
    """Bytes of receive buffer that hold every reply a probe expects, twice over; None when none is expected.

    All N-1 beacons answer one probe within their reply spread, so the replies can all be queued before
    the probe reads one; the kernel's default buffer (208 KiB on most systems) holds about a hundred.
    """
    if not expected or expected <= 0:
        return None
    return min(expected * DATAGRAM_CHARGE * PROBES_IN_FLIGHT, MAX_RECEIVE_BUFFER)


def grow_receive_buffer(sock, size):
    """Make ``sock``'s receive buffer at least ``size`` bytes, never smaller than it is; return its size.

    SO_RCVBUFFORCE passes the system's limit (net.core.rmem_max) when the process may (root, or
    CAP_NET_ADMIN); otherwise SO_RCVBUF gets as much as the limit allows. Linux reports twice the
    size asked for (the rest is its bookkeeping), so the size is compared and returned halved.
    """
    current = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
    if size is None or size <= current:
        return current
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2


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
    A probe that expects ``expected`` peers gets receive buffers that hold
    all their replies (on the sender) and the announcements its probe brings
    forward (on the listeners), so none is dropped before it is read.
    Raises :class:`DiscoveryFailed` when a socket cannot be set up.
    """

    def __init__(self, settings, listen=True, listen_peerage=False, expected=0):
        self.settings = settings
        self.receive_buffer = receive_buffer_for(expected)
        self.reply_capacity = 0  # replies of one probe the sender's receive buffer holds, as sized
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
            self.peerage_address = (settings["peerage_group"], settings["peerage_port"])
            if listen:
                self.sockets.append(self._listener(self.group_address))
            if listen_peerage:
                # Peerage's own group and port, where BEAM nodes running its Udp provider announce.
                self.sockets.append(self._listener(self.peerage_address))
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
            size = grow_receive_buffer(sock, self.receive_buffer)
            self.reply_capacity = size // (DATAGRAM_CHARGE * PROBES_IN_FLIGHT)
            sock.bind((self.ifaddr or ("::" if self.family == socket.AF_INET6 else ""), 0))
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock

    def _listener(self, group_address):
        sock = socket.socket(self.family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            grow_receive_buffer(sock, self.receive_buffer)
            group = socket.inet_pton(self.family, group_address[0])
            try:
                # Bound to the group, the socket sees only the group's datagrams.
                sock.bind(group_address)
            except OSError:
                sock.bind(("::" if self.family == socket.AF_INET6 else "", group_address[1]))
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

    def send_peerage(self, data):
        """Send to Peerage's group and port (IPv4 only; the options refuse Peerage traffic over IPv6)."""
        self._send(data, self.peerage_address, "Peerage's group %s port %d" % self.peerage_address)

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
