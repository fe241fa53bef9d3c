#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: discover
author:
  - peerage.peerage maintainers (@peerage)
short_description: Find a cluster's peers from the managed host
version_added: 1.0.0
description:
  - Runs a built-in provider on the managed host and returns the node names it found, validated,
    deduplicated and sorted, like the P(peerage.peerage.peers#lookup) lookup does on the controller.
  - Use it when only the hosts can see the source of truth, for example a cluster-internal DNS name
    that only the hosts' resolver knows.
  - Custom providers run on the controller only; use the P(peerage.peerage.peers#lookup) lookup for them.
options:
  via:
    description:
      - The provider to run.
    type: str
    choices: [self, list, dns, udp]
    default: dns
  address:
    description:
      - This host's address.
      - With O(via=self), the host part of this node's name; when not set, the managed host's fully qualified
        domain name is used. A module cannot see inventory variables such as C(ansible_host); pass O(address)
        to use them.
      - With O(via=udp), the name C(app_name@address) counts as this host for O(include_self=false).
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - peerage.peerage.any_provider
  - peerage.peerage.common
  - peerage.peerage.dns
  - peerage.peerage.list
  - peerage.peerage.self
  - peerage.peerage.udp
  - peerage.peerage.udp.probe
attributes:
  check_mode:
    support: full
    details: Discovery only reads; it runs in check mode as in a normal run.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - plugin: peerage.peerage.peers
    plugin_type: lookup
  - module: peerage.peerage.wait_for_peers
"""

EXAMPLES = r"""
- name: Peers of a headless service, as the host's resolver sees them
  peerage.peerage.discover:
    via: dns
    dns_name: myapp-headless.default.svc.cluster.local
    app_name: myapp
  register: found

- name: Ask one nameserver directly, A records only, and accept an empty answer
  peerage.peerage.discover:
    via: dns
    dns_name: myapp.example.com
    nameserver: ["10.0.0.53:5353"]
    record_types: [A]
    app_name: myapp
    allow_empty: true
  register: found

- name: Check a given list of node names
  peerage.peerage.discover:
    via: list
    node_list: [myapp@10.0.0.5, myapp@10.0.0.6]

- name: Probe the hosts' network for UDP beacons (see peerage.peerage.beacon)
  peerage.peerage.discover:
    via: udp
    app_name: myapp
    secret: "{{ vault_peerage_secret }}"
    expect: "{{ ansible_play_hosts_all | length }}"
    timeout: 10

- name: This host's own node name
  peerage.peerage.discover:
    via: self
    app_name: myapp
    address: "{{ ansible_host | default(inventory_hostname) }}"
"""

RETURN = r"""
peers:
  description: The node names, sorted and deduplicated.
  returned: success
  type: list
  elements: str
  sample: [myapp@10.0.0.5, myapp@10.0.0.6]
count:
  description: How many peers were found.
  returned: success
  type: int
  sample: 2
via:
  description: The provider that ran.
  returned: always
  type: str
  sample: dns
reason:
  description:
    - Why discovery failed, as one word. V(no_peers) when the source answered but named no peers and
      O(allow_empty) is false; V(invalid) for a value that is not allowed; otherwise the provider's reason,
      such as V(timeout), V(servfail), V(refused), V(error) (another failure of a nameserver),
      V(deadline) (O(deadline) passed), V(no_nameserver) (SRV with no nameserver anywhere),
      V(unusable_address) (DNS answered only addresses no node has, such as a sinkhole's C(0.0.0.0)) or
      V(missing_library). V(internal) for an error the collection did not foresee (its traceback is
      shown at C(-vvv)). A failure is never reported as an empty list.
  returned: failure
  type: str
  sample: timeout
log:
  description:
    - What the provider reported, when O(log_results) is true; the detail of every query only at C(-vvv).
  returned: success
  type: list
  elements: str
  sample: ["dns: myapp.example.com A: 2 record(s) from 10.0.0.53:5353"]
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.peerage.peerage.plugins.module_utils.discovery import WARNING, warnings_only
from ansible_collections.peerage.peerage.plugins.module_utils.errors import guarded_run
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    BUILTIN_PROVIDERS,
    CHOICE_OPTION,
    argument_spec,
    names_read_by,
    options_read,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers.registry import discover

VIA_CHOICES = list(BUILTIN_PROVIDERS)

# Every built-in provider's options, from the collection's option records; an option two providers
# default differently (timeout: dns and udp) has no default here, so each provider applies its own.
_READERS = ("any", "discovery", *BUILTIN_PROVIDERS)
_SPEC = argument_spec(names_read_by(*_READERS), _READERS)
# Custom providers run on the controller only.
ARGUMENT_SPEC = dict(_SPEC, **{CHOICE_OPTION: dict(_SPEC[CHOICE_OPTION], choices=VIA_CHOICES)})


def provider_options(params):
    """The options of the provider ``via`` names, and the two that discovery reads itself."""
    via = params["via"]
    options = {key: params[key] for key in options_read(via)}
    if via == "self" and not options.get("address"):
        options["address"] = socket.getfqdn()
    return options


def run(module):
    params = module.params
    via = params["via"]
    log = []

    def report(message, verbosity):
        if verbosity == WARNING:
            module.warn(message)
        # -vvv detail is only worth its size when asked for.
        elif verbosity <= 1 or module._verbosity >= verbosity:
            log.append(message)

    def discover_peers():
        peers = discover(via, provider_options(params), report if params["log_results"] else warnings_only(report))
        result = {"changed": False, "peers": peers, "count": len(peers), "via": via}
        if params["log_results"]:
            result["log"] = log
        module.exit_json(**result)

    guarded_run(module, discover_peers, via=via)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run(module)


if __name__ == "__main__":
    main()
