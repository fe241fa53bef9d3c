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
      - With no O(nameserver), the system resolver is used, so C(/etc/hosts) and search domains apply - to V(SRV)
        names too, which are tried with each domain of the C(search) list of C(/etc/resolv.conf) in the order its
        C(ndots) gives, as the system resolver does for V(A) and V(AAAA). With O(nameserver), names are asked as given.
      - The default applies only when no name is given. A name given empty (an unset variable templated into it) is
        an error naming O(dns_name), as is a name DNS cannot ask (an empty label, as in C(a..example), a label over
        63 characters, more than 253 characters); either fails before anything is asked.
    type: list
    elements: str
    default: [localhost]
  record_types:
    description:
      - Which records to ask for. V(A) and V(AAAA) give addresses of O(dns_name).
      - V(A) alone by default, as Peerage's C(Peerage.Via.Dns) asks - a node has one name, so a host with an IPv4
        and an IPv6 address must not become two nodes (and O(dns_name=localhost) gives one,
        C(nonode@127.0.0.1), also where the hosts file gives C(localhost) the address C(::1) too). Ask for
        V(AAAA) for a cluster whose nodes are named by IPv6 address, and for both only when a file should name
        every address of every host.
      - V(SRV) gives targets of O(dns_name); each target is resolved to its addresses
        (of the types listed here, or V(A) when neither V(A) nor V(AAAA) is listed),
        or used as it is when O(srv_target=hostname).
    type: list
    elements: str
    choices: [A, AAAA, SRV]
    default: [A]
  nameserver:
    description:
      - Nameservers to ask directly, in order, each C(address) or C(address:port); an IPv6 address with a port
        is written in brackets, as in C([fd00::53]:5353).
      - The next server is asked when one fails, each failure named with its server in the message
        if all fail - no answer in time, an answer of SERVFAIL or REFUSED, an answer that cannot be read, a TCP
        connection closed or refused after a truncated UDP answer, a network error, any other error
        of dnspython or the socket layer.
      - A UDP packet from another address or port, with another query id or answering another question, which
        anyone who can reach the port could forge, is discarded and the server's own answer waited for until
        O(timeout); how many were discarded is shown at C(-vvv) and in the message of a timeout.
      - When not set, the system resolver is used.
    type: list
    elements: str
  timeout:
    description:
      - Seconds to wait for one answer from one nameserver.
      - Without O(nameserver), the system resolver (C(getaddrinfo)), which cannot be given a timeout, is waited for
        at most O(timeout) times (1 + O(retries)) seconds per question; it retries by its own rules (the C(timeout)
        and C(attempts) options of C(/etc/resolv.conf)) within that time, and an answer that comes later is dropped.
    type: float
    default: 2.0
  retries:
    description:
      - How many more times to ask a nameserver that did not answer in time before moving on.
    type: int
    default: 1
  deadline:
    description:
      - Seconds one whole discovery may take at most, whatever the number of names, record types, nameservers,
        retries, SRV targets and CNAME steps.
      - When it passes, discovery fails, naming what was being asked and what had failed before.
      - The questions of one step (every record type of every name, then the addresses of every SRV target) are
        asked at once, so a discovery that gets its answers costs one round trip per step.
    type: float
    default: 30.0
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
  - Unspecified (C(0.0.0.0), C(::)), broadcast (C(255.255.255.255)) and multicast addresses, which DNS filters and
    sinkholes answer for names they block, never become node names - each is dropped with a warning naming the
    record, and discovery fails (even with O(allow_empty)) when nothing else is left. Loopback addresses are kept.
    An IPv4-mapped IPv6 address (C(::ffff:10.0.0.1)) is the node of its IPv4 address (C(app@10.0.0.1)).
  - Answers truncated over UDP are asked again over TCP, so a name with a thousand records returns all of them.
  - CNAME chains are followed.
  - NXDOMAIN and no records mean no peers (see O(allow_empty)); a timeout, SERVFAIL, REFUSED or any other
    failure of every server, or the O(deadline) passing, always fails, naming the server, the name and the time
    waited.
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
