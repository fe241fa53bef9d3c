#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: restart_service
author:
  - peerage.peerage maintainers (@peerage)
short_description: Start or restart a clustered service where a restart is pending, behind a health gate
version_added: 1.0.0
description:
  - The restart step of the P(peerage.peerage.peerage#role) role, one task per host.
  - Starts (O(pending=start)) or restarts (O(pending=restart)) O(service) with M(ansible.builtin.service),
    which works with systemd and with init scripts; then waits, for at most O(timeout) seconds, until the
    service answers (the health gate, see O(check)); then removes the pending-restart marker O(marker),
    so a restart that did not happen is done by the next run.
  - A host that does not come back fails, naming the host, what the gate waited for (the port, or the
    beacon's node name) and the seconds waited; its marker is kept.
  - With O(rolling=true) (run it with C(throttle=1)), a failed host stops the rollout of this task
    for the rest of the play, over all of its C(serial) batches; the hosts after it are not restarted,
    their markers are kept, and they are reported with RV(left_pending). Ansible itself would go on to
    the next host.
  - A host that becomes unreachable during its start or restart is reported unreachable and keeps its
    marker; with O(rolling=true) it stops the rollout too, since whether its service runs is unknown.
  - In check mode nothing is started, restarted or removed; the task reports what it would do.
options:
  service:
    description: The service to start or restart.
    type: str
    required: true
  pending:
    description:
      - What is pending on this host. V(start) (a new host) starts the service; V(restart) (a member whose
        file changed) restarts it with O(state).
    type: str
    choices: [start, restart]
    required: true
  state:
    description: How a pending restart is done.
    type: str
    choices: [restarted, reloaded]
    default: restarted
  check:
    description:
      - The health gate. V(tcp) waits until the host answers on TCP O(port) at O(address).
      - V(udp_beacon), for the P(peerage.peerage.peerage#role) role's UDP beacon service, waits until a UDP probe
        from the host (the C(udp) provider's, with the options O(probe)) hears the beacon answer as O(node_name).
    type: str
    choices: [tcp, udp_beacon]
    default: tcp
  address:
    description:
      - The host's own address, where the health gate connects (from the host itself) with O(check=tcp).
      - With O(check=udp_beacon), the address the probe sends from, unless O(probe) sets one.
    type: str
    required: true
  port:
    description: The TCP port that answers once the service is up. Required with O(check=tcp).
    type: int
  node_name:
    description: The node name the beacon answers as. Required with O(check=udp_beacon).
    type: str
  probe:
    description:
      - With O(check=udp_beacon), the options of the probe, as the C(udp) provider takes them (C(app_name),
        C(secret), C(interface), C(port), C(group), ...); its own C(timeout), C(expect), C(settle) and
        C(include_self) are set by the gate.
      - The cluster's secret goes in O(secret), which is not logged, not here.
    type: dict
    default: {}
  secret:
    description:
      - With O(check=udp_beacon), the secret that signs the probe and its answers (the C(udp) provider's C(secret)).
    type: str
  timeout:
    description: Seconds the health gate waits after the (re)start.
    type: float
    default: 120
  marker:
    description: The pending-restart marker on the host, removed once the health gate passed.
    type: path
    required: true
  rolling:
    description:
      - Stop the rollout for the rest of the play at the first host that fails or becomes unreachable,
        and leave the later hosts pending.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Nothing is started or restarted and no marker is removed; the result says what would be done.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: ansible.builtin.service
  - module: peerage.peerage.wait_for_peers
"""

EXAMPLES = r"""
- name: Start a new UDP beacon service, then wait until it answers a probe as its node
  peerage.peerage.restart_service:
    service: peerage-beacon
    pending: start
    check: udp_beacon
    address: "{{ ansible_host }}"
    node_name: "app@{{ ansible_host }}"
    probe:
      app_name: app
      interface: eth0
    secret: "{{ vault_peerage_secret }}"
    marker: /var/lib/peerage/peerage-beacon.pending

- name: Restart the cluster one host at a time, each back on its distribution port before the next
  peerage.peerage.restart_service:
    service: rabbitmq-server
    pending: restart
    address: "{{ ansible_host }}"
    port: 25672
    marker: /var/lib/peerage/rabbitmq-server.pending
    rolling: true
  throttle: 1
"""

RETURN = r"""
done:
  description: What was done to the service, V(started), V(restarted) or V(reloaded); V(none) when nothing was.
  returned: always
  type: str
  sample: restarted
pending:
  description: What is still pending on this host after the task, V(none) once the health gate passed.
  returned: always
  type: str
  sample: none
left_pending:
  description: True when the host was not restarted because the rollout stopped at an earlier host.
  returned: always
  type: bool
  sample: false
stopped_at:
  description: The host at which the rollout stopped, when it did.
  returned: when the rollout stopped
  type: str
  sample: node2
port:
  description: The TCP port of the health gate.
  returned: when the health gate ran with O(check=tcp)
  type: int
  sample: 4369
node_name:
  description: The node name the beacon answered as.
  returned: when the health gate ran with O(check=udp_beacon)
  type: str
  sample: app@10.0.0.1
waited:
  description: Seconds the health gate waited for the port or the beacon.
  returned: when the health gate ran
  type: float
  sample: 1.25
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.errors import guarded_run
from ansible_collections.peerage.peerage.plugins.module_utils.health.reachability import (
    PortUnreachable,
    wait_for_port,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers.udp import BeaconSilent, wait_for_beacon
from ansible_collections.peerage.peerage.plugins.module_utils.safe_files import remove

ARGUMENT_SPEC = {
    "service": {"type": "str", "required": True},
    "pending": {"type": "str", "choices": ["start", "restart"], "required": True},
    "state": {"type": "str", "choices": ["restarted", "reloaded"], "default": "restarted"},
    "check": {"type": "str", "choices": ["tcp", "udp_beacon"], "default": "tcp"},
    "address": {"type": "str", "required": True},
    "port": {"type": "int"},
    "node_name": {"type": "str"},
    "probe": {"type": "dict", "default": {}},
    "secret": {"type": "str", "no_log": True},
    "timeout": {"type": "float", "default": 120},
    "marker": {"type": "path", "required": True},
    "rolling": {"type": "bool", "default": False},
}
REQUIRED_IF = [("check", "tcp", ["port"]), ("check", "udp_beacon", ["node_name"])]


def run(module):
    """The on-host half, after the action plugin (re)started the service: the health gate and the marker."""
    params = module.params

    if params["check"] == "udp_beacon":
        what = {"node_name": params["node_name"]}
    else:
        what = {"port": params["port"]}

    def wait():
        if params["check"] == "udp_beacon":
            # The probe sends from the host's own address unless its options name another.
            options = dict({"address": params["address"]}, **params["probe"])
            if params["secret"] is not None:
                options["secret"] = params["secret"]
            return wait_for_beacon(options, params["node_name"], params["timeout"])
        return wait_for_port(params["address"], params["port"], params["timeout"])

    def gate():
        try:
            waited = wait()
        except (PortUnreachable, BeaconSilent) as exc:
            module.fail_json(msg=str(exc), waited=exc.waited, pending=params["pending"], done="none",
                             left_pending=False, reason="failed", **what)
        if not module.check_mode:
            remove(params["marker"])
        module.exit_json(changed=False, waited=waited, pending="none", done="none", left_pending=False, **what)

    guarded_run(module, gate)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, required_if=REQUIRED_IF, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
