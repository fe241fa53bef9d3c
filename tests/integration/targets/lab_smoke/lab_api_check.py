# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Checks of lab.py as a module: attaching to a running lab, packet loss, and
a second lab run as a context manager that must vanish after an exception.

    python3 lab_api_check.py LAB_FILES STATE_DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

LAB_FILES, STATE_DIR = sys.argv[1], sys.argv[2]
sys.path.insert(0, LAB_FILES)

from lab import Lab, LabError  # noqa: E402  pylint: disable=wrong-import-position

MCAST = os.path.join(LAB_FILES, "mcast.py")
SENT = 200


def heard(lab: Lab, sender: str, receiver: str, payload: str) -> int:
    """How many of SENT multicast datagrams from ``sender`` reach ``receiver``."""
    recv = [lab.python, MCAST, "recv", "--expect", payload, "--count", str(SENT), "--timeout", "3"]
    send = [lab.python, MCAST, "send", "--payload", payload, "--repeat", str(SENT), "--interval", "0.002"]
    listener = lab.popen(receiver, recv, stdout=subprocess.PIPE, text=True)
    try:
        assert listener.stdout is not None
        assert listener.stdout.readline().strip() == "ready"
        lab.exec(sender, send, check=True, stdout=subprocess.DEVNULL)
        out, _err = listener.communicate(timeout=30)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    return int(json.loads(out)["received"])


def check_loss(lab: Lab) -> None:
    for loss, low, high in ((100, 0, 0), (50, SENT * 0.2, SENT * 0.8), (0, SENT, SENT)):
        lab.netem(loss)
        got = heard(lab, "h1", "h2", "loss-%d" % loss)
        print("loss %d%%: h2 heard %d of %d datagrams" % (loss, got, SENT))
        assert low <= got <= high, "loss %d%%: %d of %d arrived, expected %s..%s" % (loss, got, SENT, low, high)
    assert Lab.attach(STATE_DIR).loss == 0.0


def check_context_manager() -> None:
    state = tempfile.mkdtemp(prefix="peerage-lab-api.", dir="/tmp")
    try:
        with Lab(state, hosts=2, subnet=78) as other:
            assert other.hosts == ["h1", "h2"]
            assert other.address("h2") == "198.18.78.12"
            assert other.address6("h2") == "fd00:198:18:78::12"
            seen = subprocess.run(other.ssh_argv("h2", ["ip", "-o", "-4", "addr", "show", "dev", "eth0"]),
                                  check=True, capture_output=True, text=True).stdout
            assert "inet 198.18.78.12/24" in seen, seen
            try:
                other.address("h3")
            except LabError:
                pass
            else:
                raise AssertionError("h3 should not exist")
            raise RuntimeError("leaving the lab by an exception")
    except RuntimeError as exc:
        assert str(exc) == "leaving the lab by an exception"
    names = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, text=True).stdout
    assert "pglab78-" not in names, names
    assert subprocess.run(["ip", "link", "show", "pgbr78"], capture_output=True, check=False).returncode != 0
    assert not os.path.exists(state), os.listdir(state)
    print("context manager: lab of subnet 78 removed after an exception")


check_loss(Lab.attach(STATE_DIR))
check_context_manager()
