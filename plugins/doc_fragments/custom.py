# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options that choose a provider, built-in or custom.
    DOCUMENTATION = r"""
options:
  via:
    description:
      - The provider. V(self), V(list), V(dns) and V(udp) are built in.
      - Any other value names a custom provider, a Python file with a function C(poll(options)) that returns
        a list of node names (Peerage's custom provider with C(poll/0)). It is found as C(<via>.py) next to the
        playbook, then in each of O(provider_paths); a value ending in C(.py) or holding a C(/) is a path
        (relative to the playbook's directory).
      - A provider file is Python run on the controller with the user's rights. So a file loads only from the
        playbook's folder or O(provider_paths) (subfolders included, symbolic links resolved), unless
        O(allow_any_provider_path=true).
      - A value that names a custom provider, and O(provider_paths) and O(allow_any_provider_path), decide which
        code runs on the controller, so they are taken only from the lookup call, the play, a role, the task, extra
        variables, the environment or C(ansible.cfg). Set by inventory, a host or group variable or a fact, they
        fail the lookup, naming the variable. The collection's C(docs/providers.md) has the table.
      - A provider file is loaded once per process, as a real module (in C(sys.modules)); a C(sys.exit()) in it
        fails the lookup with a message saying so.
      - A value with two dots, such as C(my.collection.hosts), is the name of a lookup plugin, which is run
        with the lookup's terms and O(provider_options) and serves as the provider.
      - Whatever a provider returns is validated, deduplicated and sorted like the built-in ones.
    type: str
    default: dns
  provider_paths:
    description:
      - Directories to search for custom providers, after the playbook's directory.
      - Not taken from inventory, host or group variables or facts (see O(via)).
    type: list
    elements: path
    default: []
  allow_any_provider_path:
    description:
      - Load a provider file from any path O(via) names, not only from the playbook's folder and O(provider_paths).
      - Set it only where you would put code, since whoever can set O(via) then chooses any Python file on the
        controller to run. Not taken from inventory, host or group variables or facts (see O(via)).
    type: bool
    default: false
  provider_options:
    description:
      - Extra options for a custom provider. Its C(poll) receives them merged into its C(options) argument;
        a lookup plugin serving as provider receives them as keyword arguments.
    type: dict
    default: {}
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
