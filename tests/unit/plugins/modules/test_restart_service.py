# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The restart_service module's on-host half: the health gate and the pending-restart marker, on loopback."""

from __future__ import annotations

import json
import socket

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peerage.peerage.plugins.modules import restart_service


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        restart_service.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "app.pending"
    path.write_text("restart\n")
    return path


def args(marker, port, **more):
    return {"service": "app", "pending": "restart", "address": "127.0.0.1", "port": port, "marker": str(marker), **more}


def test_the_gate_passes_and_the_marker_goes(capsys, listening_port, marker):
    result = run_module(capsys, args(marker, listening_port))
    assert not result.get("failed")
    assert (result["pending"], result["port"]) == ("none", listening_port)
    assert not marker.exists()


def test_a_host_that_does_not_answer_keeps_its_marker_and_says_how_long_it_waited(capsys, marker):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: refused
        result = run_module(capsys, args(marker, port, timeout=0.4))
    assert result["failed"]
    assert result["msg"].startswith("127.0.0.1 did not answer on TCP port %d within 0.4s (waited " % port)
    assert result["msg"].endswith("last error: connection refused)")
    assert result["waited"] >= 0.4
    assert result["pending"] == "restart"
    assert marker.read_text() == "restart\n"


def test_check_mode_keeps_the_marker(capsys, listening_port, marker):
    result = run_module(capsys, args(marker, listening_port, _ansible_check_mode=True))
    assert not result.get("failed")
    assert marker.exists()


def test_a_missing_marker_is_no_error(capsys, listening_port, tmp_path):
    result = run_module(capsys, args(tmp_path / "gone.pending", listening_port))
    assert not result.get("failed")


def beacon_args(marker, **more):
    return {"service": "pb.service", "pending": "start", "check": "udp_beacon", "address": "10.0.0.1",
            "node_name": "app@10.0.0.1", "probe": {"app_name": "app", "interface": "lo"}, "secret": "s3cret",
            "marker": str(marker), **more}


def test_a_beacon_heard_as_its_node_passes_the_gate_and_its_marker_goes(capsys, monkeypatch, marker):
    heard = []

    def wait_for_beacon(options, node_name, timeout):
        heard.append((options, node_name, timeout))
        return 0.3

    monkeypatch.setattr(restart_service, "wait_for_beacon", wait_for_beacon)
    result = run_module(capsys, beacon_args(marker, timeout=7))
    assert not result.get("failed")
    assert (result["pending"], result["node_name"], result["waited"]) == ("none", "app@10.0.0.1", 0.3)
    assert "port" not in result
    # The probe sends from the host's own address, with the secret given apart from its options.
    assert heard == [({"address": "10.0.0.1", "app_name": "app", "interface": "lo", "secret": "s3cret"},
                      "app@10.0.0.1", 7.0)]
    assert not marker.exists()
    # The secret is given apart from the probe's options so that it alone is kept out of the logs.
    assert restart_service.ARGUMENT_SPEC["secret"]["no_log"] is True
    assert not restart_service.ARGUMENT_SPEC["probe"].get("no_log")


def test_a_beacon_not_heard_keeps_its_marker(capsys, monkeypatch, marker):
    def wait_for_beacon(options, node_name, timeout):
        raise restart_service.BeaconSilent("no beacon answered a probe as %s" % node_name, 7.0, ["app@10.0.0.2"])

    monkeypatch.setattr(restart_service, "wait_for_beacon", wait_for_beacon)
    result = run_module(capsys, beacon_args(marker))
    assert result["failed"]
    assert result["msg"] == "no beacon answered a probe as app@10.0.0.1"
    assert (result["pending"], result["waited"], result["node_name"]) == ("start", 7.0, "app@10.0.0.1")
    assert marker.read_text() == "restart\n"


@pytest.mark.parametrize(("check", "missing"), [("udp_beacon", "node_name"), ("tcp", "port")])
def test_each_gate_needs_what_it_waits_for(capsys, marker, check, missing):
    args = beacon_args(marker, check=check)
    args.pop("node_name")
    result = run_module(capsys, args)
    assert result["failed"]
    assert missing in result["msg"]
