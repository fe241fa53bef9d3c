# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a peerage lookup costs per host beside the cheapest lookup there is, in a play.

    .build/venv/bin/python bench/lookup_floor.py [--against 02b1699] [--hosts 200] [--runs 5] [--forks 10]

One play on 200 local hosts, ``forks 10``, one ``assert`` task per host that
references a lookup once. The floor is ``bench.floor.constant``, a lookup of
a tiny collection that returns its terms (cold_lookup.py writes it); beside
it ``peerage.peerage.list`` and ``peerage.peerage.dns`` answered from the
run's cache (the first host asks a local dnsmasq, setup_dns's fixture on a
free port of 127.53.9.1, for 3 A records; the other hosts read its answer),
of this checkout and of an earlier revision, and the play without a lookup
(the baseline). Runs are interleaved in a shuffled order after one untimed
warm-up play each. ms/host = (median play - median baseline) / hosts, and
that cost over the floor's, for the play's wall time and for the CPU time
(user + system) of the play and every process it started: on a shared
machine other work lengthens the wall time of a play far more than its CPU
time. ``--against ''`` leaves the earlier revision out.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cold_lookup import BUILD, SETUP_DNS, collection_of, floor_collection, print_table, say

PLAYBOOK = """\
- name: A lookup referenced once on every host
  hosts: all
  gather_facts: false
  vars:
    peers: "{{ query(bench_lookup, *bench_terms, **bench_options) if bench_lookup else bench_expected }}"
  tasks:
    - name: Reference the peers
      ansible.builtin.assert:
        that: peers == bench_expected
        quiet: true
"""


def run_play(workdir: Path, collections: list[Path], lookup: str, terms: list[str], options: dict,
             expected: list[str], hosts: int) -> tuple[float, float]:
    """The play's wall time and the CPU time (user + system) of it and every process it started, in seconds."""
    params = workdir / "params.json"
    params.write_text(json.dumps({"bench_lookup": lookup, "bench_terms": terms, "bench_options": options,
                                  "bench_expected": expected}))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(str(path) for path in collections),
               ANSIBLE_CONFIG=str(workdir / "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="false")
    for key in [key for key in env if key.startswith("PEERAGE_")]:
        del env[key]
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(workdir / "hosts.ini"),
               str(workdir / "play.yml"), "-e", "@%s" % params]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        raise RuntimeError("the play failed for %s:\n%s" % (lookup or "the baseline", done.stdout[-3000:]))
    return wall, cpu


def _children_cpu() -> float:
    # The workers are waited for by ansible-playbook, which this process waits for: all of them count here.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--against", default="02b1699",
                        help="the earlier revision (default 02b1699; an empty string: this checkout only)")
    parser.add_argument("--hosts", type=int, default=200, help="hosts in the play (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="runs of every play (default 5)")
    parser.add_argument("--forks", type=int, default=10, help="ansible-playbook forks (default 10)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server
    import make_zone

    versions = {args.against: collection_of(args.against)} if args.against else {}
    versions["this checkout"] = collection_of(None)
    floor = floor_collection()
    state = Path(tempfile.mkdtemp(prefix="peerage-bench-floor."))
    load_before = os.getloadavg()
    walls: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    try:
        zone_file, expected_file = make_zone.write(str(state))
        three = json.loads(Path(expected_file).read_text())["cases"]["three"]
        server = dns_server.start_dns(str(state), zone_file, listen="127.53.9.1")
        # The zone lists them in the collection's order (numeric), which every lookup here returns.
        expected = ["x@%s" % address for address in three["values"]]
        workdir = state / "play"
        workdir.mkdir()
        (workdir / "ansible.cfg").write_text("[defaults]\nforks = %d\n" % args.forks)
        (workdir / "hosts.ini").write_text("[all]\n%s\n[all:vars]\nansible_connection=local\n"
                                           "ansible_python_interpreter=%s\n"
                                           % ("\n".join("h%03d" % n for n in range(1, args.hosts + 1)), sys.executable))
        (workdir / "play.yml").write_text(PLAYBOOK)
        plays = {"no lookup (baseline)": ([floor], "", [], {})}
        plays["floor: bench.floor.constant"] = ([floor], "bench.floor.constant", expected, {})
        for label, collections in versions.items():
            plays["list, %s" % label] = ([collections], "peerage.peerage.list", expected, {})
            plays["dns from the cache, %s" % label] = (
                [collections], "peerage.peerage.dns", [three["name"]],
                {"app_name": "x", "nameserver": [server], "record_types": ["A"]})
        say("warming up: every play once, not timed")
        for collections, lookup, terms, options in plays.values():
            run_play(workdir, collections, lookup, terms, options, expected, args.hosts)
        order = random.Random(53)
        for run in range(args.runs):
            say("run %d of %d" % (run + 1, args.runs))
            items = list(plays.items())
            order.shuffle(items)
            for label, (collections, lookup, terms, options) in items:
                wall, cpu = run_play(workdir, collections, lookup, terms, options, expected, args.hosts)
                walls.setdefault(label, []).append(wall)
                cpus.setdefault(label, []).append(cpu)
    finally:
        dns_server.stop(str(state))
        shutil.rmtree(state, ignore_errors=True)

    print("One lookup per host in a play of %d local hosts, forks %d; median [min-max] of %d interleaved runs."
          % (args.hosts, args.forks, args.runs))
    print("Load average (1, 5 min) %.2f, %.2f before, %.2f, %.2f after, on %d CPUs."
          % (*load_before[:2], *os.getloadavg()[:2], os.cpu_count() or 0))
    print("Wall: the play's time; CPU: user + system time of the play and every process it started, which other"
          " work on the machine disturbs less. ms/host = (median - baseline's median) / hosts.")
    header = ("play", "wall s", "ms/host", "vs floor", "CPU s", "CPU ms/host", "vs floor")
    rows = []
    costs = {}
    for figures in (walls, cpus):
        baseline = statistics.median(figures["no lookup (baseline)"])
        costs[id(figures)] = {label: (statistics.median(values) - baseline) * 1000 / args.hosts
                              for label, values in figures.items()}
    for label in walls:
        row = [label]
        for figures in (walls, cpus):
            values, per_host = figures[label], costs[id(figures)]
            row.append("%.2f [%.2f-%.2f]" % (statistics.median(values), min(values), max(values)))
            if label.startswith("no lookup"):
                row += ["", ""]
            else:
                row += ["%.1f" % per_host[label], "%.2fx" % (per_host[label] / per_host["floor: bench.floor.constant"])]
        rows.append(tuple(row))
    print_table(header, rows)
    return 0


if __name__ == "__main__":
    venv_python = BUILD / "venv" / "bin" / "python"
    if Path(sys.executable) != venv_python and venv_python.exists():
        # ansible-core and dnspython live in the project's venv.
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    sys.exit(main())
