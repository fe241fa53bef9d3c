# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options of the run-wide result cache of the lookups.
    DOCUMENTATION = r"""
options:
  cache:
    description:
      - Answer the same question once per Ansible run. Ansible runs a lookup again for every host and every
        reference, each time in a new worker process; with V(true) the first one asks, the others wait for
        it and reuse its answer, or its error (a dead nameserver costs one timeout per run, not one per host).
      - The same question means the same provider and the same values of every option that can change the
        answer (terms, O(app_name), O(allow_empty), the provider's options); O(log_results), O(cache) and
        O(cache_max_age) do not count. An option left unset counts as the provider's default, so the
        C(peerage.peerage.dns) lookup and C(peerage.peerage.peers) with C(via=dns) share one answer.
      - Nothing is kept from one run to the next. The answers live in a private folder (0700, files 0600)
        inside Ansible's own temporary folder of the run, which Ansible removes when the run ends.
        File names are keyed hashes, and no option value is stored.
      - Used for the V(dns) provider, and for a custom provider file that sets C(CACHE = True).
        The V(list) provider (checking the names costs less than reading the cache), V(self) (one answer per
        host) and V(udp) (the answer depends on the moment) are never cached, nor is a lookup plugin used as
        provider.
      - V(false) asks on every call.
    type: bool
    default: true
  cache_max_age:
    description:
      - Seconds a cached answer is reused within one run; after that the next call asks again.
        Lower it for long plays during which the peers change, or set O(cache=false).
    type: float
    default: 300
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
