# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The beacon and udp_probe modules, run in-process against real sockets on loopback (TTL 0)."""

from __future__ import annotations

import json
import os
import pwd
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import BeaconControl
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import is_local_address
from ansible_collections.peerage.peerage.plugins.modules import beacon as beacon_module
from ansible_collections.peerage.peerage.plugins.modules import udp_probe as udp_probe_module
from ansible_collections.peerage.peerage.tests.unit.plugins.beacon_lab import free_port, process_ids


def run_module(module, capsys, args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def lab(beacon_base):
    """Module arguments for one cluster on lo, and a cleanup of its beacon."""
    port = free_port()
    state_dir = os.path.join(beacon_base, "state")
    network = {"app_name": "myapp", "interface": "lo", "ttl": 0, "port": port}
    try:
        yield network, dict(network, state_dir=state_dir, address="127.0.0.1", interval=0.5)
    finally:
        BeaconControl(state_dir, "myapp", port).stop()


def test_probe_without_a_beacon_fails_clearly_unless_empty_is_allowed(lab, capsys):
    network, _beacon = lab
    result = run_module(udp_probe_module, capsys, dict(network, timeout=1))
    assert result["failed"]
    expected = "no beacon answered: 0 peer(s) of myapp on group 239.192.45.1 port %d" % network["port"]
    assert result["msg"].startswith(expected)
    assert result["reason"] == "empty"
    result = run_module(udp_probe_module, capsys, dict(network, timeout=1, allow_empty=True))
    assert not result.get("failed")
    assert (result["peers"], result["complete"], result["changed"]) == ([], False, False)


def test_probe_refuses_bad_options(capsys):
    result = run_module(udp_probe_module, capsys, {"group": "10.1.1.1"})
    assert result["failed"]
    assert "not a multicast address" in result["msg"]


def test_beacon_lifecycle_with_probes(lab, capsys):
    network, beacon_args = lab
    args = dict(beacon_args, secret="s3cret")

    would = run_module(beacon_module, capsys, args, check_mode=True)
    assert (would["changed"], would["running"], "pid" in would) == (True, True, False)

    started = run_module(beacon_module, capsys, args)
    assert started["changed"] and started["node_name"] == "myapp@127.0.0.1"
    assert started["command"][1:] == [started["program"], "--config", started["config"]]
    assert stat.S_IMODE(os.stat(started["config"]).st_mode) == 0o600

    again = run_module(beacon_module, capsys, args)
    assert (again["changed"], again["pid"]) == (False, started["pid"])
    assert again["expires_at"] >= started["expires_at"]

    found = run_module(udp_probe_module, capsys, dict(network, secret="s3cret", expect=1, timeout=10), check_mode=True)
    assert (found["peers"], found["complete"]) == (["myapp@127.0.0.1"], True)
    assert is_local_address(found["sources"]["myapp@127.0.0.1"])  # whichever address the kernel chose on lo
    assert found["stopped_by"] == "expect"
    forged = run_module(udp_probe_module, capsys, dict(network, secret="wrong", timeout=1, allow_empty=True))
    assert forged["peers"] == [] and forged["dropped"]["mac"] >= 1

    restarted = run_module(beacon_module, capsys, dict(args, secret="n3w"))
    assert restarted["changed"] and restarted["pid"] != started["pid"]

    check_stop = run_module(beacon_module, capsys, dict(args, state="stopped"), check_mode=True)
    assert check_stop["changed"]
    assert BeaconControl(args["state_dir"], "myapp", args["port"]).running_pid() == restarted["pid"]

    stopped = run_module(beacon_module, capsys, dict(args, state="stopped"))
    assert (stopped["changed"], stopped["running"]) == (True, False)
    assert not os.path.exists(stopped["config"])
    assert not run_module(beacon_module, capsys, dict(args, state="stopped"))["changed"]


def test_installed_writes_program_and_service_config_only(lab, capsys):
    _network, args = lab
    would = run_module(beacon_module, capsys, dict(args, state="installed"), check_mode=True)
    assert would["changed"] and not os.path.exists(would["program"])
    installed = run_module(beacon_module, capsys, dict(args, state="installed", lifetime=60))
    assert installed["changed"] and not installed["running"]
    assert installed["config"].endswith("myapp-%d.service.json" % args["port"])
    with open(installed["config"]) as handle:
        config = json.load(handle)
    assert (config["options"]["lifetime"], config["expires_at"]) == (0, None)
    assert installed["command"][1:] == [installed["program"], "--config", installed["config"]]
    assert not run_module(beacon_module, capsys, dict(args, state="installed"))["changed"]
    assert not run_module(beacon_module, capsys, dict(args, state="installed"), check_mode=True)["changed"]


def test_beacon_failing_to_start_fails_the_task(lab, capsys):
    _network, args = lab
    result = run_module(beacon_module, capsys, dict(args, interface="nosuchif0", address="127.0.0.1"))
    assert result["failed"]
    assert "no network interface named 'nosuchif0'" in result["msg"]


def test_beacon_started_by_root_runs_as_the_user_named_never_as_root(lab, capsys):
    _network, args = lab
    started = run_module(beacon_module, capsys, args)
    assert started["user"] == "nobody"
    assert process_ids(started["pid"])["Uid"] == [pwd.getpwnam("nobody").pw_uid] * 4
    # Another user is another beacon: it restarts as that user.
    daemon = run_module(beacon_module, capsys, dict(args, user="daemon"))
    assert (daemon["changed"], daemon["user"]) == (True, "daemon")
    assert daemon["pid"] != started["pid"]
    refused = run_module(beacon_module, capsys, dict(args, user="root"))
    assert refused["failed"] and refused["msg"].startswith("invalid user 'root': it has uid 0")


def test_beacon_refuses_a_state_dir_others_may_write_and_touches_nothing_there(lab, capsys, beacon_base):
    _network, args = lab
    os.mkdir(args["state_dir"])
    os.chmod(args["state_dir"], 0o1777)
    victim = os.path.join(beacon_base, "victim")
    with open(victim, "w") as handle:
        handle.write("precious\n")
    log = os.path.join(args["state_dir"], "myapp-%d.log" % args["port"])
    os.symlink(victim, log)
    for state in ("started", "installed", "stopped"):
        result = run_module(beacon_module, capsys, dict(args, state=state))
        assert result["failed"]
        assert result["msg"] == (
            "state_dir %s is not safe to use: it is owned by root (uid 0) with mode 1777; allowed: a folder owned by"
            " root (uid 0) that no other user may write (no group or other write bit, e.g. 0755)" % args["state_dir"]
        )
        assert result["reason"] == "unsafe_path"
    with open(victim) as handle:
        assert handle.read() == "precious\n"
    assert os.listdir(args["state_dir"]) == [os.path.basename(log)]
