# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A hostile host on the lab segment: sends bad packets to the group while probes run.

    python3 inject.py --secret-file F --app-name myapp --probers A,B,... [--interface eth0] [--timeout S]

Waits until it has seen a probe from every prober address, then sends one of
each bad packet (below) to the group, then waits for a real announcement
and sends it again twice (a replay). Prints one JSON line of what it sent.
Needs the collection on PYTHONPATH (for the wire format it attacks).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import time

from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import probe_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import GroupTransport
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import (
    PacketFilter,
    encode,
    encode_peerage,
    new_nonce,
)


def signed_raw(body: bytes, secret: str) -> bytes:
    """Sign any bytes, as a host that holds the secret but sends a bad name would."""
    return body + b" " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest().encode()


def bad_packets(app: str, secret: str) -> dict[str, bytes]:
    now = time.time()
    name = b"%s@198.18.0.66\x07" % app.encode()
    control = b"peerage/1 announce %s %s %d %s -" % (app.encode(), name, now, new_nonce().encode())
    return {
        "forged (wrong key)": encode("announce", app, "%s@198.18.0.61" % app, "not-the-secret", now),
        "unsigned": encode("announce", app, "%s@198.18.0.62" % app, None, now),
        "stale (an hour old)": encode("announce", app, "%s@198.18.0.63" % app, secret, now - 3600),
        "unsolicited reply": encode("reply", app, "%s@198.18.0.64" % app, secret, now, echo=new_nonce()),
        "other cluster": encode("announce", "otherapp", "otherapp@198.18.0.65", secret, now),
        "oversized": b"peerage/1 announce " + b"x" * 700,
        "garbage": b"\x00\x13\x37 not a packet \xff\xfe",
        "other version": b"peerage/2 announce %s %s@198.18.0.67" % (app.encode(), app.encode()),
        "peerage format": encode_peerage("%s@198.18.0.68" % app),
        "control character in the name": signed_raw(control, secret),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--app-name", default="myapp")
    parser.add_argument("--probers", required=True, help="comma-separated addresses to wait for a probe from")
    parser.add_argument("--interface", default="eth0")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    with open(args.secret_file) as handle:
        secret = handle.read().strip()
    settings = probe_settings({"app_name": args.app_name, "interface": args.interface, "secret": secret})
    transport = GroupTransport(settings)
    packets = PacketFilter(args.app_name, secret)
    waiting = set(args.probers.split(","))
    sent: list[str] = []
    deadline = time.monotonic() + args.timeout
    try:
        # 1. Every prober is listening once its first probe is out.
        while waiting and time.monotonic() < deadline:
            for data, address in transport.receive(0.5):
                packet = packets.accept(data)
                if packet is not None and packet.kind == "probe":
                    waiting.discard(address[0])
        if waiting:
            print(json.dumps({"error": "no probe from %s" % sorted(waiting)}))
            return 1
        # 2. One of each bad packet.
        for label, data in bad_packets(args.app_name, secret).items():
            transport.send_group(data)
            sent.append(label)
            time.sleep(0.02)
        # 3. A real announcement, seen by every prober, then sent again twice.
        while time.monotonic() < deadline:
            for data, _address in transport.receive(0.5):
                packet = packets.accept(data)
                if packet is not None and packet.kind == "announce":
                    for _copy in range(2):
                        time.sleep(0.05)
                        transport.send_group(data)
                        sent.append("replay of %s's announcement" % packet.node)
                    print(json.dumps({"sent": sent}))
                    return 0
        print(json.dumps({"error": "no announcement to replay", "sent": sent}))
        return 1
    finally:
        transport.close()


if __name__ == "__main__":
    sys.exit(main())
