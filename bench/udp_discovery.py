# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How long a UDP probe takes to know every peer, beside Peerage's announce-and-wait.

    sudo .build/venv/bin/python bench/udp_discovery.py [--sizes 32,128,250] [--runs 7] [--loss 0]
                              [--spread-max S] [--gap 10] [--code PATH] [--net 77]

For each size N, N network namespaces on one bridge (198.19.0.0/16, no sshd:
a beacon needs none), and a beacon on every host. Once every beacon has
heard the others (one announcement interval), run after run one host (h1,
h2, ... in turn) probes with ``expect: N-1`` and ``include_self: false``,
once with its receive buffers sized from ``expect`` (as the collection does;
its buffer then holds every reply, so its first probe gives the beacons a
reply window of 0: answered at once, by unicast, no announcements) and once
with the system's default buffers (which hold about 26 replies: no window,
replies spread over up to 0.4 s, announcements brought forward), interleaved,
``--gap`` seconds apart. The figure is the
probe's own ``elapsed``: from its start until it knows all N-1 peers (or its
10 s timeout). Each probe is a new Python process, as a module run is.
``RcvbufErrors`` of ``/proc/net/snmp`` in the probing host's namespace is
read before and after every probe: the replies the kernel dropped because
the probe's receive buffer was full.

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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB_FILES = ROOT / "tests" / "integration" / "targets" / "setup_lab" / "files"
APP = "bench"

PROBE = """
import json, sys
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp
from ansible_collections.peerage.peerage.plugins.module_utils.udp import transport
options, sized = json.loads(sys.argv[1])
if not sized:
    transport.receive_buffer_for = lambda expected: None  # the system's default buffers
def rcvbuf_errors():
    with open("/proc/net/snmp") as snmp:
        rows = [line.split() for line in snmp if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])
before = rcvbuf_errors()
result = udp.probe(options).to_dict()
result["rcvbuf_errors"] = rcvbuf_errors() - before
print(json.dumps(result))
"""
# A beacon, optionally with another bound on its reply spread (--spread-max), to see what the spread costs.
BEACON = """
import sys
from ansible_collections.peerage.peerage.plugins.module_utils.udp import beacon, program
if sys.argv[1] != "default":
    beacon.REPLY_SPREAD_MAX = float(sys.argv[1])
raise SystemExit(program.main(sys.argv[2:]))
"""
# The beacons' announcement interval: every beacon has heard every other after one.
BEACON_INTERVAL = 5.0


def collection_path(work: Path, code: Path = ROOT) -> str:
    """A folder where ``ansible_collections.peerage.peerage`` is ``code`` (default: this checkout)."""
    namespace = work / "ansible_collections" / "peerage"
    namespace.mkdir(parents=True)
    (namespace / "peerage").symlink_to(code.resolve())
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


def ip_batch(commands: list[str], namespace: str | None = None) -> None:
    """Run ``ip`` commands in one process (``ip -batch``), in ``namespace`` when given."""
    argv = ["ip", *(["-n", namespace] if namespace else []), "-batch", "-"]
    done = subprocess.run(argv, input="\n".join(commands) + "\n", capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("ip -batch failed: %s" % done.stderr.strip())


class BeaconNet:
    """N namespaces h1..hN on a bridge, addresses 198.19.0.0/16; no sshd, beacons only."""

    def __init__(self, size: int, net: int) -> None:
        self.size = size
        self.bridge = "pgub%d" % net
        self.prefix = "pgu%d" % net
        self.hosts = ["h%d" % index for index in range(1, size + 1)]

    def namespace(self, host: str) -> str:
        return "%s-%s" % (self.prefix, host)

    def veth(self, host: str) -> str:
        return "%sv%s" % (self.prefix, host[1:])

    @staticmethod
    def address(host: str) -> str:
        index = int(host[1:])
        return "198.19.%d.%d" % (index // 200, index % 200 + 10)

    def __enter__(self) -> BeaconNet:
        self.down()
        try:
            ip_batch(["link add %s type bridge mcast_snooping 0 stp_state 0 forward_delay 0" % self.bridge,
                      "addr add 198.19.255.1/16 dev %s" % self.bridge, "link set %s up" % self.bridge])
            root = []
            for host in self.hosts:
                root += ["netns add %s" % self.namespace(host),
                         "link add %s type veth peer name eth0 netns %s" % (self.veth(host), self.namespace(host)),
                         "link set %s master %s up" % (self.veth(host), self.bridge)]
            ip_batch(root)
            for host in self.hosts:
                ip_batch(["link set lo up", "addr add %s/16 dev eth0" % self.address(host), "link set eth0 up",
                          "route add 224.0.0.0/4 dev eth0"], self.namespace(host))
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()

    def down(self) -> None:
        """Remove every namespace of this size's prefix (its processes are killed first) and the bridge."""
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
        mine = [line.split()[0] for line in listed.splitlines() if line.startswith(self.prefix + "-h")]
        for namespace in mine:
            pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False)
            for pid in pids.stdout.split():
                subprocess.run(["kill", "-9", pid], check=False)
        if mine:
            ip_batch(["netns delete %s" % namespace for namespace in mine])
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, check=False)

    def argv(self, host: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace(host), *argv]

    def set_loss(self, loss: float) -> None:
        from lab import Lab  # the integration tests' lab: its way of dropping a share of frames

        for host in self.hosts:
            Lab._set_loss(self.veth(host), loss)


def measure(net: BeaconNet, runs: int, pythonpath: str, loss: float, spread_max: str,
            gap: float) -> dict[bool, list[dict]]:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    beacons = []
    results: dict[bool, list[dict]] = {True: [], False: []}
    try:
        for host in net.hosts:
            argv = [
                sys.executable, "-c", BEACON, spread_max,
                "--app-name", APP, "--address", net.address(host), "--interface", "eth0", "--lifetime", "600",
            ]
            beacons.append(subprocess.Popen(net.argv(host, argv), env=env, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL, text=True))
        for host, beacon in zip(net.hosts, beacons, strict=True):
            ready = beacon.stdout.readline().strip()
            if not ready.startswith("ready "):
                raise SystemExit("beacon on %s did not start: %r" % (host, ready))
        # Every beacon announces within one interval, so each has heard the others and spreads its replies fully.
        time.sleep(BEACON_INTERVAL + 1)
        net.set_loss(loss)
        for run in range(runs):
            host = net.hosts[run % net.size]
            options = {
                "app_name": APP,
                "address": net.address(host),
                "interface": "eth0",
                "include_self": False,
                "expect": net.size - 1,
                "timeout": 10,
            }
            for sized in ((True, False) if run % 2 == 0 else (False, True)):
                done = subprocess.run(net.argv(host, [sys.executable, "-c", PROBE, json.dumps([options, sized])]),
                                      env=env, capture_output=True, text=True, check=True)
                result = json.loads(done.stdout)
                if not result["complete"]:
                    print("  run %d from %s (%s buffers): only %d of %d peers"
                          % (run + 1, host, "sized" if sized else "default", len(result["peers"]), net.size - 1))
                results[sized].append(result)
                # A probe without a window brings N announcements forward, each read by all N beacons: on a few
                # cores that storm outlasts the probe; let it pass so that it does not slow down the next one.
                time.sleep(gap)
    finally:
        net.set_loss(0)
        for beacon in beacons:
            beacon.terminate()
        for beacon in beacons:
            beacon.wait()
    return results


def figure(results: list[dict]) -> str:
    times = [result["elapsed"] for result in results]
    complete = sum(1 for result in results if result["complete"])
    return "%.3f s [%.3f-%.3f] %d/%d" % (statistics.median(times), min(times), max(times), complete, len(times))


def each_run(results: list[dict]) -> str:
    return ",".join("%.3f" % result["elapsed"] for result in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("--sizes", default="32,128,250", help="numbers of hosts N (default 32,128,250)")
    parser.add_argument("--runs", type=int, default=7, help="probes per size and buffer (default 7)")
    parser.add_argument("--loss", type=float, default=0.0, help="percent of packets lost into every host")
    parser.add_argument("--spread-max", default="default",
                        help="seconds: the beacons spread their replies over at most this (default: theirs, 0.4)")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the collection whose probe and beacon run (default: this checkout), such as an earlier"
                             " revision's files from git archive")
    parser.add_argument("--gap", type=float, default=10.0,
                        help="seconds between two probes (default 10: the announcements a probe without a window"
                             " brings forward, N read by N beacons, take seconds to pass on a few cores)")
    parser.add_argument("--net", type=int, default=77, help="names the bridge pgubNET and namespaces pguNET-hI")
    args = parser.parse_args()
    sys.path.insert(0, str(LAB_FILES))
    if os.geteuid() != 0:
        raise SystemExit("needs root: it makes network namespaces")

    rows = []
    with tempfile.TemporaryDirectory(prefix="peerage-bench-udp.") as work:
        pythonpath = collection_path(Path(work), args.code)
        for size in (int(value) for value in args.sizes.split(",")):
            print("%d hosts: %d probes with sized and with default buffers..." % (size, args.runs), flush=True)
            load = os.getloadavg()[0]
            with BeaconNet(size, args.net) as net:
                results = measure(net, args.runs, pythonpath, args.loss, args.spread_max, args.gap)
            first, every = peerage_style(size - 1)
            rows.append((size, results, first, every, load, os.getloadavg()[0]))

    print()
    print("UDP discovery, time until a new node knows all N-1 peers (loss %g%%, beacons' reply spread at most %s);"
          " %d CPUs" % (args.loss, "0.4 s" if args.spread_max == "default" else args.spread_max + " s",
                        os.cpu_count()))
    print("code: %s; probe: median [min-max] of runs, runs complete; RcvbufErrors: replies dropped at the probe,"
          " per run" % args.code)
    header = ("N", "load", "probe, sized buffers", "RcvbufErrors", "probe, default buffers", "RcvbufErrors",
              "Peerage: first heard", "all N-1 heard")
    table = [header]
    for size, results, first, every, load_before, load_after in rows:
        table.append((
            str(size), "%.1f/%.1f" % (load_before, load_after),
            figure(results[True]), ",".join(str(r["rcvbuf_errors"]) for r in results[True]),
            figure(results[False]), ",".join(str(r["rcvbuf_errors"]) for r in results[False]),
            "%.2f s" % first, "%.2f s" % every,
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print("Each run, s (sized; default):")
    for size, results, *_rest in rows:
        print("  N=%d: %s; %s" % (size, each_run(results[True]), each_run(results[False])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
