# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The beacon: answering and announcing (simulated segment), and the program as a real process on loopback."""

from __future__ import annotations

import itertools
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import time

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp
from ansible_collections.peerage.peerage.plugins.module_utils.udp import beacon as udp_beacon
from ansible_collections.peerage.peerage.plugins.module_utils.udp import program as beacon_program
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import (
    ANNOUNCE_GAP_MAX,
    CHECK_EVERY,
    GROUP_ANNOUNCE_RATE,
    PEERAGE_GAP,
    RATE_TABLE_SIZE,
    REPLIES_PER_SECOND,
    beacon_settings,
    settings_to_options,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import (
    BeaconControl,
    program_digest,
    program_files,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import (
    MAX_PACKET,
    decode,
    encode,
    largest_packet_size,
    secret_key,
)
from ansible_collections.peerage.peerage.tests.unit.plugins.beacon_lab import (
    APP,
    SYSTEM_PYTHON,
    free_port,
    loopback_options,
    probe_loopback,
    wait_for,
)
from ansible_collections.peerage.peerage.tests.unit.plugins.module_utils.udp.fakes import FakeNetwork

SECRET = "s3cret"
HOST = "198.51.100.11"
PROBER = ("198.51.100.1", 50000)


def make_beacon(network=None, **options):
    network = network or FakeNetwork()
    settings = beacon_settings(dict(options, app_name=APP, address=HOST))
    return network, network.beacon(settings, HOST)


def sent(beacon):
    return beacon.transport.sent


# ---------------------------------------------------------------- answering


def test_answers_a_probe_to_the_probers_address_echoing_its_nonce():
    _network, beacon = make_beacon()
    probe = encode("probe", APP, None, None, nonce="0123456789abcdef")
    assert beacon.handle(probe, PROBER)
    data, address = sent(beacon)[0]
    assert address == PROBER
    reply = decode(data, APP)
    assert (reply.kind, reply.node, reply.echo) == ("reply", "myapp@198.51.100.11", "0123456789abcdef")


def test_with_a_secret_it_answers_only_signed_probes_and_signs_its_reply():
    network, beacon = make_beacon(secret=SECRET)
    assert not beacon.handle(encode("probe", APP, None, None), PROBER)
    assert not beacon.handle(encode("probe", APP, None, "wrong"), PROBER)
    assert beacon.handle(encode("probe", APP, None, SECRET, timestamp=network.clock.wall()), PROBER)
    reply = decode(sent(beacon)[0][0], APP, secret_key(SECRET), now=network.clock.wall())
    assert reply.kind == "reply"
    assert reply.signed
    assert beacon.packets.dropped == {"mac": 2}


def test_a_replayed_probe_is_not_answered_twice():
    network, beacon = make_beacon(secret=SECRET)
    probe = encode("probe", APP, None, SECRET, timestamp=network.clock.wall())
    assert beacon.handle(probe, PROBER)
    assert not beacon.handle(probe, PROBER)
    assert beacon.packets.dropped == {"replay": 1}


@pytest.mark.parametrize(
    "data",
    [
        encode("announce", APP, "myapp@198.51.100.12", None),
        encode("reply", APP, "myapp@198.51.100.12", None, echo="0123456789abcdef"),
        b"Peer:myapp@198.51.100.12",
        encode("probe", "otherapp", None, None),
        b"\xff" * 40,
    ],
    ids=["announce", "reply", "peerage", "other-cluster", "garbage"],
)
def test_other_packets_get_no_answer(data):
    _network, beacon = make_beacon()
    assert not beacon.handle(data, PROBER)
    assert sent(beacon) == []


def test_replies_per_prober_address_are_limited_per_second():
    network, beacon = make_beacon()
    answered = sum(beacon.handle(encode("probe", APP, None, None), PROBER) for _probe in range(REPLIES_PER_SECOND + 5))
    assert answered == REPLIES_PER_SECOND
    assert beacon.packets.dropped == {"rate": 5}
    assert beacon.handle(encode("probe", APP, None, None), ("198.51.100.2", 50000))  # another prober
    network.clock.now += 1.0
    assert beacon.handle(encode("probe", APP, None, None), PROBER)


def test_a_flood_of_addresses_does_not_reset_a_limited_prober():
    """The rate table forgets the least recently seen address, never every address at once."""
    _network, beacon = make_beacon()
    probe = encode("probe", APP, None, None)
    for _probe in range(REPLIES_PER_SECOND):
        assert beacon.handle(probe, PROBER)
    for number in range(RATE_TABLE_SIZE + 100):
        beacon.handle(probe, ("10.%d.%d.%d" % (number >> 16, (number >> 8) & 255, number & 255), 50000))
        if number % 1000 == 0:
            assert not beacon.handle(probe, PROBER)  # still limited within its second
    assert not beacon.handle(probe, PROBER)
    assert len(beacon._window) == RATE_TABLE_SIZE


# ---------------------------------------------------------------- announcing and running


def test_announces_in_its_own_format_to_its_own_group():
    _network, beacon = make_beacon(announce_peerage=True)
    beacon.announce()
    ((ours, group),) = sent(beacon)
    assert group is None
    assert decode(ours, APP).kind == "announce"


def test_peerage_packets_keep_peerages_pace_however_often_it_is_probed():
    network, beacon = make_beacon(announce_peerage=True)
    prober = network.endpoint(PROBER[0])
    start = network.clock.now
    for number in range(240):  # a probe every half second for two minutes
        network.queue_at(start + 0.5 * number, lambda: prober.send_group(encode("probe", APP, None, None)))
    beacon.run(lambda: network.clock.now >= start + 120)
    times = [when for when, data in network.peerage_sent]
    assert {data for _when, data in network.peerage_sent} == {b"Peer:myapp@198.51.100.11"}
    assert times[0] - start < PEERAGE_GAP[0]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(PEERAGE_GAP[0] <= gap <= PEERAGE_GAP[1] + CHECK_EVERY for gap in gaps), gaps
    assert 120 / PEERAGE_GAP[1] - 1 <= len(times) <= 120 / PEERAGE_GAP[0] + 1
    assert beacon.answered == 240  # every probe was answered, none brought a Peer: packet forward


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"secret": SECRET}, "announce_peerage cannot be combined with secret: Peerage's 'Peer:' packets carry no MAC"),
        ({"family": "ipv6", "interface": "lo"}, "announce_peerage needs family ipv4"),
        ({"peerage_group": "10.0.0.1"}, "peerage_group 10.0.0.1 is not an IPv4 multicast address"),
        ({"peerage_port": 0}, "peerage_port"),
    ],
)
def test_announce_peerage_is_refused_where_it_cannot_do_what_it_says(options, message):
    with pytest.raises(OptionError, match=re.escape(message)):
        beacon_settings(dict(options, app_name=APP, address=HOST, announce_peerage=True))


def test_run_announces_every_interval_and_answers_until_told_to_stop():
    network, beacon = make_beacon(interval=5)
    prober = network.endpoint(PROBER[0])
    start = network.clock.now
    network.run_until(start)
    prober.send_group(encode("probe", APP, None, None))
    beacon.run(lambda: network.clock.now >= start + 12)
    kinds = [decode(data, APP).kind for data, _address in sent(beacon)]
    assert kinds.count("announce") == 3  # at 0, 5 and 10 s
    assert kinds.count("reply") == 1
    assert beacon.summary() == "answered 1 probes, sent 3 announcements, dropped {}"


def announcement_times(others, seconds, interval=5):
    """When a beacon that keeps hearing ``others`` other beacons announces, over ``seconds`` of its run."""
    network, beacon = make_beacon(interval=interval)
    start = network.clock.now
    names = ["%s@198.51.%d.%d" % (APP, 110 + number // 250, 1 + number % 250) for number in range(others)]

    def hear_everyone():
        for name in names:
            beacon.handle(encode("announce", APP, name, None), ("198.51.100.9", 1))

    # The others announce at the start and every ANNOUNCE_GAP_MAX after, so none is forgotten.
    for moment in range(0, seconds + 1, int(ANNOUNCE_GAP_MAX)):
        network.queue_at(start + moment, hear_everyone)
    network.run_until(start)
    beacon.run(lambda: network.clock.now >= start + seconds)
    return [when - start for when in beacon.transport.group_sent_at]


@pytest.mark.parametrize(
    ("others", "gap"),
    [
        (3, 5.0),  # a small cluster: every interval
        (49, 5.0),  # 50 beacons at 5 s are 10 a second: still every interval
        (200, 200 / GROUP_ANNOUNCE_RATE),  # 20 s: the group's 201 beacons send about 10 a second
        (1000, ANNOUNCE_GAP_MAX),  # never so rare that the others forget it (HEARD_FOR)
    ],
)
def test_in_a_large_group_periodic_announcements_slow_to_keep_the_groups_rate(others, gap):
    times = announcement_times(others, seconds=120)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert times[0] == 0
    assert gaps and all(gap <= step <= gap + CHECK_EVERY for step in gaps), gaps


def test_a_probe_still_brings_the_announcement_forward_in_a_large_group():
    network, beacon = make_beacon(interval=5)
    for number in range(200):
        beacon.handle(encode("announce", APP, "%s@198.51.101.%d" % (APP, number), None), ("198.51.100.9", 1))
    assert beacon.announce_gap() == 200 / GROUP_ANNOUNCE_RATE
    beacon.handle(encode("probe", APP, None, None), PROBER)
    network.clock.now += 0.4  # the reply spread at most
    beacon.send_due()
    assert sorted(decode(data, APP).kind for data, _address in sent(beacon)) == ["announce", "reply"]


def test_a_probe_brings_the_next_announcement_forward_at_most_twice_a_second():
    network, beacon = make_beacon()
    for _probe in range(3):
        beacon.handle(encode("probe", APP, None, None), PROBER)
    network.clock.now += 0.25
    beacon.handle(encode("probe", APP, None, None), PROBER)
    network.clock.now += 0.25
    beacon.handle(encode("probe", APP, None, None), PROBER)
    kinds = [decode(data, APP).kind for data, address in sent(beacon)]
    assert kinds == ["reply", "announce", "reply", "reply", "reply", "reply", "announce"]
    assert [address for data, address in sent(beacon) if decode(data, APP).kind == "announce"] == [None, None]


def test_a_probe_with_a_reply_window_is_answered_within_it_by_unicast_alone():
    network, beacon = make_beacon()
    for other in range(30):  # other beacons heard: the beacon's own spread is 0.6 s at most 0.4
        beacon.handle(encode("announce", APP, "%s@198.51.100.%d" % (APP, 100 + other), None), ("198.51.100.9", 1))
    assert beacon.reply_spread() > 0.1
    beacon.handle(encode("probe", APP, None, None, window=0.0), PROBER)
    assert [(decode(data, APP).kind, address) for data, address in sent(beacon)] == [("reply", PROBER)]
    assert beacon.next_due() is None
    beacon.handle(encode("probe", APP, None, None, window=0.05), PROBER)
    due = beacon.next_due()
    assert due is not None and due <= network.clock.now + 0.05
    network.clock.now += 0.05
    beacon.send_due()
    assert [decode(data, APP).kind for data, address in sent(beacon)] == ["reply", "reply"]
    # A probe sent again carries no window: its replies are spread, and it brings the announcement forward.
    beacon.handle(encode("probe", APP, None, None), PROBER)
    network.clock.now += 0.4
    beacon.send_due()
    assert sorted(decode(data, APP).kind for data, address in sent(beacon)) == ["announce", "reply", "reply", "reply"]


def test_send_failures_are_logged_once_and_serving_goes_on():
    logged = []
    network = FakeNetwork()
    settings = beacon_settings({"app_name": APP, "address": HOST})
    endpoint = network.endpoint(HOST)
    clock = network.clock
    beacon = udp_beacon.Beacon(settings, endpoint, clock=clock, wallclock=clock.wall, log=logged.append)
    endpoint.fail_sends = "cannot send: network is unreachable"
    beacon.announce()
    beacon.announce()
    assert not beacon.handle(encode("probe", APP, None, None), PROBER)
    assert logged == ["cannot send: network is unreachable"]
    endpoint.fail_sends = None
    assert beacon.handle(encode("probe", APP, None, None), PROBER)


# ---------------------------------------------------------------- settings


def test_node_name_from_node_name_address_or_the_sending_address():
    assert beacon_settings({"app_name": APP, "node_name": "myapp@web-5"})["node_name"] == "myapp@web-5"
    # A node name of another app would be dropped by every probe of this one: refused when set.
    with pytest.raises(OptionError, match=r"node name 'rabbit@10\.0\.0\.5' does not start with app_name 'myapp'"):
        beacon_settings({"app_name": APP, "node_name": "rabbit@10.0.0.5"})
    assert beacon_settings({"app_name": APP, "address": "10.0.0.6"})["node_name"] == "myapp@10.0.0.6"
    assert beacon_settings({"app_name": APP, "interface": "127.0.0.1"})["node_name"] == "myapp@127.0.0.1"


def test_settings_survive_the_config_file():
    settings = beacon_settings({"app_name": APP, "address": "10.0.0.6", "interface": "lo", "secret": SECRET, "ttl": 0})
    options = json.loads(json.dumps(settings_to_options(settings)))
    assert beacon_settings(options) == settings


def test_bad_beacon_options():
    with pytest.raises(OptionError, match=r"interval must be at least 0\.1"):
        beacon_settings({"address": "10.0.0.6", "interval": 0.01})
    with pytest.raises(OptionError, match="invalid lifetime -1: expected a whole number >= 0"):
        beacon_settings({"address": "10.0.0.6", "lifetime": -1})


# ---------------------------------------------------------------- the program


def test_program_is_the_launcher_and_the_module_utils_it_needs(tmp_path):
    files = program_files()
    assert "peerage-beacon.py" in files
    module_utils = os.path.join("lib", "ansible_collections", "peerage", "peerage", "plugins", "module_utils")
    for name in ("errors", "node_names", "udp/wire", "udp/options", "udp/transport", "udp/beacon", "udp/program"):
        assert "def " in files[os.path.join(module_utils, name + ".py")]
    assert files[os.path.join(module_utils, "udp", "__init__.py")] == ""
    for path, text in files.items():
        compile(text, path, "exec")
    assert program_digest(files) == program_digest(program_files())
    control = BeaconControl(str(tmp_path), APP, 45900)
    assert control.install()
    assert not control.install()
    assert stat.S_IMODE(os.stat(control.launcher).st_mode) == 0o755


def test_program_reports_bad_settings_on_its_first_line(capsys):
    assert beacon_program.main(["--app-name", "my app"]) == 2
    assert capsys.readouterr().out.startswith("error: invalid app name")
    assert beacon_program.main(["--address", "127.0.0.1", "--interface", "nosuchif0"]) == 2
    assert "no network interface named 'nosuchif0'" in capsys.readouterr().out


def test_program_takes_every_beacon_setting_but_the_secret_on_its_command_line():
    # Built from the option records: each setting with its record's type; the secret only from a file.
    argv = "--app-name a --port 45910 --interval 0.5 --lifetime 9 --announce-peerage --peerage-group 230.1.1.2"
    argv += " --family ipv4"
    args = beacon_program._parser().parse_args(argv.split())
    assert (args.app_name, args.port, args.interval, args.lifetime, args.announce_peerage) == ("a", 45910, 0.5, 9, True)
    assert (args.peerage_group, args.family, args.ttl, args.node_name) == ("230.1.1.2", "ipv4", None, None)
    assert "secret" not in vars(args) and args.secret_file is None


def test_program_reports_ready_only_after_its_first_announcement_was_sent(monkeypatch, capsys):
    def unreachable(_self, _data):
        raise DiscoveryFailed("cannot send to multicast group: [Errno 101] Network is unreachable", reason="socket")

    monkeypatch.setattr(beacon_program.GroupTransport, "send_group", unreachable)
    port = str(free_port())
    argv = ["--app-name", APP, "--address", "127.0.0.1", "--interface", "lo", "--ttl", "0", "--port", port]
    assert beacon_program.main(argv) == 2
    assert capsys.readouterr().out == "error: cannot send to multicast group: [Errno 101] Network is unreachable\n"


def long_host(length):
    """A valid hostname of ``length`` characters, in labels of 9."""
    full = (length - 1) // 10
    return "hhhhhhhhh." * full + "h" * (length - 10 * full)


@pytest.mark.parametrize(("app_length", "secret", "size"), [(150, SECRET, 532), (200, None, 517)])
def test_settings_whose_packets_exceed_the_cap_are_refused_when_made(app_length, secret, size):
    app = "a" * app_length
    node = app + "@" + long_host(254 - app_length)  # the longest node name, 255 characters
    options = {"app_name": app, "node_name": node, "secret": secret}
    with pytest.raises(OptionError) as caught:
        beacon_settings(options)
    message = str(caught.value)
    assert message.startswith("app_name 'aaaa")
    assert "(%d characters) and node_name 'aaaa" % app_length in message
    assert "make packets of %d bytes, over the 512-byte limit" % size in message
    assert ("with a secret" in message) == (secret is not None)
    with pytest.raises(OptionError, match="over the 512-byte limit"):
        via_udp.probe_settings(options)
    if secret is not None:  # the same names fit without the MAC
        assert beacon_settings(dict(options, secret=None))["node_name"] == node


def test_the_largest_settings_that_pass_build_every_packet():
    """Just under the cap with a secret: every packet the beacon sends can be built."""
    app = "a" * 120
    for length in range(200, 256):
        node = app + "@" + long_host(length - len(app) - 1)
        try:
            settings = beacon_settings({"app_name": app, "node_name": node, "secret": SECRET})
        except OptionError:
            assert largest_packet_size(app, node, True) > MAX_PACKET
            continue
        reply = encode("reply", app, node, SECRET, echo="0123456789abcdef")
        assert len(reply) == largest_packet_size(app, node, True) <= MAX_PACKET
        assert encode("announce", settings["app_name"], settings["node_name"], SECRET)


def test_control_never_records_a_beacon_that_exits_after_ready(beacon_base):
    fake = os.path.join(beacon_base, "fake-python")
    with open(fake, "w") as handle:
        handle.write("#!/bin/sh\nprintf 'ready myapp@127.0.0.1\\n'\nexit 0\n")
    os.chmod(fake, 0o755)
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, free_port())
    config = control.config(beacon_settings({"app_name": APP, "address": "127.0.0.1"}), time.time() + 60)
    with pytest.raises(DiscoveryFailed, match="exited right after it started"):
        control.start(config, python=str(fake))
    assert not os.path.exists(control.pid_path)
    assert control.running_pid() is None


def test_started_beacon_outlives_its_starter_and_stops(loopback):
    options, control = loopback
    config = control.config(beacon_settings(dict(options, secret=SECRET)), time.time() + 600)
    pid = control.start(config)
    assert control.running_pid() == pid
    assert os.getsid(pid) == pid  # its own session
    assert stat.S_IMODE(os.stat(control.config_path).st_mode) == 0o600
    assert probe_loopback(options, secret=SECRET).peers == ["myapp@127.0.0.1"]
    assert control.same_settings(dict(config, expires_at=time.time() + 1200))
    assert not control.same_settings(control.config(beacon_settings(dict(options, secret="other"))))
    assert control.stop()
    assert control.running_pid() is None
    assert not os.path.exists(control.config_path)
    assert not control.stop()


def test_a_beacon_that_cannot_start_says_why(loopback):
    options, control = loopback
    settings = beacon_settings(dict(options, interface="lo"))
    config = control.config(settings, time.time() + 600)
    config["options"]["interface"] = "nosuchif0"
    with pytest.raises(DiscoveryFailed) as caught:
        control.start(config)
    assert "the beacon did not start: error: cannot join multicast group 239.192.45.1" in str(caught.value)
    assert "nosuchif0" in str(caught.value)
    assert not os.path.exists(control.config_path)
    assert control.running_pid() is None


def test_lifetime_ends_it_and_renewing_extends_it(loopback):
    options, control = loopback
    config = control.config(beacon_settings(options), time.time() + 2)
    pid = control.start(config)
    control.renew(dict(config, expires_at=time.time() + 600))
    time.sleep(3.5)
    assert control.running_pid() == pid
    control.renew(dict(config, expires_at=time.time() - 1))
    assert wait_for(lambda: control.running_pid() is None)
    with open(control.log_path) as handle:
        log = handle.read()
    assert "lifetime renewed" in log
    assert "stopping (lifetime over)" in log


def test_a_changed_config_restarts_it_in_place_and_a_removed_one_stops_it(loopback):
    options, control = loopback
    config = control.config(beacon_settings(options), time.time() + 600)
    pid = control.start(config)
    changed = control.config(beacon_settings(dict(options, node_name="myapp@localhost")), time.time() + 600)
    control.renew(changed)
    assert wait_for(lambda: "myapp@localhost" in open(control.log_path).read())
    assert control.running_pid() == pid  # exec'd itself: same process, new settings
    assert probe_loopback(options).peers == ["myapp@localhost"]
    os.unlink(control.config_path)
    assert wait_for(lambda: control.running_pid() is None)
    assert "config file %s removed" % control.config_path in open(control.log_path).read()


def test_file_names_come_from_a_valid_app_name_only(tmp_path):
    with pytest.raises(OptionError, match="invalid app name"):
        BeaconControl(str(tmp_path), "../../etc/x", 45900)
    assert BeaconControl(str(tmp_path), "myapp", 45900).config_path == str(tmp_path / "myapp-45900.json")


def test_a_recycled_pid_is_not_taken_for_the_beacon(loopback):
    _options, control = loopback
    os.makedirs(control.state_dir)
    with open(control.pid_path, "w") as handle:
        handle.write("%d\n" % os.getpid())
    assert control.running_pid() is None


def test_a_service_user_that_cannot_read_the_config_runs_from_its_credential_copy(beacon_base):
    """As systemd runs it (DynamicUser, LoadCredential): nobody, a private copy, exit 75 on a change."""
    port = free_port()
    options = loopback_options(port)
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, port)
    control.install_service(beacon_settings(options))
    assert stat.S_IMODE(os.stat(control.service_config_path).st_mode) == 0o600
    credentials = os.path.join(beacon_base, "credentials")
    os.mkdir(credentials, 0o500)
    shutil.copy(control.service_config_path, credentials)
    nobody = pwd.getpwnam("nobody")
    for path in (credentials, os.path.join(credentials, os.path.basename(control.service_config_path))):
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
    unprivileged = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    environment = ["env", "CREDENTIALS_DIRECTORY=" + credentials]
    service = subprocess.Popen(
        [*unprivileged, *environment, SYSTEM_PYTHON, *control.command(control.service_config_path)[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert service.stdout.readline() == "ready myapp@127.0.0.1\n"
        assert probe_loopback(options).peers == ["myapp@127.0.0.1"]
        control.install_service(beacon_settings(dict(options, interval=1.0)))
        assert service.wait(timeout=10) == beacon_program.EXIT_RESTART
    finally:
        if service.poll() is None:
            service.kill()
        service.wait()
    assert "exiting so that the service manager restarts the beacon" in service.stderr.read()
