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
