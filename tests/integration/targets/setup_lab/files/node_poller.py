# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Watch the lab's Erlang nodes every 50 ms, and judge what a test window of the record shows.

``poll`` records, for every host, whether its node answers (its distribution
port accepts a TCP connection from the root namespace, over the lab's bridge)
and its OS pid (from the node service's pid file, if that process is a
running beam.smp): one line per sample, ``T host=UP:PID ...``. A test appends
``# mark NAME`` lines to the same file (O_APPEND: lines stay whole) to cut it
into windows.

``check`` reads one window (from ``--since`` MARK up to ``--until`` MARK or
the end) and fails, naming the host and the moment, unless:

- ``--kept H,...``: each host answered in every sample and kept one pid;
- ``--restarts H=N,...``: each host's node was restarted exactly N times
  (it had N+1 pids, in order; a node that only stopped or only started counts none);
- ``--max-down K``: at no sample were more than K of ``--hosts`` down;
- ``--all-down-once``: at some sample all of ``--hosts`` were down together;
- ``--order H,...``: the hosts went down for the first time in this order;
- ``--up H,...``: each host answers in the window's last sample;
- ``--down H,...``: each host answered in no sample of the window.

Command line::

    python3 node_poller.py poll  --log FILE --host NAME=ADDRESS:PORT:PIDFILE ... [--interval 0.05]
    python3 node_poller.py check --log FILE --since MARK [--until MARK] [--hosts H,...] [--kept ...]
                                 [--restarts ...] [--max-down K] [--all-down-once] [--order ...]
                                 [--up ...] [--down ...]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time

INTERVAL = 0.05
CONNECT_TIMEOUT = 0.04


def node_pid(pidfile: str) -> int | None:
    try:
        with open(pidfile, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
        with open("/proc/%d/comm" % pid, encoding="utf-8") as handle:
            return pid if handle.read().strip() == "beam.smp" else None
    except (OSError, ValueError):
        return None


def answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), CONNECT_TIMEOUT):
            return True
    except OSError:
        return False


def poll(args: argparse.Namespace) -> None:
    hosts = []
    for spec in args.host:
        name, rest = spec.split("=", 1)
        address, port, pidfile = rest.split(":", 2)
        hosts.append((name, address, int(port), pidfile))
    descriptor = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    while True:
        started = time.monotonic()
        fields = []
        for name, address, port, pidfile in hosts:
            pid = node_pid(pidfile)
            fields.append("%s=%d:%s" % (name, int(answers(address, port)), pid or "-"))
        os.write(descriptor, ("%.3f %s\n" % (time.time(), " ".join(fields))).encode())
        time.sleep(max(0.0, args.interval - (time.monotonic() - started)))


def window(path: str, since: str, until: str | None) -> list[tuple[float, dict[str, tuple[bool, str]]]]:
    samples = []
    inside = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("# mark "):
                mark = line[len("# mark "):]
                if mark == since:
                    inside, samples = True, []
                elif until is not None and mark == until and inside:
                    break
                continue
            if not inside or not line:
                continue
            stamp, *fields = line.split()
            state = {}
            for field in fields:
                name, value = field.split("=", 1)
                up, pid = value.split(":", 1)
                state[name] = (up == "1", pid)
            samples.append((float(stamp), state))
    if not inside:
        raise SystemExit("node_poller: no mark %r in %s" % (since, path))
    return samples


def names(value: str | None) -> list[str]:
    return [item for item in (value or "").split(",") if item]


def check(args: argparse.Namespace) -> int:
    samples = window(args.log, args.since, args.until)
    if not samples:
        print("node_poller: no samples between %r and %r" % (args.since, args.until))
        return 1
    problems = []
    first = samples[0][0]
    for host in names(args.kept):
        pids = {state[host][1] for _t, state in samples}
        down = [stamp - first for stamp, state in samples if not state[host][0]]
        if len(pids) != 1 or "-" in pids:
            problems.append("%s did not keep its pid: %s" % (host, sorted(pids)))
        if down:
            problems.append("%s did not answer for %d samples, first at +%.2fs" % (host, len(down), down[0]))
    for spec in names(args.restarts):
        host, wanted = spec.split("=")
        seen = [state[host][1] for _t, state in samples if state[host][1] != "-"]
        # A restart leaves a gap with no pid: count the pids seen, in order.
        pids = [pid for index, pid in enumerate(seen) if index == 0 or seen[index - 1] != pid]
        if len(pids) - 1 != int(wanted):
            problems.append("%s was restarted %d times, not %s (pids in order: %s)" % (
                host, len(pids) - 1, wanted, pids))
    if args.max_down is not None:
        hosts = names(args.hosts)
        for stamp, state in samples:
            down = [host for host in hosts if not state[host][0]]
            if len(down) > args.max_down:
                problems.append("%d hosts down at once at +%.2fs: %s" % (len(down), stamp - first, down))
                break
    if args.all_down_once:
        hosts = names(args.hosts)
        if not any(all(not state[host][0] for host in hosts) for _t, state in samples):
            problems.append("%s were never down at the same moment" % ", ".join(hosts))
    if args.order:
        firsts = []
        for host in names(args.order):
            down = [stamp for stamp, state in samples if not state[host][0]]
            firsts.append((down[0] if down else float("inf"), host))
        if [host for _t, host in sorted(firsts)] != names(args.order):
            problems.append("hosts went down in the order %s, not %s" % (
                ", ".join("%s (+%.2fs)" % (host, stamp - first) for stamp, host in sorted(firsts)), args.order))
    for host in names(args.down):
        if any(state[host][0] for _t, state in samples):
            problems.append("%s answered, but should have stayed down" % host)
    for host in names(args.up):
        if not samples[-1][1][host][0]:
            problems.append("%s does not answer at the end of the window" % host)
    span = samples[-1][0] - first
    print("node_poller: window %s..%s: %d samples over %.1fs" % (args.since, args.until or "end", len(samples), span))
    for problem in problems:
        print("node_poller: " + problem)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    watch = sub.add_parser("poll")
    watch.add_argument("--log", required=True)
    watch.add_argument("--host", action="append", required=True)
    watch.add_argument("--interval", type=float, default=INTERVAL)
    judge = sub.add_parser("check")
    judge.add_argument("--log", required=True)
    judge.add_argument("--since", required=True)
    judge.add_argument("--until")
    judge.add_argument("--hosts")
    judge.add_argument("--kept")
    judge.add_argument("--restarts")
    judge.add_argument("--max-down", type=int)
    judge.add_argument("--all-down-once", action="store_true")
    judge.add_argument("--order")
    judge.add_argument("--up")
    judge.add_argument("--down")
    args = parser.parse_args(argv)
    if args.command == "poll":
        poll(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
