# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The probe's receive buffers: sized from the peers it expects, so no reply is dropped before it is read."""

from __future__ import annotations

import errno
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp
from ansible_collections.peerage.peerage.plugins.module_utils.udp import transport
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import (
    DATAGRAM_CHARGE,
    MAX_RECEIVE_BUFFER,
    PROBES_IN_FLIGHT,
    grow_receive_buffer,
    receive_buffer_for,
)


@pytest.mark.parametrize("expected", [None, 0, -1])
def test_a_probe_that_expects_no_count_keeps_the_systems_buffer(expected):
    assert receive_buffer_for(expected) is None


def test_the_buffer_holds_the_replies_of_two_probes():
    assert receive_buffer_for(1) == 2 * 2048
    # 250 hosts: 249 peers, about a megabyte, five times Linux's default of 208 KiB.
    assert receive_buffer_for(249) == 249 * 2 * 2048 == 1019904


@given(st.integers(min_value=1, max_value=10**6))
def test_the_buffer_grows_with_the_count_up_to_its_bound(expected):
    size = receive_buffer_for(expected)
    assert size == min(expected * DATAGRAM_CHARGE * PROBES_IN_FLIGHT, MAX_RECEIVE_BUFFER)
    assert size <= receive_buffer_for(expected + 1) <= MAX_RECEIVE_BUFFER


class FakeSocket:
    """SO_RCVBUF as Linux keeps it: twice what was set, at most ``limit`` without SO_RCVBUFFORCE."""

    def __init__(self, current, limit, may_force):
        self.value = current * 2
        self.limit = limit
        self.may_force = may_force
        self.calls = []

    def getsockopt(self, level, name):
        assert (level, name) == (socket.SOL_SOCKET, socket.SO_RCVBUF)
        return self.value

    def setsockopt(self, level, name, size):
        self.calls.append(name)
        if name == transport.SO_RCVBUFFORCE:
            if not self.may_force:
                raise OSError(errno.EPERM, "Operation not permitted")
            self.value = size * 2
        else:
            self.value = min(size, self.limit) * 2


def test_the_buffer_is_forced_past_the_systems_limit_where_allowed():
    sock = FakeSocket(212992, limit=212992, may_force=True)
    assert grow_receive_buffer(sock, 1019904) == 1019904
    assert sock.calls == [transport.SO_RCVBUFFORCE]


def test_without_the_right_to_force_it_the_buffer_gets_what_the_limit_allows():
    sock = FakeSocket(212992, limit=425984, may_force=False)
    assert grow_receive_buffer(sock, 1019904) == 425984
    assert sock.calls == [transport.SO_RCVBUFFORCE, socket.SO_RCVBUF]


@pytest.mark.parametrize("size", [None, 4096, 212992])
def test_a_buffer_is_never_made_smaller(size):
    sock = FakeSocket(212992, limit=4194304, may_force=True)
    assert grow_receive_buffer(sock, size) == 212992
    assert sock.calls == []


def test_a_probe_expecting_many_peers_gets_buffers_for_their_replies():
    # Real sockets, joined on lo; nothing is sent.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
        default = plain.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
        plain.bind(("127.0.0.1", 0))
        port = plain.getsockname()[1]
    with open("/proc/sys/net/core/rmem_max", encoding="ascii") as limit_file:
        limit = int(limit_file.read())
    settings = via_udp.probe_settings({"app_name": "myapp", "interface": "lo", "ttl": 0, "port": port, "expect": 249})
    wanted = receive_buffer_for(249)
    probe = transport.GroupTransport(settings, expected=settings["expect"])
    plain_probe = transport.GroupTransport(settings)
    try:
        for sock in probe.sockets:
            got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2
            # Root may force the size; anyone else gets up to net.core.rmem_max.
            assert got >= min(wanted, max(limit, default if not _may_force() else wanted))
            assert got > default
        for sock in plain_probe.sockets:
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2 == default
    finally:
        probe.close()
        plain_probe.close()


def _may_force():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, transport.SO_RCVBUFFORCE, 1 << 20)
        except OSError:
            return False
        return True
