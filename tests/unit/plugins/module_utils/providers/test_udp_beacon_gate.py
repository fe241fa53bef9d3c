# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The beacon service's health gate: a probe that waits for one node name, on a simulated segment."""

from __future__ import annotations

import functools

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp
from ansible_collections.peerage.peerage.plugins.module_utils.providers.udp import BeaconSilent, wait_for_beacon
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import beacon_settings
from ansible_collections.peerage.peerage.tests.unit.plugins.module_utils.udp.fakes import FakeNetwork

HOST = "198.51.100.1"
OTHERS = ("198.51.100.2", "198.51.100.3")
OPTIONS = {"app_name": "app", "address": HOST, "expect": 3, "settle": 0.5}


def gate(network, node_name="app@" + HOST, timeout=5.0):
    probe = functools.partial(
        udp.probe, transport=network.endpoint(HOST), clock=network.clock, wallclock=network.clock.wall
    )
    return wait_for_beacon(OPTIONS, node_name, timeout, run_probe=probe, clock=network.clock)


def add_beacon(network, host):
    network.beacon(beacon_settings({"app_name": "app", "address": host}), host)


def test_the_gate_passes_as_soon_as_its_own_beacon_answers():
    network = FakeNetwork()
    for host in (HOST, *OTHERS):
        add_beacon(network, host)
    assert gate(network) < 0.5  # one round trip and a reply spread, not the settle or the timeout


def test_other_beacons_answering_first_do_not_end_the_wait():
    # The others answer at once; the awaited beacon (1.5 s away each way: slow to start) after 3 s.
    slow = "198.51.100.9"
    network = FakeNetwork(latency=lambda source, destination: 1.5 if slow in (source, destination) else 0.001)
    for host in (*OTHERS, slow):
        add_beacon(network, host)
    waited = gate(network, node_name="app@" + slow)
    assert 3.0 <= waited < 3.5


def test_a_silent_beacon_fails_naming_it_the_time_and_what_was_heard():
    network = FakeNetwork()
    for host in OTHERS:
        add_beacon(network, host)
    with pytest.raises(BeaconSilent) as raised:
        gate(network, timeout=2.0)
    assert str(raised.value) == (
        "no beacon answered a probe as app@198.51.100.1 within 2s "
        "(waited 2.0s; the probe heard: app@198.51.100.2, app@198.51.100.3)")
    assert raised.value.waited == 2.0
    assert raised.value.heard == ["app@198.51.100.2", "app@198.51.100.3"]


@pytest.mark.parametrize(("node_name", "timeout"), [("", 5.0), ("app@" + HOST, 0)])
def test_the_gate_needs_a_node_name_and_a_timeout(node_name, timeout):
    with pytest.raises(OptionError):
        wait_for_beacon(OPTIONS, node_name, timeout)
