#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: udp_probe
short_description: Find a cluster's peers by a UDP multicast probe from the target
version_added: 1.0.0
description:
  - Sends a probe to a multicast group from the target, re-sends it every O(interval) seconds, and collects the
    node names that beacons (M(peerage.peerage.beacon)) answer with or announce.
  - Returns as soon as O(expect) peers are known, once the set has been stable for O(settle) seconds,
    or when O(timeout) runs out.
  - The probe only listens and sends probes; it changes nothing, so it also runs in check mode.
  - See the collection's C(docs/udp.md) for the wire format and a service set-up.
author:
  - peerage.peerage maintainers (@peerage)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peerage.peerage.udp
  - peerage.peerage.udp.probe
options:
  allow_empty:
    description:
      - Whether finding no peer at all is a success (an empty O(ignore:peers) list).
      - When V(false), the task fails with a message naming the group and what was dropped.
      - Finding fewer than O(expect) peers, but some, is never a failure; RV(complete) is then V(false).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: The probe only sends probes and listens; it runs in check mode as in a normal run.
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Choosing an interface by name uses Linux socket options.
seealso:
  - module: peerage.peerage.beacon
"""

EXAMPLES = r"""
- name: Start a beacon on every host for the play
  peerage.peerage.beacon:
    app_name: myapp
    secret: "{{ vault_peerage_secret }}"

- name: Find the other hosts of the cluster
  peerage.peerage.udp_probe:
    app_name: myapp
    secret: "{{ vault_peerage_secret }}"
    expect: "{{ ansible_play_hosts_all | length - 1 }}"
    include_self: false
    timeout: 10
  register: probe

- name: Show them
  ansible.builtin.debug:
    msg: "{{ probe.peers }} ({{ 'all' if probe.complete else 'not all' }} found in {{ probe.elapsed }}s)"
"""

RETURN = r"""
peers:
  description: The node names found, deduplicated and sorted.
  returned: success
  type: list
  elements: str
  sample: [myapp@10.0.0.5, myapp@10.0.0.6]
sources:
  description: For each node name, the address its packet came from.
  returned: success
  type: dict
  sample: {myapp@10.0.0.5: 10.0.0.5}
dropped:
  description:
    - Packets dropped, by reason (V(oversized), V(malformed), V(version), V(peerage), V(cluster), V(mac), V(stale),
      V(replay), V(flood), V(unsolicited), V(node_name), V(self)).
  returned: always
  type: dict
  sample: {cluster: 2, mac: 1}
elapsed:
  description: Seconds from the first probe to the return.
  returned: always
  type: float
  sample: 0.512
complete:
  description: Whether at least O(expect) peers, and at least one, were found.
  returned: always
  type: bool
  sample: true
stopped_by:
  description: What ended the probe, V(expect), V(settle) or V(timeout).
  returned: always
  type: str
  sample: expect
probes_sent:
  description: How many probes were sent.
  returned: always
  type: int
  sample: 2
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import argument_spec
from ansible_collections.peerage.peerage.plugins.module_utils.providers.udp import describe_empty, probe
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import PROBE_ARGUMENT_SPEC, PROBE_DEFAULTS

ARGUMENT_SPEC = dict(PROBE_ARGUMENT_SPEC, **argument_spec(["allow_empty"], ["discovery"]))


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    options = {key: module.params[key] for key in PROBE_DEFAULTS}
    try:
        result = probe(options)
    except OptionError as exc:
        module.fail_json(msg=str(exc))
    except DiscoveryFailed as exc:
        module.fail_json(msg=str(exc), reason=exc.reason)
    values = result.to_dict()
    if not result.peers and not module.params["allow_empty"]:
        module.fail_json(
            msg=describe_empty(result, options),
            reason="empty",
            **values
        )
    module.exit_json(changed=False, **values)


if __name__ == "__main__":
    main()
