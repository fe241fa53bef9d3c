# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The wait_for_peers module, run in-process against real listening sockets on loopback."""

from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peerage.peerage.plugins.modules import wait_for_peers
from ansible_collections.peerage.peerage.tests.unit.conftest import UNEXPECTED_ERROR as UNEXPECTED


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        wait_for_peers.main()
    return json.loads(capsys.readouterr().out)


def test_every_peer_answers(capsys, listening_port):
    result = run_module(capsys, {"peers": ["app@127.0.0.1", "app@localhost"], "port": listening_port})
    assert not result.get("failed")
    assert result["changed"] is False
    assert result["reachable"] == ["app@127.0.0.1", "app@localhost"]
    assert (result["not_reachable"], result["errors"], result["required"], result["rounds"]) == ([], {}, 2, 1)


def test_failure_names_the_unreachable_peers(capsys, listening_port):
    args = {"peers": ["app@127.0.0.2", "app@127.0.0.1"], "port": listening_port, "timeout": 0.3, "interval": 0.1}
    result = run_module(capsys, args)
    assert result["failed"]
    assert result["msg"].startswith("1 of 2 peer(s) answered on TCP port %d within 0.3s" % listening_port)
    assert result["msg"].endswith("unreachable: app@127.0.0.2 (connection refused)")
    assert result["reachable"] == ["app@127.0.0.1"]
    assert result["not_reachable"] == ["app@127.0.0.2"]
    assert result["rounds"] >= 2


def test_require_a_number(capsys, listening_port):
    args = {"peers": ["app@127.0.0.2", "app@127.0.0.1"], "port": listening_port, "require": "1"}
    result = run_module(capsys, args)
    assert not result.get("failed")
    assert (result["reachable"], result["not_reachable"], result["required"]) == (
        ["app@127.0.0.1"], ["app@127.0.0.2"], 1)


def test_check_mode_checks_too(capsys, listening_port):
    result = run_module(capsys, {"peers": ["app@127.0.0.1"], "port": listening_port, "_ansible_check_mode": True})
    assert result["reachable"] == ["app@127.0.0.1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"peers": ["app@127.0.0.1"], "require": "3"}, "invalid require 3: only 1 peer(s) were given"),
        ({"peers": ["app@127.0.0.1"], "port": 0}, "invalid port 0"),
        ({"peers": ["bad name"]}, "invalid node name 'bad name'"),
    ],
)
def test_bad_arguments_fail_clearly(capsys, args, message):
    result = run_module(capsys, args)
    assert result["failed"]
    assert result["msg"].startswith(message)


def test_an_unforeseen_error_fails_without_a_traceback_in_the_message(capsys, monkeypatch, tracebacks):
    def broken(*args, **kwargs):
        raise KeyError("nope")

    monkeypatch.setattr(wait_for_peers, "wait_for_peers", broken)
    result = run_module(capsys, {"peers": ["app@127.0.0.1"]})
    assert (result["failed"], result["reason"]) == (True, "internal")
    assert result["msg"] == UNEXPECTED % "KeyError: 'nope'"
    assert ("KeyError: 'nope'" in result["exception"]) if tracebacks else ("exception" not in result)
