# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller side of ``peerage.peerage.restart_service``: the rollout stop, the service, then the gate.

One task per host does it all, so that with ``throttle: 1`` a host is back
(its port answers, or its UDP beacon is heard) before the next host is
touched. The service is started or restarted with ``ansible.legacy.service``
(systemd or an init script); the module of the same name then runs the
health gate on the host and removes the pending-restart marker.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleConnectionFailure
from ansible.plugins.action import ActionBase

from ansible_collections.peerage.peerage.plugins.modules.restart_service import ARGUMENT_SPEC, REQUIRED_IF
from ansible_collections.peerage.peerage.plugins.plugin_utils.rollout import Rollouts, rollout_of

MODULE = "peerage.peerage.restart_service"
SERVICE_MODULE = "ansible.legacy.service"


def gate_of(args: dict[str, Any]) -> str:
    """What the health gate waits for, in words."""
    if args["check"] == "udp_beacon":
        return "a UDP probe hears %s" % args["node_name"]
    return "TCP port %s answers" % args["port"]


def gate_result(gate: dict[str, Any]) -> dict[str, Any]:
    """The health gate's part of the task's result: what it waited for, and how long."""
    return {key: gate.get(key) for key in ("port", "node_name", "waited") if key in gate}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF)
        host = str(task_vars.get("inventory_hostname", "?"))
        service, pending = args["service"], args["pending"]
        done = "started" if pending == "start" else args["state"]
        result.update(changed=False, done="none", pending=pending, left_pending=False)

        # One rollout per restart task of a role call, over all serial batches. Not the service: it may be
        # named per host.
        rollout = rollout_of(self._task, task_vars)
        rollouts = Rollouts.for_this_run() if args["rolling"] else None
        stopped_at = rollouts.stopped_at(rollout) if rollouts else None
        if stopped_at is not None:
            result.update(left_pending=True, stopped_at=stopped_at, msg=(
                "%s was not %s: the rollout stopped at %s, which did not come back; "
                "the %s stays pending for the next run" % (service, done, stopped_at, pending)))
            return result

        if self._task.check_mode:
            # Nothing done, so the report counts the host as still pending.
            result.update(changed=True, msg="%s would be %s, then checked: %s" % (service, done, gate_of(args)))
            return result

        def failed(message: str, details: dict[str, Any]) -> dict[str, Any]:
            if rollouts is not None:
                stopped = rollouts.stop(rollout, host)
                message += "; the rollout stops here: no later host is restarted" if stopped == host else ""
            result.update(details)
            result.update(failed=True, changed=result["done"] != "none", pending=pending,
                          msg="peerage: %s on %s: %s" % (service, host, message))
            return result

        try:
            started = self._execute_module(module_name=SERVICE_MODULE,
                                           module_args={"name": service, "state": done}, task_vars=task_vars)
            if started.get("failed"):
                return failed("could not be %s (%s); its %s stays pending" % (
                    done, started.get("msg", "no message"), pending), {"done": "none"})
            result.update(done=done, changed=True)
            gate = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
        except AnsibleConnectionFailure as exc:
            # Ansible reports the host unreachable. Whether its service runs is unknown, so a
            # rollout does not take a second host down: it stops here, as after a failed gate.
            message = "%s; its %s stays pending" % (exc.message.strip(), pending)
            if rollouts is not None and rollouts.stop(rollout, host) == host:
                message += "; the rollout stops here: no later host is restarted"
            raise AnsibleConnectionFailure(message) from None
        if gate.get("failed"):
            return failed("%s, but did not come back: %s; its %s stays pending" % (
                done, gate.get("msg", "no message"), pending), gate_result(gate))
        result.update(gate_result(gate), pending="none")
        return result
