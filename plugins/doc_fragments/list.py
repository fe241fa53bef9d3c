# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options of the list provider.
    DOCUMENTATION = r"""
options:
  node_list:
    description:
      - The node names, such as C(myapp@10.0.0.5). The lookup's terms, when given, are used instead.
      - A single string is split at commas and whitespace, so the environment variable
        C(PEERAGE_NODE_LIST="a@10.0.0.1,a@10.0.0.2") names two nodes.
      - Each name is validated; an invalid one fails with a message naming it and the rule it breaks.
    type: list
    elements: str
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
