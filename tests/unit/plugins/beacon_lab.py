# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the tests that run real beacon processes on loopback share (TTL 0: nothing leaves this host)."""

from __future__ import annotations

import socket
import time

from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp

APP = "myapp"
# The interpreter a beacon started by root runs with in these tests (see the beacon_base fixture).
SYSTEM_PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loopback_options(port):
    """Beacon options for one cluster on lo with TTL 0."""
    return {"app_name": APP, "interface": "lo", "ttl": 0, "port": port, "address": "127.0.0.1", "interval": 0.5}


def probe_loopback(options, **extra):
    probe_options = {key: options[key] for key in ("app_name", "interface", "ttl", "port")}
    probe_options.update(extra)
    return via_udp.probe(dict(probe_options, timeout=10, expect=1))


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def process_ids(pid):
    """``{"Uid": [...], "Gid": [...], "Groups": [...]}`` of a running process, from /proc."""
    ids = {}
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            name, _colon, value = line.partition(":")
            if name in ("Uid", "Gid", "Groups"):
                ids[name] = [int(number) for number in value.split()]
    return ids
