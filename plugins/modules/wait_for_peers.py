#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: wait_for_peers
author:
  - peerage.peerage maintainers (@peerage)
short_description: Wait until a cluster's peers answer on a TCP port
version_added: 1.0.0
description:
  - From the managed host, connects to the host of every peer on a TCP port, by default EPMD's port 4369
    (the Erlang port mapper every Erlang node registers with), and retries until enough peers have answered
    or O(timeout) has passed.
  - All peers still to answer are tried at once in every round, so a large cluster costs little more than a small one.
  - Fails naming every peer that did not answer and the last error seen for it (connection refused,
    no answer, name not resolved).
options:
  peers:
    description:
      - The node names to check, such as C(myapp@10.0.0.5); the host part after C(@) is connected to.
      - Names are validated and deduplicated like discovery results.
    type: list
    elements: str
    required: true
  port:
    description:
      - The TCP port to connect to on each peer's host.
    type: int
    default: 4369
  timeout:
    description:
      - Seconds to keep trying before failing.
      - V(0) tries every peer once.
    type: float
    default: 30
  require:
    description:
      - How many peers must answer, V(all) or a number (at most the number of O(peers)).
      - V(0) never fails and only reports which peers answered.
    type: str
    default: all
  connect_timeout:
    description:
      - Seconds one connection attempt may take.
    type: float
    default: 2
  interval:
    description:
      - Seconds to wait between two rounds of attempts.
    type: float
    default: 1
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The check only connects and closes; it runs in check mode as in a normal run.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: peerage.peerage.discover
  - module: ansible.builtin.wait_for
"""

EXAMPLES = r"""
- name: Wait until every peer's EPMD answers
  peerage.peerage.wait_for_peers:
    peers: "{{ peerage_peers }}"
    timeout: 60

- name: Wait until two RabbitMQ peers listen on the distribution port
  peerage.peerage.wait_for_peers:
    peers: [rabbit@10.0.0.5, rabbit@10.0.0.6, rabbit@10.0.0.7]
    port: 25672
    require: 2
"""

RETURN = r"""
reachable:
  description: The peers that answered, in the documented node name order.
  returned: when the peers were checked, also when too few answered
  type: list
  elements: str
  sample: [myapp@10.0.0.5, myapp@10.0.0.6]
not_reachable:
  description: The peers that did not answer before the deadline (or were not needed once enough had answered).
  returned: when the peers were checked, also when too few answered
  type: list
  elements: str
  sample: [myapp@10.0.0.7]
errors:
  description: The last error of each peer in RV(not_reachable).
  returned: when the peers were checked, also when too few answered
  type: dict
  sample: {"myapp@10.0.0.7": "connection refused"}
required:
  description: How many peers had to answer.
  returned: when the peers were checked, also when too few answered
  type: int
  sample: 3
port:
  description: The TCP port that was checked.
  returned: when the peers were checked, also when too few answered
  type: int
  sample: 4369
rounds:
  description: How many rounds of attempts were made.
  returned: when the peers were checked, also when too few answered
  type: int
  sample: 1
reason:
  description:
    - Why the module failed, as one word. V(failed) when too few peers answered, V(invalid) for a value that
      is not allowed, V(internal) for an error the collection did not foresee (its traceback is shown at C(-vvv)).
  returned: failure
  type: str
  sample: failed
elapsed:
  description: Seconds spent waiting.
  returned: when the peers were checked, also when too few answered
  type: float
  sample: 0.012
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.errors import guarded_run
from ansible_collections.peerage.peerage.plugins.module_utils.health.reachability import wait_for_peers

ARGUMENT_SPEC = {
    "peers": {"type": "list", "elements": "str", "required": True},
    "port": {"type": "int", "default": 4369},
    "timeout": {"type": "float", "default": 30},
    "require": {"type": "str", "default": "all"},
    "connect_timeout": {"type": "float", "default": 2},
    "interval": {"type": "float", "default": 1},
}


def run(module):
    params = module.params

    def wait():
        result = wait_for_peers(
            params["peers"],
            port=params["port"],
            timeout=params["timeout"],
            require=params["require"],
            connect_timeout=params["connect_timeout"],
            interval=params["interval"],
        )
        module.exit_json(changed=False, **result)

    # PeersUnreachable carries the result, so a failure still says who answered.
    guarded_run(module, wait)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
