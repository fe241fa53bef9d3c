# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: list
author: peerage.peerage maintainers (@peerage)
short_description: Peers from a list of node names
version_added: 1.0.0
description:
  - Returns the node names given, validated, deduplicated and sorted, like Peerage's C(Peerage.Via.List).
  - Good for development, or when the node names are known ahead of time.
options:
  _terms:
    description: Node names; when given, they replace O(node_list).
    required: false
    type: list
    elements: str
extends_documentation_fragment:
  - peerage.peerage.common
  - peerage.peerage.common.plugin_config
  - peerage.peerage.cache
  - peerage.peerage.cache.plugin_config
  - peerage.peerage.list
  - peerage.peerage.list.plugin_config
"""

EXAMPLES = r"""
- name: Two known nodes
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.list', 'myapp@10.0.0.2', 'myapp@10.0.0.1') }}"

- name: From a variable (peerage_node_list) or PEERAGE_NODE_LIST="a@10.0.0.1,a@10.0.0.2"
  ansible.builtin.debug:
    msg: "{{ query('peerage.peerage.list') }}"
"""

RETURN = r"""
_raw:
  description: The node names, sorted and deduplicated.
  type: list
  elements: str
  sample: [myapp@10.0.0.1, myapp@10.0.0.2]
"""

from typing import Any, ClassVar

from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import PeerageLookup, register_lean_definitions


class LookupModule(PeerageLookup):
    VIA = "list"
    # The list provider's options as ansible-core reads them from the docs above, given to it in a worker so that it
    # parses no docs (tests/unit/plugins/lookup/test_lean_definitions.py holds them equal to the docs and records).
    PROVIDER_DEFINITIONS: ClassVar[dict[str, dict[str, Any]]] = {
        "node_list": {"type": "list", "elements": "str"},
    }


# Read in every worker that loads this lookup: its option definitions without parsing its docs.
register_lean_definitions(__name__, LookupModule)
