# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Waiting for peers: rounds, deadline, required count and the failure message."""

from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.health.reachability import (
    PeersUnreachable,
    PortUnreachable,
    parse_require,
    try_connect,
    wait_for_peers,
    wait_for_port,
)


class FakeNetwork:
    """Scripted hosts and a clock that only moves when the code waits.

    ``up[host]`` is the round from which ``host`` accepts connections
    (absent: never); a refused connection costs no time, a silent host
    costs the whole connect timeout.
    """

    def __init__(self, up=None, silent=(), unknown=()):
        self.up = dict(up or {})
        self.silent = set(silent)
        self.unknown = set(unknown)
        self.now = 100.0
        self.round = 1
        self.attempts = []
        self.starts = {}
        self.lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self.round += 1

    def connect(self, address, timeout):
        host, port = address
        with self.lock:
            self.attempts.append((self.round, host, port, timeout))
        if host in self.unknown:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host in self.silent:
            with self.lock:
                # Threads of one round wait in parallel: the round costs one timeout.
                start = self.starts.setdefault(self.round, self.now)
                self.now = max(self.now, start + timeout)
            raise socket.timeout("timed out")
        if self.up.get(host, 10**9) <= self.round:
            return FakeSocket()
        raise ConnectionRefusedError(111, "Connection refused")

    def wait(self, peers, **kwargs):
        return wait_for_peers(peers, connect=self.connect, clock=self.clock, sleep=self.sleep, **kwargs)


class FakeSocket:
    closed = False

    def close(self):
        self.closed = True


PEERS = ["app@10.0.0.3", "app@10.0.0.1", "app@10.0.0.2"]


def test_all_peers_answer_at_once():
    net = FakeNetwork(up={"10.0.0.1": 1, "10.0.0.2": 1, "10.0.0.3": 1})
    result = net.wait(PEERS, timeout=10)
    assert result["reachable"] == ["app@10.0.0.1", "app@10.0.0.2", "app@10.0.0.3"]
    assert (result["not_reachable"], result["errors"], result["rounds"], result["elapsed"]) == ([], {}, 1, 0)
    assert {port for _round, _host, port, _timeout in net.attempts} == {4369}


def test_retries_only_the_peers_that_have_not_answered():
    net = FakeNetwork(up={"10.0.0.1": 1, "10.0.0.2": 3, "10.0.0.3": 2})
    result = net.wait(PEERS, timeout=10, interval=0.5, port=25672)
    assert result["reachable"] == ["app@10.0.0.1", "app@10.0.0.2", "app@10.0.0.3"]
    assert result["rounds"] == 3
    assert result["elapsed"] == 1.0
    tried = [(rnd, host) for rnd, host, _port, _timeout in net.attempts]
    assert sorted(tried) == [(1, "10.0.0.1"), (1, "10.0.0.2"), (1, "10.0.0.3"), (2, "10.0.0.2"), (2, "10.0.0.3"),
                             (3, "10.0.0.2")]


def test_fails_at_the_deadline_naming_each_unreachable_peer_and_why():
    net = FakeNetwork(up={"10.0.0.1": 1}, silent={"10.0.0.3"})
    with pytest.raises(PeersUnreachable) as caught:
        net.wait(PEERS, timeout=5, interval=1, connect_timeout=2)
    result = caught.value.result
    assert result["reachable"] == ["app@10.0.0.1"]
    assert result["not_reachable"] == ["app@10.0.0.2", "app@10.0.0.3"]
    assert result["errors"] == {
        "app@10.0.0.2": "connection refused",
        "app@10.0.0.3": "no answer within the connect timeout",
    }
    assert result["elapsed"] >= 5
    assert str(caught.value) == (
        "1 of 3 peer(s) answered on TCP port 4369 within 5.0s, all of them required; unreachable:"
        " app@10.0.0.2 (connection refused), app@10.0.0.3 (no answer within the connect timeout)"
    )


def test_a_connect_attempt_never_runs_past_the_deadline():
    net = FakeNetwork(silent={"10.0.0.1"})
    with pytest.raises(PeersUnreachable):
        net.wait(["app@10.0.0.1"], timeout=3, interval=0.5, connect_timeout=2)
    timeouts = [timeout for _round, _host, _port, timeout in net.attempts]
    assert timeouts[0] == 2
    assert sum(timeouts) + 0.5 * (len(timeouts) - 1) <= 3 + 0.05 * len(timeouts)


def test_require_a_number_stops_as_soon_as_enough_answered():
    net = FakeNetwork(up={"10.0.0.1": 1, "10.0.0.2": 2})
    result = net.wait(PEERS, timeout=10, require="2")
    assert (result["reachable"], result["not_reachable"], result["required"]) == (
        ["app@10.0.0.1", "app@10.0.0.2"],
        ["app@10.0.0.3"],
        2,
    )
    assert result["rounds"] == 2


def test_require_zero_reports_without_failing():
    net = FakeNetwork()
    result = net.wait(PEERS, timeout=10, require=0)
    assert result["not_reachable"] == ["app@10.0.0.1", "app@10.0.0.2", "app@10.0.0.3"]
    assert result["rounds"] == 1


def test_timeout_zero_tries_once():
    net = FakeNetwork()
    with pytest.raises(PeersUnreachable) as caught:
        net.wait(PEERS[:1], timeout=0)
    assert caught.value.result["rounds"] == 1
    assert len(net.attempts) == 1


def test_hostnames_and_ipv6_hosts_are_connected_to_without_brackets():
    net = FakeNetwork(up={"fd00::1": 1, "node-1.example.com": 1}, unknown={"node-2.example.com"})
    with pytest.raises(PeersUnreachable) as caught:
        net.wait(["app@[fd00::1]", "app@node-1.example.com", "app@node-2.example.com"], timeout=0)
    assert caught.value.result["reachable"] == ["app@fd00::1", "app@node-1.example.com"]
    assert caught.value.result["errors"] == {"app@node-2.example.com": "name not resolved (Name or service not known)"}


def test_duplicates_are_checked_once_and_an_empty_list_passes():
    net = FakeNetwork(up={"10.0.0.1": 1})
    assert net.wait(["app@10.0.0.1", "app@10.0.0.1"])["reachable"] == ["app@10.0.0.1"]
    assert len(net.attempts) == 1
    assert net.wait([])["reachable"] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"require": "most"}, "invalid require 'most': expected 'all' or a number of peers"),
        ({"require": 4}, "invalid require 4: only 3 peer(s) were given"),
        ({"require": True}, "invalid require True"),
        ({"port": 0}, "invalid port 0"),
        ({"port": 70000}, "invalid port 70000"),
        ({"timeout": -1}, "invalid timeout -1"),
        ({"interval": "soon"}, "invalid interval 'soon'"),
    ],
)
def test_bad_options_are_refused_before_anything_is_tried(kwargs, message):
    net = FakeNetwork()
    with pytest.raises(OptionError) as caught:
        net.wait(PEERS, **kwargs)
    assert str(caught.value).startswith(message)
    assert net.attempts == []


def test_invalid_peer_names_are_refused():
    with pytest.raises(NodeNameError):
        FakeNetwork().wait(["not a node"])


@pytest.mark.parametrize(("value", "expected"), [(None, 3), ("all", 3), ("ALL ", 3), ("0", 0), (2, 2), (" 3", 3)])
def test_parse_require(value, expected):
    assert parse_require(value, 3) == expected


def test_try_connect_on_real_loopback_sockets():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert try_connect("127.0.0.1", port, 2) is None
    # The port is closed now: nothing listens there any more.
    assert try_connect("127.0.0.1", port, 2) == "connection refused"


def test_real_wait_on_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        result = wait_for_peers(["app@127.0.0.1", "app@localhost"], port=port, timeout=5)
        assert result["reachable"] == ["app@127.0.0.1", "app@localhost"]
        with pytest.raises(PeersUnreachable) as caught:
            # 127.0.0.2 is loopback too, but nothing listens on it.
            wait_for_peers(["app@127.0.0.1", "app@127.0.0.2"], port=port, timeout=0)
        assert caught.value.result["errors"] == {"app@127.0.0.2": "connection refused"}


def test_wait_for_port_retries_a_service_that_takes_a_moment_to_start():
    network = FakeNetwork(up={"10.0.0.5": 4})
    waited = wait_for_port("10.0.0.5", 4369, 10, interval=0.5, connect=network.connect, clock=network.clock,
                           sleep=network.sleep)
    assert waited == 1.5
    assert [attempt[0] for attempt in network.attempts] == [1, 2, 3, 4]


def test_wait_for_port_names_the_address_the_port_and_the_time_waited():
    network = FakeNetwork()
    with pytest.raises(PortUnreachable) as failure:
        wait_for_port("10.0.0.5", 25672, 2, interval=0.5, connect=network.connect, clock=network.clock,
                      sleep=network.sleep)
    assert str(failure.value) == (
        "10.0.0.5 did not answer on TCP port 25672 within 2s (waited 2.0s; last error: connection refused)")
    assert (failure.value.waited, failure.value.error) == (2.0, "connection refused")


def test_wait_for_port_stops_at_the_deadline_with_a_silent_host():
    network = FakeNetwork(silent=["10.0.0.5"])
    with pytest.raises(PortUnreachable) as failure:
        wait_for_port("10.0.0.5", 4369, 3, connect=network.connect, clock=network.clock, sleep=network.sleep)
    assert failure.value.error == "no answer within the connect timeout"
    assert failure.value.waited == 3.0
