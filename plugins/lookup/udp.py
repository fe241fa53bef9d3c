# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: udp
author: peerage.peerage maintainers (@peerage)
short_description: Find a cluster's peers by a UDP multicast probe from the controller
version_added: 1.0.0
description:
  - Sends a probe to the multicast group from the controller, collects the answers of the cluster's beacons
    (see the M(peerage.peerage.beacon) module) and returns their node names, sorted and without duplicates.
  - The counterpart of Peerage's C(Peerage.Via.Udp), run once at deploy time instead of for the node's life.
  - The controller must be on the hosts' network segment. To probe from each host instead,
    use the M(peerage.peerage.udp_probe) module.
options:
  _terms:
    description: The application name; when given, it replaces O(app_name).
    required: false
    type: list
    elements: str
extends_documentation_fragment:
  - peerage.peerage.common
  - peerage.peerage.common.plugin_config
  - peerage.peerage.udp
  - peerage.peerage.udp.plugin_config
  - peerage.peerage.udp.probe
  - peerage.peerage.udp.probe_plugin_config
"""

EXAMPLES = r"""
- name: Every beacon of myapp on the segment, returning once three have answered
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.udp', 'myapp', expect=3, timeout=5) }}"

- name: Authenticated, with the secret from a vaulted variable (peerage_secret)
  ansible.builtin.set_fact:
    peers: "{{ query('peerage.peerage.udp', 'myapp') }}"
"""

RETURN = r"""
_raw:
  description: The node names that answered, sorted and deduplicated.
  type: list
  elements: str
  sample: [myapp@10.0.0.5, myapp@10.0.0.6]
"""

from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import PeerageLookup


class LookupModule(PeerageLookup):
    VIA = "udp"
