# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The restart_service action: the service module, then the gate, and the rollout that stops at a failed host.

The two modules it runs on the host are replaced by a recorder: what is
tested here is what the controller decides (order, stop, check mode).
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from ansible.errors import AnsibleConnectionFailure
from ansible.playbook.task import Task

from ansible_collections.peerage.peerage.plugins.action import restart_service
from ansible_collections.peerage.peerage.plugins.plugin_utils.rollout import Rollouts

ARGS = {"service": "app", "pending": "restart", "address": "10.0.0.1", "port": 4369, "marker": "/s/app.pending"}


class Host:
    """One host's view: which modules ran, and what the service and the gate answer."""

    def __init__(self, service_fails: bool = False, gate_fails: bool = False, lost: str | None = None) -> None:
        self.service_fails = service_fails
        self.gate_fails = gate_fails
        # The module whose run finds the host unreachable.
        self.lost = lost
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def execute(self, module_name: str, module_args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((module_name, dict(module_args)))
        if module_name == self.lost:
            raise AnsibleConnectionFailure("Failed to connect to the host via ssh: Connection refused")
        if module_name == restart_service.SERVICE_MODULE:
            return {"failed": True, "msg": "init script exited 1"} if self.service_fails else {"changed": True}
        # What the module's gate answers, by the check it was given.
        what = {"node_name": module_args["node_name"]} if module_args.get("check") == "udp_beacon" else {"port": 4369}
        if self.gate_fails:
            return {"failed": True, "waited": 2.0, **what,
                    "msg": "10.0.0.1 did not answer on TCP port 4369 within 2s (waited 2.0s; last error: refused)"}
        return {"changed": False, "pending": "none", "waited": 0.5, **what}


def run_action(rollouts: Rollouts, host: Host, name: str = "h1", uuid: str = "task-1", check_mode: bool = False,
               **args: Any) -> dict[str, Any]:
    task = mock.MagicMock(spec=Task)
    task._parent = None
    task.args = {**ARGS, **args}
    task.async_val = 0
    task.check_mode = check_mode
    task._uuid = uuid
    play_context = mock.MagicMock(check_mode=check_mode)
    connection = mock.MagicMock()
    action = restart_service.ActionModule(task, connection, play_context, loader=None, templar=None,
                                          shared_loader_obj=None)
    with mock.patch.object(action, "_execute_module", side_effect=host.execute), \
            mock.patch.object(Rollouts, "for_this_run", return_value=rollouts):
        return action.run(task_vars={"inventory_hostname": name})


@pytest.fixture
def rollouts(tmp_path):
    folder = tmp_path / "peerage-rollouts"
    folder.mkdir(mode=0o700)
    return Rollouts(str(folder))


def test_a_restart_runs_the_service_then_the_gate(rollouts):
    host = Host()
    result = run_action(rollouts, host)
    assert [name for name, _args in host.calls] == ["ansible.legacy.service", "peerage.peerage.restart_service"]
    assert host.calls[0][1] == {"name": "app", "state": "restarted"}
    assert not result.get("failed")
    assert (result["changed"], result["done"], result["pending"]) == (True, "restarted", "none")
    assert result["left_pending"] is False


def test_a_new_host_is_started_and_reload_is_kept_for_members(rollouts):
    started = Host()
    run_action(rollouts, started, pending="start", state="reloaded")
    assert started.calls[0][1] == {"name": "app", "state": "started"}
    reloaded = Host()
    result = run_action(rollouts, reloaded, state="reloaded")
    assert reloaded.calls[0][1] == {"name": "app", "state": "reloaded"}
    assert result["done"] == "reloaded"


def test_a_host_that_does_not_come_back_fails_naming_host_port_and_time(rollouts):
    result = run_action(rollouts, Host(gate_fails=True), name="h2", rolling=True)
    assert result["failed"]
    assert result["msg"] == (
        "peerage: app on h2: restarted, but did not come back: 10.0.0.1 did not answer on TCP port 4369 within 2s "
        "(waited 2.0s; last error: refused); its restart stays pending; the rollout stops here: no later host is "
        "restarted")
    assert (result["pending"], result["waited"]) == ("restart", 2.0)


def test_after_a_failed_host_the_rollout_leaves_later_hosts_pending(rollouts):
    run_action(rollouts, Host(gate_fails=True), name="h2", rolling=True)
    later = Host()
    result = run_action(rollouts, later, name="h3", rolling=True)
    assert later.calls == []
    assert not result.get("failed")
    assert (result["changed"], result["left_pending"], result["stopped_at"], result["pending"]) == (
        False, True, "h2", "restart")
    assert "the rollout stopped at h2" in result["msg"]


def test_the_rollout_stops_also_for_services_named_per_host(rollouts):
    run_action(rollouts, Host(gate_fails=True), name="h2", rolling=True, service="app-h2")
    later = Host()
    result = run_action(rollouts, later, name="h3", rolling=True, service="app-h3")
    assert later.calls == []
    assert result["msg"].startswith("app-h3 was not restarted: the rollout stopped at h2")


def test_a_service_that_does_not_start_stops_the_rollout_too(rollouts):
    failing = Host(service_fails=True)
    result = run_action(rollouts, failing, name="h1", rolling=True)
    assert [name for name, _args in failing.calls] == ["ansible.legacy.service"]
    assert result["failed"] and not result["changed"]
    assert "could not be restarted (init script exited 1); its restart stays pending" in result["msg"]
    assert run_action(rollouts, Host(), name="h2", rolling=True)["stopped_at"] == "h1"


@pytest.mark.parametrize("lost", [restart_service.SERVICE_MODULE, restart_service.MODULE])
def test_a_host_lost_during_its_restart_is_unreachable_and_stops_the_rollout(rollouts, lost):
    with pytest.raises(AnsibleConnectionFailure) as raised:
        run_action(rollouts, Host(lost=lost), name="h3", rolling=True)
    assert str(raised.value) == (
        "Failed to connect to the host via ssh: Connection refused; its restart stays pending; "
        "the rollout stops here: no later host is restarted")
    later = Host()
    assert run_action(rollouts, later, name="h4", rolling=True)["stopped_at"] == "h3"
    assert later.calls == []


def test_a_host_lost_without_rolling_stops_nobody(rollouts):
    with pytest.raises(AnsibleConnectionFailure, match=r"its start stays pending$"):
        run_action(rollouts, Host(lost=restart_service.SERVICE_MODULE), name="h3", pending="start")
    assert run_action(rollouts, Host(), name="h4")["done"] == "restarted"


def test_another_rollout_is_not_stopped(rollouts):
    run_action(rollouts, Host(gate_fails=True), name="h1", rolling=True, uuid="call-1")
    other = Host()
    result = run_action(rollouts, other, name="h2", rolling=True, uuid="call-2")
    assert len(other.calls) == 2 and result["done"] == "restarted"


def test_without_rolling_a_failed_host_stops_nobody(rollouts):
    run_action(rollouts, Host(gate_fails=True), name="h1")
    result = run_action(rollouts, Host(), name="h2")
    assert result["done"] == "restarted" and not result["left_pending"]


def test_check_mode_touches_nothing(rollouts):
    host = Host()
    result = run_action(rollouts, host, check_mode=True)
    assert host.calls == []
    assert (result["changed"], result["done"], result["pending"]) == (True, "none", "restart")
    assert result["msg"] == "app would be restarted, then checked: TCP port 4369 answers"


def test_a_bad_argument_is_refused_naming_it(rollouts):
    with pytest.raises(Exception, match="pending"):
        run_action(rollouts, Host(), pending="later")


BEACON = {"service": "pb.service", "check": "udp_beacon", "port": None, "node_name": "app@10.0.0.1",
          "probe": {"app_name": "app", "interface": "lo"}, "secret": "s3cret"}


def test_a_beacon_is_restarted_then_gated_on_its_node_name(rollouts):
    host = Host()
    result = run_action(rollouts, host, **BEACON)
    assert host.calls[0] == ("ansible.legacy.service", {"name": "pb.service", "state": "restarted"})
    name, gate_args = host.calls[1]
    assert name == "peerage.peerage.restart_service"
    assert (gate_args["check"], gate_args["node_name"], gate_args["secret"]) == ("udp_beacon", "app@10.0.0.1", "s3cret")
    assert (result["done"], result["pending"], result["node_name"], result["waited"]) == (
        "restarted", "none", "app@10.0.0.1", 0.5)
    assert "port" not in result


def test_a_beacon_that_is_not_heard_stops_the_rollout(rollouts):
    failed = run_action(rollouts, Host(gate_fails=True), name="b2", rolling=True, **BEACON)
    assert failed["failed"] and failed["node_name"] == "app@10.0.0.1"
    assert failed["msg"].endswith("; its restart stays pending; the rollout stops here: no later host is restarted")
    later = Host()
    assert run_action(rollouts, later, name="b3", rolling=True, **BEACON)["stopped_at"] == "b2"
    assert later.calls == []


def test_check_mode_says_what_the_beacon_gate_would_wait_for(rollouts):
    result = run_action(rollouts, Host(), check_mode=True, **BEACON)
    assert result["msg"] == "pb.service would be restarted, then checked: a UDP probe hears app@10.0.0.1"


def test_a_beacon_gate_without_its_node_name_is_refused(rollouts):
    args = {key: value for key, value in BEACON.items() if key != "node_name"}
    with pytest.raises(Exception, match="node_name"):
        run_action(rollouts, Host(), **args)
