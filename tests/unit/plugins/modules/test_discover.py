# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The discover module: each built-in provider, its failures, check mode and logging."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import PROVIDER_OPTIONS
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import beacon_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import BeaconControl
from ansible_collections.peerage.peerage.plugins.modules import discover
from ansible_collections.peerage.peerage.tests.unit.conftest import UNEXPECTED_ERROR as UNEXPECTED

NAMESERVER = "10.0.0.53"


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        discover.main()
    return json.loads(capsys.readouterr().out)


def test_list_is_validated_deduplicated_and_sorted(capsys):
    result = run_module(
        capsys, {"via": "list", "node_list": ["app@10.0.0.10", "app@10.0.0.9", "app@10.0.0.9", "app@[fd00::1]"]}
    )
    assert not result.get("failed")
    assert result["peers"] == ["app@10.0.0.9", "app@10.0.0.10", "app@fd00::1"]
    assert (result["count"], result["via"], result["changed"]) == (3, "list", False)
    assert result["log"] == ["peerage: the list provider found 3 peer(s): app@10.0.0.9, app@10.0.0.10, app@fd00::1"]


def test_check_mode_discovers_as_usual(capsys):
    result = run_module(capsys, {"via": "list", "node_list": ["app@10.0.0.1"], "_ansible_check_mode": True})
    assert result["peers"] == ["app@10.0.0.1"]


def test_log_results_off_returns_no_log(capsys):
    result = run_module(capsys, {"via": "list", "node_list": ["app@10.0.0.1"], "log_results": False})
    assert "log" not in result


def test_an_invalid_name_fails_naming_it(capsys):
    result = run_module(capsys, {"via": "list", "node_list": ["app@10.0.0.1", "app@"]})
    assert result["failed"]
    assert result["reason"] == "invalid"
    assert result["msg"].startswith("invalid node name 'app@': the host after '@' is empty")


def test_no_peers_fails_unless_allowed(capsys):
    result = run_module(capsys, {"via": "list", "node_list": []})
    assert (result["failed"], result["reason"], result["msg"]) == (True, "no_peers", "the list provider found no peers")
    result = run_module(capsys, {"via": "list", "node_list": [], "allow_empty": True})
    assert not result.get("failed")
    assert (result["peers"], result["count"]) == ([], 0)


def test_self_takes_the_given_address(capsys):
    result = run_module(capsys, {"via": "self", "app_name": "myapp", "address": "10.0.0.5"})
    assert result["peers"] == ["myapp@10.0.0.5"]


def test_self_without_address_takes_the_hosts_fqdn(capsys, monkeypatch):
    monkeypatch.setattr(socket, "getfqdn", lambda: "Node-1.Example.COM")
    result = run_module(capsys, {"via": "self", "app_name": "myapp"})
    assert result["peers"] == ["myapp@Node-1.Example.COM"]


def test_dns_through_a_nameserver(capsys, fake_dns):
    fake_dns.reply("myapp.example.com", "A", ["myapp.example.com A 10.0.0.6", "myapp.example.com A 10.0.0.5"])
    fake_dns.reply("myapp.example.com", "AAAA", ["myapp.example.com AAAA fd00::5"])
    args = {"via": "dns", "dns_name": ["myapp.example.com"], "nameserver": [NAMESERVER], "app_name": "myapp"}
    # A records only by default.
    assert run_module(capsys, args)["peers"] == ["myapp@10.0.0.5", "myapp@10.0.0.6"]
    args["record_types"] = ["A", "AAAA"]
    result = run_module(capsys, args)
    assert result["peers"] == ["myapp@10.0.0.5", "myapp@10.0.0.6", "myapp@fd00::5"]
    # The query detail is for -vvv only.
    assert not any("record(s) from" in line for line in result["log"])
    result = run_module(capsys, dict(args, _ansible_verbosity=3))
    assert "dns: myapp.example.com A: 2 record(s) from 10.0.0.53:53" in result["log"]


def test_dns_timeout_fails_and_is_never_an_empty_result(capsys, fake_dns):
    fake_dns.timeout("myapp.example.com", "A", times=2)
    args = {
        "via": "dns",
        "dns_name": ["myapp.example.com"],
        "nameserver": [NAMESERVER],
        "record_types": ["A"],
        "timeout": 0.5,
        "allow_empty": True,
    }
    result = run_module(capsys, args)
    assert result["failed"]
    assert result["reason"] == "timeout"
    assert "peers" not in result
    assert result["msg"] == (
        "DNS lookup of 'myapp.example.com' (A) failed: 10.0.0.53:53 no answer in 2 tries of 0.5s (1.0s waited)"
    )


def test_dns_nxdomain_is_no_peers(capsys, fake_dns):
    fake_dns.reply("gone.example.com", "A", rcode="NXDOMAIN")
    args = {"via": "dns", "dns_name": ["gone.example.com"], "nameserver": [NAMESERVER], "record_types": ["A"]}
    result = run_module(capsys, args)
    assert (result["failed"], result["reason"]) == (True, "no_peers")
    assert "NXDOMAIN" in result["msg"]
    assert run_module(capsys, dict(args, allow_empty=True))["peers"] == []


def test_udp_finds_a_real_beacon_on_loopback(capsys, beacon_base):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # TTL 0 keeps the packets on this host.
    network = {"app_name": "myapp", "interface": "lo", "ttl": 0, "port": port, "secret": "s3cret"}
    control = BeaconControl(os.path.join(beacon_base, "state"), "myapp", port)
    settings = beacon_settings(dict(network, address="127.0.0.1", interval=0.5))
    control.start(control.config(settings, time.time() + 60))
    try:
        found = run_module(capsys, dict(network, via="udp", expect=1, timeout=10))
        wrong_secret = run_module(capsys, dict(network, via="udp", secret="other", timeout=1))
    finally:
        control.stop()
    assert (found["peers"], found["via"]) == (["myapp@127.0.0.1"], "udp")
    assert (wrong_secret["failed"], wrong_secret["reason"]) == (True, "no_peers")


def test_each_provider_receives_only_its_own_options():
    params = {key: spec.get("default") for key, spec in discover.ARGUMENT_SPEC.items()}
    for via in PROVIDER_OPTIONS:
        options = discover.provider_options(dict(params, via=via, address="10.0.0.1"))
        assert set(options) == set(PROVIDER_OPTIONS[via]) | {"allow_empty", "log_results"}
    assert "secret" not in discover.provider_options(dict(params, via="dns"))
    assert set(PROVIDER_OPTIONS) == set(discover.VIA_CHOICES)


# ------------------------------------------------------------- the error net


def test_a_server_closing_tcp_is_a_failure_naming_it(capsys, fake_dns):
    fake_dns.truncated_then("myapp.example.com", "A", EOFError())
    args = {"via": "dns", "dns_name": ["myapp.example.com"], "nameserver": [NAMESERVER], "record_types": ["A"]}
    result = run_module(capsys, args)
    assert (result["failed"], result["reason"], result["via"]) == (True, "error", "dns")
    assert result["msg"] == (
        "DNS lookup of 'myapp.example.com' (A) failed: 10.0.0.53:53 closed the TCP connection before answering"
        " (after a truncated UDP answer)"
    )
    assert "exception" not in result


def test_an_unforeseen_error_fails_without_a_traceback_in_the_message(capsys, monkeypatch, tracebacks):
    def broken(via, options, report=None):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(discover, "discover", broken)
    result = run_module(capsys, {"via": "list", "node_list": ["app@10.0.0.1"]})
    assert (result["failed"], result["reason"], result["via"]) == (True, "internal", "list")
    assert result["msg"] == UNEXPECTED % "ZeroDivisionError: division by zero"
    # Ansible shows this key when it asked for tracebacks.
    if tracebacks:
        assert result["exception"].startswith("Traceback (most recent call last):")
        assert "ZeroDivisionError: division by zero" in result["exception"]
    else:
        assert "exception" not in result


def test_the_deadline_option_reaches_the_dns_provider(capsys, fake_dns):
    fake_dns.timeout("myapp.example.com", "A", times=5)
    args = {"via": "dns", "dns_name": ["myapp.example.com"], "nameserver": [NAMESERVER], "record_types": ["A"],
            "timeout": 2, "retries": 4, "deadline": 3}
    result = run_module(capsys, args)
    assert (result["failed"], result["reason"]) == (True, "deadline")
    assert result["msg"].startswith("DNS discovery passed its deadline of 3.0s before asking 10.0.0.53:53")
