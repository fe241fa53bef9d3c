# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: dns
author: peerage.peerage maintainers (@peerage)
short_description: Find a cluster's peers from DNS records
version_added: 1.0.0
description:
  - Asks DNS for the A, AAAA or SRV records of a name and returns one node name C(app_name@address) per address,
    like Peerage's C(Peerage.Via.Dns) provider, sorted and without duplicates.
  - With no O(nameserver) the system resolver answers, so the default O(dns_name=localhost) gives
    C(nonode@127.0.0.1) anywhere - one node, like Peerage's default, since only A records are asked for by default
    (O(record_types)), also where the hosts file gives C(localhost) the address C(::1) too.
options:
  _terms:
    description: DNS names to look up; when given, they replace O(dns_name).
    required: false
    type: list
    elements: str
extends_documentation_fragment:
  - peerage.peerage.common
  - peerage.peerage.common.plugin_config
  - peerage.peerage.cache
  - peerage.peerage.cache.plugin_config
  - peerage.peerage.dns
  - peerage.peerage.dns.plugin_config
"""

EXAMPLES = r"""
- name: Peers of a Kubernetes-style headless service, through the system resolver
  ansible.builtin.debug:
    msg: "{{ lookup('peerage.peerage.dns', 'myapp.default.svc.cluster.local', app_name='myapp', wantlist=true) }}"

- name: Ask one nameserver directly, IPv4 only, and accept an empty answer
  ansible.builtin.set_fact:
    peers: "{{ query('peerage.peerage.dns', 'myapp.example.com', app_name='myapp',
                     nameserver=['10.0.0.53:5353'], record_types=['A'], allow_empty=true) }}"

- name: SRV records, each target resolved to its addresses
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.dns', '_epmd._tcp.myapp.example.com', app_name='myapp', record_types=['SRV']) }}"

# Options may also come from variables (peerage_app_name: myapp), the environment
# (PEERAGE_APP_NAME=myapp) or ansible.cfg ([peerage] app_name = myapp).
"""

RETURN = r"""
_raw:
  description: The node names, sorted (IPv4 hosts numerically, then IPv6, then hostnames) and deduplicated.
  type: list
  elements: str
  sample: [myapp@10.0.0.5, myapp@10.0.0.6]
"""

from typing import Any, ClassVar

from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import (
    COMMON_DEFINITIONS,
    PeerageLookup,
    register_lean_definitions,
)


class LookupModule(PeerageLookup):
    VIA = "dns"
    # The dns provider's options as ansible-core reads them from the docs above, given to it in a worker so that it
    # parses no docs (tests/unit/plugins/lookup/test_lean_definitions.py holds them equal to the docs and records).
    PROVIDER_DEFINITIONS: ClassVar[dict[str, dict[str, Any]]] = {
        "app_name": COMMON_DEFINITIONS["app_name"],
        "dns_name": {"type": "list", "elements": "str", "default": ["localhost"]},
        "record_types": {"type": "list", "elements": "str", "default": ["A"], "choices": ["A", "AAAA", "SRV"]},
        "nameserver": {"type": "list", "elements": "str"},
        "timeout": {"type": "float", "default": 2.0},
        "retries": {"type": "int", "default": 1},
        "deadline": {"type": "float", "default": 30.0},
        "srv_target": {"type": "str", "default": "address", "choices": ["address", "hostname"]},
    }


# Read in every worker that loads this lookup: its option definitions without parsing its docs.
register_lean_definitions(__name__, LookupModule)
