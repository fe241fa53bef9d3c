# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options of the dns provider.
    DOCUMENTATION = r"""
options:
  dns_name:
    description:
      - The DNS name whose records list the peers, for example a Kubernetes headless service name.
      - The lookup's terms, when given, are used instead.
      - With no O(nameserver), the system resolver is used, so C(/etc/hosts) and search domains apply.
    type: list
    elements: str
    default: [localhost]
  record_types:
    description:
      - Which records to ask for. V(A) and V(AAAA) give addresses of O(dns_name).
      - V(SRV) gives targets of O(dns_name); each target is resolved to its addresses
        (of the types listed here, or both when neither V(A) nor V(AAAA) is listed),
        or used as it is when O(srv_target=hostname).
    type: list
    elements: str
    choices: [A, AAAA, SRV]
    default: [A, AAAA]
  nameserver:
    description:
      - Nameservers to ask directly, in order, each C(address) or C(address:port); an IPv6 address with a port
        is written in brackets, as in C([fd00::53]:5353).
      - The next server is asked when one times out or answers with a failure (SERVFAIL, REFUSED).
      - When not set, the system resolver is used.
    type: list
    elements: str
  timeout:
    description:
      - Seconds to wait for one answer from one nameserver.
    type: float
    default: 2.0
  retries:
    description:
      - How many more times to ask a nameserver that did not answer in time before moving on.
    type: int
    default: 1
  srv_target:
    description:
      - With V(SRV) records, V(address) resolves each target to its addresses; V(hostname) uses the
        target's name as the host of the node name (C(myapp@node-1.myapp.example.com)).
    type: str
    choices: [address, hostname]
    default: address
requirements:
  - dnspython (to ask a O(nameserver) directly or for SRV records)
notes:
  - Answers truncated over UDP are asked again over TCP, so a name with a thousand records returns all of them.
  - CNAME chains are followed.
  - NXDOMAIN and no records mean no peers (see O(allow_empty)); a timeout, SERVFAIL or REFUSED
    always fails, naming the server, the name and the time waited.
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
