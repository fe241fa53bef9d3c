# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write the test zone ``peerage.test`` and the answers the tests expect from it.

    python3 make_zone.py --out DIR [--origin peerage.test]

writes ``DIR/<origin>.zone`` (an RFC 1035 zone file, records shuffled so a
server hands them back unsorted) and ``DIR/expected.json``: for every case,
the DNS name asked and the addresses (or hostnames) in the documented node
order — IPv4 numerically, then IPv6 numerically, then hostnames. The order
comes from how the data is built here, not from the collection's sort.

The record data are addresses only; nothing ever connects to them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

DEFAULT_ORIGIN = "peerage.test"
SRV_PORT = 4369
# Fixed seed: the zone file is the same on every run.
SHUFFLE_SEED = 53


def ipv4_range(prefix, count, first=1):
    """``count`` addresses under ``prefix`` (``10.53.200``), in numeric order, spilling into the next /24."""
    a, b, c = (int(part) for part in prefix.split("."))
    return ["%d.%d.%d.%d" % (a, b, c + (first - 1 + i) // 250, (first - 1 + i) % 250 + 1) for i in range(count)]


def build(origin):
    """Return ``(records, cases)``: records as ``(owner, type, rdata)`` and the expected answer of each case."""
    def fq(label):
        return "%s.%s" % (label, origin)

    records = []
    cases = {}

    def add(label, rtype, values):
        for value in values:
            records.append((fq(label), rtype, value))

    def case(key, label, values, **extra):
        cases[key] = dict(name=fq(label), values=list(values), **extra)

    # 9, 10 and 100 sort differently as text and as numbers.
    sizes = {
        "one": ["10.53.1.1"],
        "three": ["10.53.3.9", "10.53.3.10", "10.53.3.100"],
        "hundred": ipv4_range("10.53.100", 100),
        "thousand": ipv4_range("10.53.200", 1000),
    }
    for label, addresses in sizes.items():
        add(label, "A", addresses)
        case(label, label, addresses)

    # As text "fd53::10" and "fd53::100" would come before "fd53::2".
    v6 = ["fd53::1", "fd53::2", "fd53::9", "fd53::10", "fd53::100"]
    add("v6only", "AAAA", v6)
    case("v6only", "v6only", v6)

    mixed_v4 = ["10.53.4.1", "10.53.4.2"]
    mixed_v6 = ["fd53::4:1", "fd53::4:2"]
    add("mixed", "A", mixed_v4)
    add("mixed", "AAAA", mixed_v6)
    case("mixed", "mixed", mixed_v4 + mixed_v6, ipv4=mixed_v4, ipv6=mixed_v6)

    # SRV whose targets have addresses in the zone (one of them dual-stack).
    targets = {
        "node1.srv": (["10.53.5.1"], []),
        "node2.srv": (["10.53.5.2"], ["fd53::5:2"]),
        "node3.srv": (["10.53.5.3"], []),
    }
    for label, (v4, v6_addresses) in targets.items():
        add(label, "A", v4)
        add(label, "AAAA", v6_addresses)
        records.append((fq("_epmd._tcp.srv"), "SRV", "0 0 %d %s." % (SRV_PORT, fq(label))))
    srv_v4 = [a for v4, _v6 in targets.values() for a in v4]
    srv_v6 = [a for _v4, v6_list in targets.values() for a in v6_list]
    case("srv", "_epmd._tcp.srv", srv_v4 + srv_v6, ipv4=srv_v4, hostnames=sorted(fq(label) for label in targets))

    # SRV whose targets are names outside the zone, for srv_target=hostname.
    external = ["node-a.elsewhere.test", "node-b.elsewhere.test"]
    for target in reversed(external):
        records.append((fq("_epmd._tcp.external"), "SRV", "0 0 %d %s." % (SRV_PORT, target)))
    case("srv_hostnames", "_epmd._tcp.external", external)

    # alias -> hop1 -> hop2 -> target: a chain of three CNAMEs.
    chain_target = ["10.53.6.1", "10.53.6.2"]
    add("cname-target", "A", chain_target)
    records.append((fq("alias"), "CNAME", fq("hop1") + "."))
    records.append((fq("hop1"), "CNAME", fq("hop2") + "."))
    records.append((fq("hop2"), "CNAME", fq("cname-target") + "."))
    case("cname", "alias", chain_target, hops=3)

    case("nxdomain", "missing", [])

    # What DNS filters and sinkholes answer for names they block: addresses no node has.
    add("sinkhole", "A", ["0.0.0.0"])
    add("sinkhole", "AAAA", ["::"])
    case("sinkhole", "sinkhole", [], dropped=["0.0.0.0", "::"])
    # One usable address among those.
    unusable_v4 = ["0.0.0.0", "255.255.255.255", "224.0.0.1"]
    add("partly", "A", ["10.53.8.1", *unusable_v4])
    add("partly", "AAAA", ["fd53::8:1", "ff02::1"])
    case("partly", "partly", ["10.53.8.1", "fd53::8:1"], dropped=[*unusable_v4, "ff02::1"])
    # An IPv4-mapped AAAA beside the A record of the same address: one node.
    add("mapped", "A", ["10.53.9.1"])
    add("mapped", "AAAA", ["::ffff:10.53.9.1", "::ffff:10.53.9.2"])
    case("mapped", "mapped", ["10.53.9.1", "10.53.9.2"])

    # SRV whose only target is "." (no service, RFC 2782), and SRV whose target has no address.
    records.append((fq("_epmd._tcp.nothere"), "SRV", "0 0 0 ."))
    case("srv_dot", "_epmd._tcp.nothere", [])
    records.append((fq("_epmd._tcp.lost"), "SRV", "0 0 %d %s." % (SRV_PORT, fq("gone"))))
    case("srv_lost", "_epmd._tcp.lost", [], target=fq("gone"))
    return records, cases


def zone_text(origin, records, nameserver="127.0.0.1"):
    lines = [
        "; The peerage.peerage integration test zone, written by make_zone.py.",
        "$ORIGIN %s." % origin,
        "$TTL 60",
        "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60" % (origin, origin),
        "@ IN NS ns.%s." % origin,
        "ns IN A %s" % nameserver,
    ]
    shuffled = list(records)
    random.Random(SHUFFLE_SEED).shuffle(shuffled)
    lines.extend("%s. IN %s %s" % record for record in shuffled)
    return "\n".join(lines) + "\n"


def write(out_dir, origin=DEFAULT_ORIGIN):
    """Write the zone file and expected.json into ``out_dir``; return their paths."""
    records, cases = build(origin)
    os.makedirs(out_dir, exist_ok=True)
    zone_file = os.path.join(out_dir, "%s.zone" % origin)
    with open(zone_file, "w") as handle:
        handle.write(zone_text(origin, records))
    expected_file = os.path.join(out_dir, "expected.json")
    with open(expected_file, "w") as handle:
        json.dump({"zone": origin, "cases": cases}, handle, indent=1, sort_keys=True)
    return zone_file, expected_file


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--out", required=True, help="directory for the zone file and expected.json")
    parser.add_argument("--origin", default=DEFAULT_ORIGIN, help="zone name (default: %(default)s)")
    args = parser.parse_args(argv)
    zone_file, expected_file = write(args.out, args.origin)
    print(zone_file)
    print(expected_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
