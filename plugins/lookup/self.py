# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: self
author: peerage.peerage maintainers (@peerage)
short_description: This host's own node name
version_added: 1.0.0
description:
  - Returns C([app_name@address]) for the host the task runs for, like Peerage's C(Peerage.Via.Self).
  - The address is O(address), else the host's C(ansible_host), else its C(inventory_hostname).
options:
  _terms:
    description: An address; when given, it replaces O(address).
    required: false
    type: list
    elements: str
extends_documentation_fragment:
  - peerage.peerage.common
  - peerage.peerage.common.plugin_config
  - peerage.peerage.self
  - peerage.peerage.self.plugin_config
"""

EXAMPLES = r"""
- name: This host's node name
  ansible.builtin.debug:
    msg: "{{ lookup('peerage.peerage.self', app_name='myapp') }}"
"""

RETURN = r"""
_raw:
  description: A list of one node name.
  type: list
  elements: str
  sample: [myapp@10.0.0.5]
"""

from ansible_collections.peerage.peerage.plugins.plugin_utils.lookup import PeerageLookup


class LookupModule(PeerageLookup):
    VIA = "self"
