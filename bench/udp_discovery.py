# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How long a UDP probe takes to know every peer, beside Peerage's announce-and-wait.

    sudo .build/venv/bin/python bench/udp_discovery.py [--sizes 4,8] [--runs 7] [--loss 0] [--subnet 82]

For each lab size N (network namespaces on one bridge, built with the
integration tests' lab.py), a beacon runs on every host; then, run after
run, one host (h1, h2, ... in turn) probes with ``expect: N-1`` and
``include_self: false``. The figure is the probe's own ``elapsed``: from its
start until it knows all N-1 peers (or its 10 s timeout). Each probe is a new
Python process, as a module run is.

Beside it, Peerage's ``Udp`` provider: every node announces itself every
3-7 s (uniform), and a node that starts knows a peer only once that peer
announces again. Simulated here (fixed seed): the wait for the first
announcement and for all N-1. Peerage then connects at its next poll
(every 10 s by default), which is not counted.

Needs root (namespaces); removes everything it made. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB_FILES = ROOT / "tests" / "integration" / "targets" / "setup_lab" / "files"
APP = "bench"

PROBE = """
import json, sys
from ansible_collections.peerage.peerage.plugins.module_utils.providers.udp import probe
options = json.loads(sys.argv[1])
print(json.dumps(probe(options).to_dict()))
"""


def collection_path(work: Path) -> str:
    """A folder where ``ansible_collections.peerage.peerage`` is this checkout."""
    namespace = work / "ansible_collections" / "peerage"
    namespace.mkdir(parents=True)
    (namespace / "peerage").symlink_to(ROOT)
    return str(work)


def peerage_style(peers: int, trials: int = 20000, seed: int = 45900) -> tuple[float, float]:
    """Median seconds until a starting node hears the first, and all, of ``peers`` Peerage nodes."""
    rng = random.Random(seed)
    first, every = [], []
    for _trial in range(trials):
        waits = []
        for _peer in range(peers):
            # A peer that has been running a while: its announcements are 3-7 s apart.
            moment = -rng.uniform(0, 60)
            while moment < 0:
                moment += rng.uniform(3, 7)
            waits.append(moment)
        first.append(min(waits))
        every.append(max(waits))
    return statistics.median(first), statistics.median(every)


def measure(lab, size: int, runs: int, pythonpath: str, loss: float) -> list[float]:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    beacons = []
    for host in lab.hosts:
        argv = [
            lab.python, "-m", "ansible_collections.peerage.peerage.plugins.module_utils.udp.program",
            "--app-name", APP, "--address", lab.address(host), "--interface", "eth0", "--lifetime", "600",
        ]
        beacon = lab.popen(host, argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = beacon.stdout.readline().strip()
        if not ready.startswith("ready "):
            raise SystemExit("beacon on %s did not start: %r" % (host, ready))
        beacons.append(beacon)
    lab.netem(loss)
    times = []
    try:
        for run in range(runs):
            host = lab.hosts[run % size]
            options = {
                "app_name": APP,
                "address": lab.address(host),
                "interface": "eth0",
                "include_self": False,
                "expect": size - 1,
                "timeout": 10,
            }
            done = lab.exec(host, [lab.python, "-c", PROBE, json.dumps(options)], env=env,
                            capture_output=True, text=True, check=True)
            result = json.loads(done.stdout)
            if not result["complete"]:
                print("  run %d from %s: only %d of %d peers" % (run + 1, host, len(result["peers"]), size - 1))
            times.append(result["elapsed"])
    finally:
        lab.netem(0)
        for beacon in beacons:
            beacon.terminate()
            beacon.wait()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--sizes", default="4,8", help="lab sizes N, comma-separated (default 4,8)")
    parser.add_argument("--runs", type=int, default=7, help="probes per size (default 7)")
    parser.add_argument("--loss", type=float, default=0.0, help="percent of packets lost into every host")
    parser.add_argument("--subnet", type=int, default=82, help="lab subnet 198.18.K.0/24 (default 82)")
    args = parser.parse_args()
    sys.path.insert(0, str(LAB_FILES))
    from lab import Lab  # the lab lives with the integration tests

    rows = []
    with tempfile.TemporaryDirectory(prefix="peerage-bench-udp.") as work:
        pythonpath = collection_path(Path(work))
        for size in (int(value) for value in args.sizes.split(",")):
            print("lab of %d hosts: %d probes..." % (size, args.runs), flush=True)
            with Lab(os.path.join(work, "lab-%d" % size), hosts=size, subnet=args.subnet) as lab:
                times = measure(lab, size, args.runs, pythonpath, args.loss)
            first, every = peerage_style(size - 1)
            rows.append((size, times, first, every))

    print()
    print("UDP discovery, time until a new node knows all N-1 peers (loss %g%%)" % args.loss)
    print("%3s  %-30s  %-36s" % ("N", "probe with expect=N-1", "Peerage-style announcements (sim.)"))
    print("%3s  %-30s  %-17s %-18s" % ("", "median [min-max] of runs", "first heard", "all N-1 heard"))
    for size, times, first, every in rows:
        probe = "%.3f s [%.3f-%.3f] n=%d" % (statistics.median(times), min(times), max(times), len(times))
        print("%3d  %-30s  %-17s %-18s" % (size, probe, "%.2f s" % first, "%.2f s" % every))
    return 0


if __name__ == "__main__":
    sys.exit(main())
