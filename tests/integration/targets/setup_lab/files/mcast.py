# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Send and receive UDP multicast datagrams on a lab host's interface.

    python3 mcast.py recv [--group G] [--port P] [--iface eth0] [--timeout S] [--expect TEXT] [--count N]
    python3 mcast.py send [--group G] [--port P] [--iface eth0] --payload TEXT [--repeat N] [--interval S]
    python3 mcast.py watch [--group G] [--port P] [--iface eth0] [--seconds S] [--window W]

``recv`` joins the group, prints ``ready`` once it listens, then one JSON line
{"received": count of matching datagrams, "senders": [addresses]} and exits 0
when at least ``--count`` matching datagrams came before the timeout, 1 if not.
``send`` sends the payload ``--repeat`` times with TTL (hop limit) 1.
``watch`` joins the group, prints ``ready``, and records every datagram until
``--seconds`` pass or SIGTERM comes; then prints one JSON line: how many came,
from which senders, and the most that came within any ``--window`` seconds.
IPv6 groups (``ff..``) work the same way.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import struct
import sys
import time
import typing as t


def _socket(group: str, iface: str) -> tuple[socket.socket, int]:
    family = socket.AF_INET6 if ":" in group else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    return sock, socket.if_nametoindex(iface)


def _joined(group: str, port: int, iface: str) -> socket.socket:
    sock, index = _socket(group, iface)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sock.family == socket.AF_INET6:
        sock.bind(("::", port))
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                        socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index))
    else:
        # Bound to 0.0.0.0, as Peerage's own socket is: it hears the port whatever group a datagram was sent to.
        sock.bind(("0.0.0.0", port))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", index))
    return sock


def busiest_window(times: t.Sequence[float], window: float) -> int:
    """The most of ``times`` (sorted) that fall within any ``window`` seconds."""
    most, first = 0, 0
    for last, when in enumerate(times):
        while when - times[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def watch(group: str, port: int, iface: str, seconds: float, window: float) -> int:
    sock = _joined(group, port, iface)
    stop = []
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.append(True))
    print("ready", flush=True)
    times: list[float] = []
    senders: list[str] = []
    deadline = time.monotonic() + seconds
    while not stop and time.monotonic() < deadline:
        sock.settimeout(min(0.2, max(deadline - time.monotonic(), 0.001)))
        try:
            _data, sender = sock.recvfrom(2048)
        except (socket.timeout, InterruptedError):
            continue
        times.append(time.monotonic())
        if sender[0] not in senders:
            senders.append(sender[0])
    result = {"received": len(times), "senders": sorted(senders), "window": window,
              "max_in_window": busiest_window(times, window)}
    print(json.dumps(result), flush=True)
    return 0


def receive(group: str, port: int, iface: str, timeout: float, expect: t.Optional[str], count: int) -> int:
    sock, index = _socket(group, iface)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sock.family == socket.AF_INET6:
        sock.bind(("::", port))
        mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    else:
        # Bound to the group so that only its datagrams arrive.
        sock.bind((group, port))
        # struct ip_mreqn: group, local address (any), interface index.
        mreq = socket.inet_aton(group) + socket.inet_aton("0.0.0.0") + struct.pack("@i", index)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    print("ready", flush=True)
    received, senders = 0, []
    deadline = time.monotonic() + timeout
    while received < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data, sender = sock.recvfrom(2048)
        except socket.timeout:
            break
        if expect is None or data.decode("utf-8", "replace") == expect:
            received += 1
            if sender[0] not in senders:
                senders.append(sender[0])
    print(json.dumps({"received": received, "senders": senders}), flush=True)
    return 0 if received >= count else 1


def send(group: str, port: int, iface: str, payload: str, repeat: int, interval: float) -> int:
    sock, index = _socket(group, iface)
    if sock.family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    else:
        mreqn = socket.inet_aton("0.0.0.0") + socket.inet_aton("0.0.0.0") + struct.pack("@i", index)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    for number in range(repeat):
        if number:
            time.sleep(interval)
        sock.sendto(payload.encode("utf-8"), (group, port))
    print(json.dumps({"sent": repeat}), flush=True)
    return 0


def main(argv: t.Optional[t.Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="mcast.py")
    sub = parser.add_subparsers(dest="command", required=True)
    recv = sub.add_parser("recv")
    recv.add_argument("--timeout", type=float, default=10.0)
    recv.add_argument("--expect", default=None, help="count only datagrams with exactly this text")
    recv.add_argument("--count", type=int, default=1)
    snd = sub.add_parser("send")
    snd.add_argument("--payload", required=True)
    snd.add_argument("--repeat", type=int, default=1)
    snd.add_argument("--interval", type=float, default=0.2)
    wat = sub.add_parser("watch")
    wat.add_argument("--seconds", type=float, default=60.0)
    wat.add_argument("--window", type=float, default=0.1)
    for each in (recv, snd, wat):
        each.add_argument("--group", default="230.1.1.1")
        each.add_argument("--port", type=int, default=45900)
        each.add_argument("--iface", default="eth0")
    args = parser.parse_args(argv)
    if args.command == "recv":
        return receive(args.group, args.port, args.iface, args.timeout, args.expect, args.count)
    if args.command == "watch":
        return watch(args.group, args.port, args.iface, args.seconds, args.window)
    return send(args.group, args.port, args.iface, args.payload, args.repeat, args.interval)


if __name__ == "__main__":
    sys.exit(main())
