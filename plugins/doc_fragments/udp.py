# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options of every UDP plugin: the network, the cluster and authentication.
    # Used by the beacon module, the udp_probe module and the udp lookup.
    DOCUMENTATION = r"""
options:
  app_name:
    description:
      - The cluster's application name, the part of a node name before C(@).
      - Only packets of this application are accepted; others are dropped and counted as C(cluster).
    type: str
    default: nonode
  node_name:
    description:
      - This host's own node name, such as V(myapp@10.0.0.5).
      - For a beacon, the name it announces. For a probe, the name that counts as this host when C(include_self) is
        false.
      - Takes precedence over O(address).
    type: str
  address:
    description:
      - This host's address; the node name is then O(app_name)C(@)O(address).
      - For a beacon, when neither O(node_name) nor O(address) is set, the address this host sends to the group from.
      - For a probe, when neither is set, a packet sent from any of this host's own addresses counts as this host.
    type: str
  family:
    description:
      - The IP family. Chosen from O(group) when that is set; otherwise V(ipv4).
    type: str
    choices: [ipv4, ipv6]
  group:
    description:
      - The multicast group of the collection's own protocol.
      - Defaults to V(239.192.45.1), an organisation-local group, or, for O(family=ipv6), to V(ff12::b34d),
        a transient link-local group (C(0xb34d) is 45901).
      - Before this default, the collection used Peerage's own group, V(230.1.1.1) (and V(ff12::b34c)); see
        O(peerage_group).
    type: str
  port:
    description:
      - The UDP port of the collection's own protocol.
      - It differs from Peerage's (O(peerage_port)), so BEAM nodes running Peerage's C(Udp) provider never receive
        the collection's packets; a burst of them crashes that provider. The collection used Peerage's port,
        V(45900), before.
    type: int
    default: 45901
  ttl:
    description:
      - Multicast time to live (IPv6 hop limit). V(1) keeps packets on the local network segment.
    type: int
    default: 1
  interface:
    description:
      - The network interface to join the group and send on, by name (V(eth1)), or, for IPv4, by one of its addresses.
      - Defaults to the interface the system routes the group to.
      - For IPv6 link-local groups, give it by name.
    type: str
  secret:
    description:
      - A secret shared by every beacon and probe of the cluster.
      - When set, every packet carries an HMAC-SHA256 over the whole packet, a random nonce and a timestamp;
        replies echo the nonce of the probe they answer. Unsigned or forged packets (C(mac)), replays (C(replay)),
        packets whose timestamp is more than O(max_age) seconds from this host's clock (C(stale)) and replies to
        probes this host did not send (C(unsolicited)) are dropped and counted.
      - Without a secret, any host on the network segment can inject node names.
      - An empty value is an error, so an unset variable does not silently turn authentication off.
    type: str
  peerage_group:
    description:
      - The IPv4 multicast group of Peerage's own C(Udp) provider, for Peerage's C(Peer:<node name>) packets only
        (C(announce_peerage) of the beacon, C(peerage_compat) of a probe).
    type: str
    default: 230.1.1.1
  peerage_port:
    description:
      - The UDP port of Peerage's own C(Udp) provider (its C(port) setting), for Peerage's packets only.
    type: int
    default: 45900
  max_age:
    description:
      - With O(secret), how many seconds a packet's timestamp may differ from this host's clock.
      - Hosts' clocks must agree to within this (use NTP).
    type: int
    default: 30
notes:
  - UDP discovery needs multicast between the hosts, which most cloud networks do not carry.
  - Packets are at most 512 bytes. Anything malformed, oversized, of another version or cluster,
    or naming an invalid node name is dropped and counted by reason, never returned.
"""

    # Options of a probe (the udp_probe module and the udp lookup).
    PROBE = r"""
options:
  timeout:
    description:
      - How many seconds the probe waits at most.
    type: float
    default: 5
  interval:
    description:
      - How many seconds between probes. Each is a new probe, so a lost probe or reply costs one interval.
    type: float
    default: 0.5
  expect:
    description:
      - Return as soon as this many peers are known. V(0) waits for O(settle) or O(timeout).
      - Counts the peers returned, so with O(include_self=false) not this host.
      - The probe's receive buffers are sized to hold this many replies twice over (2 KiB each, at most 16 MiB),
        past C(net.core.rmem_max) when the probe runs as root, so that no reply is dropped before it is read.
    type: int
    default: 0
  settle:
    description:
      - Return once the set of peers has not grown for this many seconds, after at least one answer. V(0) turns it off.
      - Beacons spread their replies to one probe over up to 0.4 seconds, so a shorter O(settle) counts as 0.4.
    type: float
    default: 0
  include_self:
    description:
      - Whether this host's own node name, announced by a beacon running on it, counts as a peer.
      - See O(node_name) and O(address) for how this host's name is known.
    type: bool
    default: true
  peerage_compat:
    description:
      - Also accept Peerage's own C(Peer:<node name>) packets, from BEAM nodes running Peerage's C(Udp) provider.
      - They are heard on Peerage's own group and port (O(peerage_group), O(peerage_port)), IPv4 only.
      - They carry no authentication, so this cannot be combined with O(secret).
      - Peerage nodes announce every 3 to 7 seconds; set O(timeout) accordingly.
    type: bool
    default: false
"""


# For the udp lookup, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips them.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
ModuleDocFragment.PROBE_PLUGIN_CONFIG = plugin_config(ModuleDocFragment.PROBE)
