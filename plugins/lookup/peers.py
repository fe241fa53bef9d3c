# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: peers
author: peerage.peerage maintainers (@peerage)
short_description: Find a cluster's peers through any provider
version_added: 1.0.0
description:
  - Runs the provider O(via) names, built in (V(self), V(list), V(dns), V(udp)) or custom, and returns its node names
    validated, deduplicated and sorted.
  - A custom provider is a Python file with one function C(poll(options)) returning node names, like a Peerage provider
    with C(poll/0); or any lookup plugin, by its fully qualified name.
options:
  _terms:
    description:
      - Passed to the provider as its main input, in place of O(dns_name) for V(dns), O(node_list) for V(list),
        O(address) for V(self), O(app_name) for V(udp); a custom provider finds them in C(options['terms']).
    required: false
    type: list
    elements: str
  address:
    description:
      - With O(via=self), the host part of this node's name; when not set, the host's C(ansible_host),
        else its C(inventory_hostname).
      - With O(via=udp), the name C(app_name@address) counts as this host for O(include_self=false).
    type: str
extends_documentation_fragment:
  - peerage.peerage.any_provider
  - peerage.peerage.custom
  - peerage.peerage.custom.plugin_config
  - peerage.peerage.common
  - peerage.peerage.common.plugin_config
  - peerage.peerage.cache
  - peerage.peerage.cache.plugin_config
  - peerage.peerage.dns
  - peerage.peerage.dns.plugin_config
  - peerage.peerage.list
  - peerage.peerage.list.plugin_config
  - peerage.peerage.self
  - peerage.peerage.self.plugin_config
  - peerage.peerage.udp
  - peerage.peerage.udp.plugin_config
  - peerage.peerage.udp.probe
  - peerage.peerage.udp.probe_plugin_config
"""

EXAMPLES = r"""
- name: The provider from configuration (PEERAGE_VIA=dns, peerage_via, or [peerage] via = dns)
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.peers', app_name='myapp') }}"

- name: A custom provider, providers/consul_nodes.py next to the playbook
  # def poll(options):
  #     return ["myapp@10.0.0.1", "myapp@10.0.0.2"]
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.peers', via='consul_nodes', provider_paths=[playbook_dir ~ '/providers']) }}"

- name: Another lookup plugin as the provider
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.peers', 'a@10.0.0.1', via='ansible.builtin.items') }}"
"""

RETURN = r"""
_raw:
  description: The node names, sorted and deduplicated.
  type: list
  elements: str
  sample: [myapp@10.0.0.1, myapp@10.0.0.2]
"""

from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import PeerageLookup


class LookupModule(PeerageLookup):
    VIA = None
