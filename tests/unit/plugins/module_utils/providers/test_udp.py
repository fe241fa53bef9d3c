# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The udp provider's probe: against real beacons on a simulated segment, and once on real sockets."""

from __future__ import annotations

import hashlib
import hmac
import random
import socket
import threading

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, NoPeersFound, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import Beacon, beacon_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import (
    PEERAGE_GROUP,
    PEERAGE_PORT,
    REPLY_SLOT,
    REPLY_SPREAD_MAX,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import decode, encode, encode_peerage, new_nonce
from ansible_collections.peerage.peerage.tests.unit.plugins.module_utils.udp.fakes import FakeNetwork

APP = "myapp"
SECRET = "s3cret"
PROBER = "198.51.100.1"
PEERS = ("198.51.100.11", "198.51.100.12", "198.51.100.13")


def add_beacons(network, hosts=PEERS, **options):
    return [network.beacon(beacon_settings(dict(options, app_name=APP, address=host)), host) for host in hosts]


REAL_PROBE = via_udp.probe


def run_probe(network, host=PROBER, report=None, endpoint=None, **options):
    """Probe from ``host`` (or from ``endpoint``, made earlier to hear injected packets)."""
    endpoint = endpoint or network.endpoint(host)
    options.setdefault("app_name", APP)
    return REAL_PROBE(options, report, transport=endpoint, clock=network.clock, wallclock=network.clock.wall)


def names(hosts):
    return ["%s@%s" % (APP, host) for host in hosts]


# ---------------------------------------------------------------- when the probe returns


def test_returns_as_soon_as_expect_peers_answer():
    network = FakeNetwork()
    add_beacons(network)
    result = run_probe(network, expect=3, timeout=5)
    assert result.peers == names(PEERS)
    assert result.sources == dict(zip(names(PEERS), PEERS, strict=False))
    assert (result.complete, result.stopped_by, result.probes_sent) == (True, "expect", 1)
    assert result.elapsed < 0.01  # simulated time: one round trip
    assert result.dropped == {}


def test_peers_come_sorted_and_once():
    network = FakeNetwork()
    hosts = ["198.51.100.10", "198.51.100.9", "198.51.100.100"]
    add_beacons(network, hosts)
    result = run_probe(network, timeout=2)
    assert result.peers == names(["198.51.100.9", "198.51.100.10", "198.51.100.100"])
    assert result.probes_sent == 4  # every 0.5 s, each answered again


def test_without_expect_or_settle_it_waits_for_the_timeout_and_keeps_probing():
    network = FakeNetwork()
    add_beacons(network)
    result = run_probe(network, timeout=5, interval=0.5)
    assert (result.stopped_by, result.complete, result.probes_sent) == ("timeout", True, 10)
    assert result.elapsed == 5.0
    assert result.peers == names(PEERS)


def test_settle_returns_once_no_new_peer_came_for_that_long():
    slow = {"198.51.100.11": 0.1, "198.51.100.12": 0.3, "198.51.100.13": 4.0}
    network = FakeNetwork(latency=lambda source, destination: slow.get(source, slow.get(destination, 0.001)))
    add_beacons(network)
    result = run_probe(network, settle=1.0, timeout=10)
    # .12 answers after 0.6 s (two 0.3 s hops); 1 s later nothing new has come, so .13 (8 s away) is not waited for.
    assert result.stopped_by == "settle"
    assert result.peers == names(PEERS[:2])
    assert result.elapsed == pytest.approx(1.6, abs=REPLY_SPREAD_MAX)


def test_until_ends_the_probe_once_the_names_heard_satisfy_it():
    network = FakeNetwork()
    add_beacons(network)
    wanted = names(PEERS)[1]
    result = REAL_PROBE({"app_name": APP, "timeout": 5}, transport=network.endpoint(PROBER), clock=network.clock,
                        wallclock=network.clock.wall, until=lambda found: wanted in found)
    assert result.stopped_by == "until"
    assert wanted in result.peers
    assert result.elapsed < 1.0


def test_fewer_than_expect_is_incomplete_at_the_timeout():
    network = FakeNetwork()
    add_beacons(network, PEERS[:2])
    result = run_probe(network, expect=3, timeout=3)
    assert (result.complete, result.stopped_by) == (False, "timeout")
    assert result.peers == names(PEERS[:2])


def test_nothing_answers():
    network = FakeNetwork()
    result = run_probe(network, timeout=2)
    assert (result.peers, result.complete, result.stopped_by, result.probes_sent) == ([], False, "timeout", 4)


def test_poll_returns_names_and_fails_clearly_on_none(monkeypatch):
    network = FakeNetwork()
    add_beacons(network, PEERS[:1])

    def fake_probe(options, report=None):
        return run_probe(network, report=report, **options)

    monkeypatch.setattr(via_udp, "probe", fake_probe)
    assert via_udp.poll({"app_name": APP, "timeout": 1, "expect": 1}) == names(PEERS[:1])
    empty = FakeNetwork()
    monkeypatch.setattr(via_udp, "probe", lambda options, report=None: run_probe(empty, **options))
    with pytest.raises(NoPeersFound) as caught:
        via_udp.poll({"app_name": APP, "timeout": 1})
    message = str(caught.value)
    assert "no beacon answered" in message
    assert "group 239.192.45.1 port 45901" in message
    assert "2 probes sent" in message


# ---------------------------------------------------------------- loss


def test_a_lost_probe_costs_one_interval():
    lost = []

    def lose_first_three_probes(data, source, destination):
        if b" probe " in data and destination != PROBER and len(lost) < 3 * len(PEERS):
            lost.append(data)
            return True
        return False

    network = FakeNetwork(loss=lose_first_three_probes)
    add_beacons(network)
    result = run_probe(network, expect=3, interval=0.5, timeout=5)
    assert result.complete
    assert result.probes_sent == 4
    assert result.elapsed == pytest.approx(1.5, abs=0.01)


def test_with_every_unicast_reply_lost_the_announcements_that_probes_bring_forward_still_answer():
    # As when neighbour resolution (ARP) fails under loss: only multicast gets through.
    network = FakeNetwork(loss=lambda data, source, destination: b" reply " in data)
    add_beacons(network)
    result = run_probe(network, expect=3, timeout=5)
    assert result.complete
    assert result.elapsed < 0.01
    assert result.probes_sent == 1


def random_loss(seed, rate):
    rng = random.Random(seed)
    return lambda data, source, destination: rng.random() < rate


def test_thirty_percent_loss_is_absorbed_by_resending():
    # A round trip succeeds with p = 0.7 * 0.7; 20 probes miss a peer with p = 0.51 ** 20, about 1e-6.
    hosts = ["198.51.100.%d" % index for index in range(11, 15)]
    for seed in range(30):
        network = FakeNetwork(loss=random_loss(seed, 0.3))
        add_beacons(network, hosts)
        result = run_probe(network, expect=4, interval=0.5, timeout=10)
        assert result.complete, "seed %d: only %s" % (seed, result.peers)


def test_a_single_probe_would_not_be_enough_under_loss():
    hosts = ["198.51.100.%d" % index for index in range(11, 15)]
    incomplete = 0
    for seed in range(30):
        network = FakeNetwork(loss=random_loss(seed, 0.3))
        add_beacons(network, hosts)
        incomplete += not run_probe(network, expect=4, interval=5, timeout=5).complete
    assert incomplete > 15


# ---------------------------------------------------------------- self


def test_include_self_by_node_name():
    network = FakeNetwork()
    add_beacons(network, [PROBER, *PEERS])
    assert run_probe(network, expect=4, timeout=2).peers == names([PROBER, *PEERS])
    network = FakeNetwork()
    add_beacons(network, [PROBER, *PEERS])
    result = run_probe(network, expect=3, timeout=2, include_self=False, node_name="%s@%s" % (APP, PROBER))
    assert result.peers == names(PEERS)
    assert result.dropped["self"] >= 1


def test_without_a_node_name_self_is_any_local_source_address():
    # 127.0.0.1 can be bound here, so it is this host; the 198.51.100.0/24 test addresses cannot.
    network = FakeNetwork()
    add_beacons(network, ["127.0.0.1", *PEERS])
    result = run_probe(network, host="127.0.0.1", expect=3, timeout=2, include_self=False)
    assert result.peers == names(PEERS)
    assert result.dropped["self"] >= 1


def test_is_local_address():
    assert via_udp.is_local_address("127.0.0.1")
    assert not via_udp.is_local_address("198.51.100.200")


# ---------------------------------------------------------------- authentication


def signed(kind, node, **kwargs):
    return encode(kind, APP, node, SECRET, **kwargs)


def test_with_a_secret_bad_packets_are_dropped_and_counted_while_peers_are_found():
    network = FakeNetwork()
    add_beacons(network, secret=SECRET)
    wall = network.clock.wall
    legit = signed("announce", names(PEERS)[0], timestamp=wall())
    bad = [
        encode("announce", APP, "%s@198.51.100.66" % APP, "wrong key", timestamp=wall()),  # mac
        encode("announce", APP, "%s@198.51.100.67" % APP, None, timestamp=wall()),  # mac (unsigned)
        signed("announce", "%s@198.51.100.68" % APP, timestamp=wall() - 3600),  # stale
        signed("reply", "%s@198.51.100.69" % APP, timestamp=wall(), echo=new_nonce()),  # unsolicited
        encode("announce", "otherapp", "otherapp@198.51.100.70", SECRET, timestamp=wall()),  # cluster
        b"peerage/1 announce myapp " + b"x" * 600,  # oversized
        b"\x00\x01garbage\xff",  # malformed
        b"peerage/2 announce myapp myapp@198.51.100.71",  # version
        encode_peerage("%s@198.51.100.72" % APP),  # peerage
        legit,
        legit,  # replay
    ]
    control = b"peerage/1 announce myapp myapp@198.51.100.73\x07 %d %s -" % (int(wall()), new_nonce().encode())
    bad.append(control + b" " + hmac.new(SECRET.encode(), control, hashlib.sha256).hexdigest().encode())  # node_name
    endpoint = network.endpoint(PROBER)
    for index, data in enumerate(bad):
        network.inject(data, delay=0.2 + index * 0.01)
    result = run_probe(network, endpoint=endpoint, secret=SECRET, timeout=2)
    assert result.peers == names(PEERS)
    assert result.dropped == {
        "mac": 2,
        "stale": 1,
        "unsolicited": 1,
        "cluster": 1,
        "oversized": 1,
        "malformed": 1,
        "version": 1,
        "peerage": 1,
        "replay": 1,
        "node_name": 1,
    }


def test_a_replayed_reply_is_refused():
    network = FakeNetwork()
    add_beacons(network, PEERS[:1], secret=SECRET)
    endpoint = network.endpoint(PROBER)
    captured = []
    receive = endpoint.receive

    def receive_and_replay(timeout):
        packets = receive(timeout)
        for data, source in packets:
            if b" reply " in data and not captured:
                captured.append(data)
                network.inject(data, source=source, delay=0.1)
        return packets

    endpoint.receive = receive_and_replay
    result = run_probe(network, endpoint=endpoint, secret=SECRET, timeout=1)
    assert captured
    assert result.peers == names(PEERS[:1])
    assert result.dropped == {"replay": 1}


def test_beacons_without_the_secret_are_not_believed():
    network = FakeNetwork()
    add_beacons(network)
    result = run_probe(network, secret=SECRET, timeout=1)
    assert result.peers == []
    # Each of the 3 beacons answered each probe with a reply and an announcement brought forward.
    assert result.dropped == {"mac": 3 * 2 * result.probes_sent}


def test_a_prober_without_the_secret_hears_nothing_from_beacons_with_one():
    # The beacons refuse its unsigned probes.
    network = FakeNetwork()
    beacons = add_beacons(network, secret=SECRET)
    assert run_probe(network, timeout=1).peers == []
    assert all(beacon.packets.dropped == {"mac": 2} for beacon in beacons)


def test_other_probers_probes_are_ignored_not_counted():
    network = FakeNetwork()
    endpoint = network.endpoint(PROBER)
    network.inject(encode("probe", APP, None, None), delay=0.1)
    result = run_probe(network, endpoint=endpoint, timeout=1)
    assert result.dropped == {}


# ---------------------------------------------------------------- many beacons, one probe


def beacons_that_know_each_other(count, **options):
    network = FakeNetwork()
    hosts = ["198.51.100.%d" % (11 + number) for number in range(count)]
    beacons = [
        network.beacon(beacon_settings(dict(options, app_name=APP, address=host)), host, rng=random.Random(number))
        for number, host in enumerate(hosts)
    ]
    for beacon in beacons:  # as each does when it starts
        beacon.announce()
    network.run_until(network.clock.now + 0.1)
    return network, hosts, beacons


def test_replies_to_one_probe_are_spread_over_a_window_sized_to_the_responders():
    network, _hosts, beacons = beacons_that_know_each_other(16)
    assert {beacon.reply_spread() for beacon in beacons} == {15 * REPLY_SLOT}
    prober = network.endpoint(PROBER)
    start = network.clock.now
    prober.send_group(encode("probe", APP, None, None))
    network.run_until(start + 15 * REPLY_SLOT + 0.01)
    arrivals = [when - start for when, data in prober.arrivals if data.split(b" ")[1] == b"reply"]
    assert len(arrivals) == 16
    assert max(arrivals) - min(arrivals) > 15 * REPLY_SLOT / 2  # spread, not one burst
    assert max(arrivals) <= 15 * REPLY_SLOT + 0.01
    busiest = max(sum(1 for other in arrivals if when <= other < when + 0.1) for when in arrivals)
    assert busiest <= 10


def test_alone_a_beacon_answers_at_once():
    _network, _hosts, (beacon,) = beacons_that_know_each_other(1)
    assert beacon.reply_spread() == 0
    assert beacon.handle(encode("probe", APP, None, None), (PROBER, 50000))
    assert beacon.transport.sent[-1][1] == (PROBER, 50000)  # sent within handle, nothing pending
    assert beacon.answered == 1
    assert beacon.next_due() is None


def test_a_probe_with_a_short_settle_still_hears_every_spread_reply():
    network, hosts, _beacons = beacons_that_know_each_other(40)
    result = run_probe(network, settle=0.05, timeout=5)
    assert result.stopped_by == "settle"
    assert result.peers == names(hosts)
    assert result.elapsed >= REPLY_SPREAD_MAX


def test_the_defaults_keep_off_peerages_group_and_port():
    for family in ("ipv4", "ipv6"):
        settings = via_udp.probe_settings({"family": family})
        assert settings["port"] != PEERAGE_PORT
        assert settings["group"] != PEERAGE_GROUP
    assert (PEERAGE_GROUP, PEERAGE_PORT) == ("230.1.1.1", 45900)
    beacon = beacon_settings({"app_name": APP, "address": PEERS[0], "announce_peerage": True})
    assert (beacon["group"], beacon["port"]) != (beacon["peerage_group"], beacon["peerage_port"])


# ---------------------------------------------------------------- Peerage's format


def test_peerage_announcements_are_read_when_asked():
    network = FakeNetwork()
    add_beacons(network, PEERS[:1])
    endpoint = network.endpoint(PROBER)
    network.inject(b"Peer:myapp@198.51.100.50", source=("198.51.100.50", 45900), delay=0.1)
    network.inject(b"Peer:otherapp@198.51.100.51", source=("198.51.100.51", 45900), delay=0.1)
    result = run_probe(network, endpoint=endpoint, peerage_compat=True, timeout=1)
    assert result.peers == names([PEERS[0], "198.51.100.50"])
    assert result.sources["myapp@198.51.100.50"] == "198.51.100.50"
    assert result.dropped == {"cluster": 1}


def test_peerage_compat_and_secret_exclude_each_other():
    with pytest.raises(OptionError, match="peerage_compat cannot be combined with secret"):
        via_udp.probe_settings({"peerage_compat": True, "secret": "x"})
    with pytest.raises(OptionError, match="peerage_compat needs family ipv4"):
        via_udp.probe_settings({"peerage_compat": True, "family": "ipv6"})


def test_real_peerage_packets_on_peerages_own_port_are_heard_with_peerage_compat():
    # Interface lo and TTL 0: nothing leaves this host.
    options = {"app_name": APP, "interface": "lo", "ttl": 0, "port": free_port(), "peerage_port": free_port()}
    settings = via_udp.probe_settings(options)
    sender = via_udp.GroupTransport(settings, listen=False)
    stop = threading.Event()

    def announce_like_peerage():
        while not stop.wait(0.1):
            sender.send_peerage(b"Peer:myapp@127.0.0.7")

    thread = threading.Thread(target=announce_like_peerage)
    thread.start()
    try:
        found = via_udp.probe(dict(options, peerage_compat=True, expect=1, timeout=10))
        deaf = via_udp.probe(dict(options, timeout=0.5))
    finally:
        stop.set()
        thread.join()
        sender.close()
    assert found.peers == ["myapp@127.0.0.7"]
    assert deaf.peers == []
    assert deaf.dropped == {}  # not even heard: Peerage's port is not the collection's


# ---------------------------------------------------------------- options


def test_defaults():
    settings = via_udp.probe_settings({})
    assert settings["app_name"] == "nonode"
    assert (settings["family"], settings["group"], settings["port"], settings["ttl"]) == (
        "ipv4",
        "239.192.45.1",
        45901,
        1,
    )
    assert (settings["timeout"], settings["interval"], settings["expect"], settings["settle"]) == (5.0, 0.5, 0, 0.0)
    assert (settings["include_self"], settings["peerage_compat"], settings["secret"], settings["max_age"]) == (
        True,
        False,
        None,
        30,
    )
    assert settings["interface"] is None
    assert settings["node_name"] is None


def test_ipv6_group_and_family():
    assert via_udp.probe_settings({"family": "ipv6"})["group"] == "ff12::b34d"
    settings = via_udp.probe_settings({"group": "FF02::0:1", "interface": "eth0"})
    assert (settings["family"], settings["group"], settings["interface"]) == ("ipv6", "ff02::1", ("name", "eth0"))


def test_values_from_lookup_sources_are_coerced_and_other_options_ignored():
    settings = via_udp.probe_settings(
        {"port": "45901", "timeout": "2.5", "include_self": "no", "allow_empty": True, "log_results": 0, "via": "udp"}
    )
    assert (settings["port"], settings["timeout"], settings["include_self"]) == (45901, 2.5, False)


def test_self_from_address():
    assert via_udp.probe_settings({"app_name": "a", "address": "10.0.0.5"})["node_name"] == "a@10.0.0.5"
    options = {"app_name": "b", "node_name": "b@10.0.0.6", "address": "10.0.0.5"}
    assert via_udp.probe_settings(options)["node_name"] == "b@10.0.0.6"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"group": "10.0.0.1"}, "not a multicast address"),
        ({"group": "multicast"}, "not an IP address"),
        ({"group": "230.1.1.1", "family": "ipv6"}, "is an ipv4 address but family is ipv6"),
        ({"family": "ipx"}, "family must be"),
        ({"port": 0}, "invalid port 0: expected a whole number from 1 to 65535"),
        ({"port": "http"}, "invalid port 'http': expected a whole number"),
        ({"port": True}, "invalid port True: expected a whole number"),
        ({"ttl": 256}, "invalid ttl 256: expected a whole number from 0 to 255"),
        ({"timeout": 0}, "timeout must be more than 0"),
        ({"interval": 0.001}, "interval must be at least 0.01"),
        ({"expect": -1}, "invalid expect -1: expected a whole number >= 0"),
        ({"expect": 2.5}, "invalid expect 2.5: expected a whole number"),
        ({"include_self": "maybe"}, "invalid include_self 'maybe': expected a boolean"),
        ({"secret": ""}, "secret is empty"),
        ({"app_name": "my app"}, "invalid app name"),
        ({"node_name": "nope"}, "invalid node name"),
        ({"address": "10.0.0.1 x"}, "invalid node name"),
        ({"interface": "fd00::1", "family": "ipv6"}, "give the interface by name"),
        ({"interface": "fd00::1"}, "is not an ipv4 address"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(OptionError, match=message):
        via_udp.probe_settings(options)


def test_report_says_what_was_found_from_where_and_the_detail():
    network = FakeNetwork()
    add_beacons(network, PEERS[:2])
    messages = []
    run_probe(network, report=lambda message, verbosity: messages.append((verbosity, message)), expect=2)
    found = "myapp@198.51.100.11 (from 198.51.100.11), myapp@198.51.100.12 (from 198.51.100.12)"
    assert messages[0] == (1, "udp: found " + found)
    assert messages[1][0] == 3
    assert "2 peer(s) of myapp on group 239.192.45.1 port 45901" in messages[1][1]
    assert "stopped by expect" in messages[1][1]


# ---------------------------------------------------------------- real sockets


def test_cannot_join_on_a_missing_interface():
    with pytest.raises(DiscoveryFailed) as caught:
        via_udp.probe({"interface": "nosuchif0", "timeout": 1})
    message = str(caught.value)
    assert "group 239.192.45.1 port 45901 on interface nosuchif0" in message
    assert "no network interface named 'nosuchif0'" in message
    assert caught.value.reason == "socket"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_real_sockets_on_loopback():
    # Interface lo and TTL 0: nothing leaves this host.
    options = {"app_name": APP, "interface": "lo", "ttl": 0, "port": free_port(), "secret": SECRET}
    settings = beacon_settings(dict(options, address="127.0.0.1", interval=0.2))
    transport = via_udp.GroupTransport(settings)
    beacon = Beacon(settings, transport)
    stop = threading.Event()
    thread = threading.Thread(target=beacon.run, args=(stop.is_set,))
    thread.start()
    try:
        result = via_udp.probe(dict(options, expect=1, timeout=10))
        oversized = via_udp.GroupTransport(settings, listen=False)
        try:
            oversized.send_group(b"x" * 1000)
        finally:
            oversized.close()
        alone = via_udp.probe(dict(options, timeout=1, include_self=False))
    finally:
        stop.set()
        thread.join()
        transport.close()
    assert result.peers == ["myapp@127.0.0.1"]
    assert result.complete
    assert alone.peers == []
    assert alone.dropped["self"] >= 1
    assert beacon.answered >= 2
    assert beacon.packets.dropped.get("oversized") == 1


# ---------------------------------------------------------------- a probe whose buffer holds every reply


def probe_windows(prober):
    """The reply window of each probe the prober sent."""
    return [decode(data, APP).window for data, address in prober.sent if decode(data, APP).kind == "probe"]


def test_a_probe_that_holds_every_reply_gives_a_window_with_its_first_probe_only():
    network, hosts, _beacons = beacons_that_know_each_other(40)
    prober = network.endpoint(PROBER)
    prober.reply_capacity = 41
    # One more peer expected than answer: the probe sends again, and only its first probe gives a window.
    result = run_probe(network, endpoint=prober, expect=41, timeout=1.2, interval=0.5)
    assert result.peers == names(hosts)
    assert result.probes_sent == 3
    assert probe_windows(prober) == [0.0, None, None]


def probe_forty_beacons(capacity):
    """Probe 40 beacons that know each other for 39, with a reply buffer that holds ``capacity`` replies.

    Returns the result and how many announcements the beacons sent meanwhile.
    """
    network, _hosts, beacons = beacons_that_know_each_other(40)
    network.run_until(network.clock.now + 0.5)  # past the shortest gap between announcements
    announced = sum(beacon.announced for beacon in beacons)
    prober = network.endpoint(PROBER)
    prober.reply_capacity = capacity
    result = run_probe(network, endpoint=prober, expect=39, timeout=5)
    return result, sum(beacon.announced for beacon in beacons) - announced


def test_with_a_window_the_replies_come_at_once_and_no_beacon_announces():
    result, announcements = probe_forty_beacons(39)
    assert result.stopped_by == "expect"
    assert result.elapsed < REPLY_SLOT
    assert announcements == 0
    # A buffer too small for every reply: no window, the replies are spread and the beacons announce.
    result, announcements = probe_forty_beacons(38)
    assert result.stopped_by == "expect"
    assert result.elapsed > REPLY_SPREAD_MAX / 2
    assert announcements > 0


@pytest.mark.parametrize(("expect", "capacity", "window"), [(0, 500, None), (10, 9, None), (10, 10, 0.0), (1, 26, 0.0)])
def test_the_reply_window(expect, capacity, window):
    assert via_udp.reply_window(expect, capacity) == window
