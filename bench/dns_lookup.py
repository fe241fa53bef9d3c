# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A DNS lookup templated on every host of a play: peerage.peerage.dns with and without its run cache, beside
community.general.dig and community.dns.lookup.

    .build/venv/bin/python bench/dns_lookup.py [--runs 3] [--forks 10]

Every lookup asks the same dnsmasq (started here with the integration tests'
setup_dns fixture on 127.53.9.1 port 53, since community.dns.lookup cannot be
given a port; stopped at the end) for the A records of a name with 100
addresses, too many for one UDP answer, so each asker goes on over TCP.
Three plays, each run with ansible-playbook on an inventory of local hosts:

* 200 hosts, forks 10, the lookup referenced once on every host;
* 100 hosts, the lookup referenced three times in one task;
* 100 hosts, a nameserver that never answers (1 s timeout, no retries).

Each play is also run without a lookup (the baseline). For each lookup the
figures are the play's median wall time, its cost per host over the
baseline, and the queries dnsmasq logged for one play. Runs are interleaved
(every play once per run, in a shuffled order, after one untimed warm-up
play per lookup), so a change of load on the machine falls on all alike.
A benchmark only prints figures: it asserts nothing about time.

community.general and community.dns are taken out of the ``ansible`` package
on PyPI (pinned below) into .build/bench-collections; neither is a
dependency of the collection.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".build"
VENV_PYTHON = BUILD / "venv" / "bin" / "python"
COLLECTIONS = BUILD / "bench-collections"
SETUP_DNS = ROOT / "tests" / "integration" / "targets" / "setup_dns" / "files"
# The Ansible community package whose collections go with ansible-core 2.19.
ANSIBLE_PACKAGE = "ansible==12.3.0"
BORROWED = ("community/general", "community/dns")
LISTEN = "127.53.9.1"
DEAD_LISTEN = "127.53.9.2"
DNS_PORT = 53


@dataclass(frozen=True)
class Play:
    label: str
    hosts: int
    references: int
    dead: bool = False


PLAYS = (
    Play("200 hosts, 1 reference", 200, 1),
    Play("100 hosts, 3 references", 100, 3),
    Play("100 hosts, dead nameserver", 100, 1, dead=True),
)

PLAYBOOK = """\
- name: A lookup referenced on every host
  hosts: all
  gather_facts: false
  vars:
    peers: "{{{{ query(bench_lookup, *bench_terms, **bench_options) if bench_lookup else bench_expected }}}}"
  tasks:
    - name: Reference the peers {references} time(s)
      ansible.builtin.assert:
        that: {checks}
        quiet: true
      ignore_errors: {dead}
"""
# One reference to the lookup each.
CHECKS = ["peers | length == 100", "peers | unique | length == 100", "peers[0] is string"]


def say(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


# ------------------------------------------------------------ collections


def ensure_collections() -> dict[str, str]:
    """Put peerage.peerage (this checkout) and the borrowed collections under COLLECTIONS; return their versions."""
    peerage = COLLECTIONS / "ansible_collections" / "peerage" / "peerage"
    if not peerage.exists():
        peerage.parent.mkdir(parents=True, exist_ok=True)
        peerage.symlink_to(ROOT, target_is_directory=True)
    missing = [name for name in BORROWED if not (COLLECTIONS / "ansible_collections" / name / "MANIFEST.json").exists()]
    if missing:
        say("taking %s from PyPI's %s into %s" % (", ".join(missing), ANSIBLE_PACKAGE, COLLECTIONS.relative_to(ROOT)))
        with tempfile.TemporaryDirectory(prefix="peerage-bench-download.") as downloads:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", downloads, ANSIBLE_PACKAGE],
                check=True,
            )
            wheel = next(Path(downloads).glob("ansible-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                for name in missing:
                    prefix = "ansible_collections/%s/" % name
                    shutil.rmtree(COLLECTIONS / prefix, ignore_errors=True)
                    archive.extractall(COLLECTIONS, members=[m for m in archive.namelist() if m.startswith(prefix)])
    return {
        name.replace("/", "."): json.loads((COLLECTIONS / "ansible_collections" / name / "MANIFEST.json").read_text())[
            "collection_info"]["version"]
        for name in BORROWED
    }


# ------------------------------------------------------------- lookups


def lookups(dns_name: str, server: str, dead: bool) -> dict[str, tuple[str, list[str], dict[str, Any]]]:
    """Label -> (lookup, terms, options): the A records of ``dns_name`` at ``server`` (port 53)."""
    # The same patience everywhere a lookup lets it be set: one try of one second.
    peerage = {"nameserver": [server], "record_types": ["A"], "app_name": "x", "timeout": 1, "retries": 0}
    table = {
        "peerage.peerage.dns (cache)": ("peerage.peerage.dns", [dns_name], peerage),
        "peerage.peerage.dns (cache=false)": ("peerage.peerage.dns", [dns_name], dict(peerage, cache=False)),
        "community.dns.lookup": ("community.dns.lookup", [dns_name],
                                 {"type": "A", "server": [server], "query_timeout": 1, "query_retry": 0}),
    }
    if not dead:
        # dig cannot be given a timeout (dnspython's 5 s apply), so it sits out the dead nameserver.
        table["community.general.dig"] = ("community.general.dig", [dns_name, "@" + server], {"qtype": "A"})
    return table


# ------------------------------------------------------------- measuring


class QueryLog:
    """Counts the queries dnsmasq has logged (log-queries), one per line ``query[TYPE] name from ...``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        try:
            return sum(1 for line in self.path.read_text(errors="replace").splitlines() if re.search(r"query\[", line))
        except FileNotFoundError:
            return 0


class Runner:
    """ansible-playbook on local hosts; run() gives the wall time, the queries asked and the ignored failures."""

    def __init__(self, workdir: Path, forks: int, queries: QueryLog) -> None:
        self.workdir = workdir
        self.queries = queries
        (workdir / "ansible.cfg").write_text("[defaults]\nforks = %d\n" % forks)
        self.env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_CONFIG=str(workdir / "ansible.cfg"),
            ANSIBLE_LOCALHOST_WARNING="false",
        )
        for key in [key for key in self.env if key.startswith("PEERAGE_")]:
            del self.env[key]

    def prepare(self, play: Play) -> tuple[Path, Path]:
        inventory = self.workdir / ("hosts-%d.ini" % play.hosts)
        inventory.write_text("[all]\n%s\n[all:vars]\nansible_connection=local\nansible_python_interpreter=%s\n" % (
            "\n".join("h%03d" % n for n in range(1, play.hosts + 1)), sys.executable))
        playbook = self.workdir / ("play-%d-%d-%s.yml" % (play.hosts, play.references, play.dead))
        playbook.write_text(PLAYBOOK.format(
            references=play.references, checks=json.dumps(CHECKS[: play.references]), dead=str(play.dead).lower()))
        return inventory, playbook

    def run(self, play: Play, lookup: str, terms: list[str], options: dict[str, Any],
            expected: list[str]) -> tuple[float, int]:
        inventory, playbook = self.prepare(play)
        params = self.workdir / "params.json"
        params.write_text(json.dumps({"bench_lookup": lookup, "bench_terms": terms, "bench_options": options,
                                      "bench_expected": expected}))
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory), str(playbook),
                   "-e", "@%s" % params]
        before = self.queries.count()
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.workdir, env=self.env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        what = lookup or "the baseline"
        if done.returncode != 0:
            raise RuntimeError("ansible-playbook failed for %s:\n%s" % (what, done.stdout[-3000:]))
        ignored = sum(int(n) for n in re.findall(r"ignored=(\d+)", done.stdout))
        # The lookups must really have answered (or, at the dead nameserver, really have failed) on every host.
        if ignored != (play.hosts if play.dead and lookup else 0):
            raise RuntimeError("%s: %d host(s) failed in %r:\n%s" % (what, ignored, play.label, done.stdout[-3000:]))
        return wall, self.queries.count() - before


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    form = "%%.%df" % digits
    return "%s [%s-%s]" % (
        form % (statistics.median(values) * scale), form % (min(values) * scale), form % (max(values) * scale)
    )


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of every play (default 3)")
    parser.add_argument("--forks", type=int, default=10, help="ansible-playbook forks (default 10)")
    args = parser.parse_args(argv)

    versions = ensure_collections()
    from ansible import __version__ as core_version
    from dns.version import version as dnspython_version

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server
    import make_zone

    dnsmasq = subprocess.run(["dnsmasq", "--version"], capture_output=True, text=True, check=True).stdout.split()[2]
    load_before = os.getloadavg()
    state = Path(tempfile.mkdtemp(prefix="peerage-bench-dns."))
    # (play, label) -> wall times and query counts; (play, "") is the baseline.
    walls: dict[tuple[Play, str], list[float]] = {}
    queries: dict[tuple[Play, str], list[int]] = {}
    labels: dict[Play, list[str]] = {}
    try:
        zone_file, expected_file = make_zone.write(str(state))
        case = json.loads(Path(expected_file).read_text())["cases"]["hundred"]
        dns_server.start_dns(str(state), zone_file, listen=LISTEN, port=DNS_PORT, log_queries=True)
        dns_server.start_blackhole(str(state), listen=DEAD_LISTEN, port=DNS_PORT)
        say("dnsmasq %s serves the test zone on %s:%d; nothing answers on %s:%d"
            % (dnsmasq, LISTEN, DNS_PORT, DEAD_LISTEN, DNS_PORT))
        workdir = state / "play"
        workdir.mkdir()
        runner = Runner(workdir, args.forks, QueryLog(state / "dns.log"))
        expected = ["x@%s" % address for address in case["values"]]
        say("warming up: every lookup once on 10 hosts, not timed")
        for lookup, terms, options in lookups(case["name"], LISTEN, False).values():
            runner.run(Play("warm-up", 10, 1), lookup, terms, options, expected)
        # A fixed seed: the same order for the same --runs, but not always the baseline first.
        order = random.Random(53)
        for run in range(args.runs):
            say("run %d of %d" % (run + 1, args.runs))
            for play in PLAYS:
                table = lookups(case["name"], DEAD_LISTEN if play.dead else LISTEN, play.dead)
                labels[play] = list(table)
                items = [("", ("", [], {})), *table.items()]
                order.shuffle(items)
                for label, (lookup, terms, options) in items:
                    wall, asked = runner.run(play, lookup, terms, options, expected)
                    walls.setdefault((play, label), []).append(wall)
                    queries.setdefault((play, label), []).append(asked)
    finally:
        dns_server.stop(str(state))
        shutil.rmtree(state, ignore_errors=True)

    print("peerage.peerage.dns beside community.general.dig %s and community.dns.lookup %s; ansible-core %s,"
          " dnspython %s, dnsmasq %s on loopback; forks %d."
          % (versions["community.general"], versions["community.dns"], core_version, dnspython_version, dnsmasq,
             args.forks))
    # Other work on the machine shows in every figure; the load average says how much there was.
    print("Load average (1, 5 min) %.2f, %.2f before, %.2f, %.2f after, on %d CPUs."
          % (*load_before[:2], *os.getloadavg()[:2], os.cpu_count() or 0))
    print("Median [min-max] of %d interleaved runs. ms/host = (median play - median baseline) / hosts;"
          " queries = what dnsmasq logged in one play (median)." % args.runs)
    header = ("play", "lookup", "play s", "ms/host", "vs dig", "queries")
    rows = []
    for play in PLAYS:
        baseline = statistics.median(walls[play, ""])
        per_host = {label: (statistics.median(walls[play, label]) - baseline) * 1000 / play.hosts
                    for label in labels[play]}
        dig = per_host.get("community.general.dig")
        rows.append((play.label, "(no lookup)", spread(walls[play, ""]), "", "", ""))
        for label in labels[play]:
            rows.append(("", label, spread(walls[play, label]), "%.1f" % per_host[label],
                         "%.2fx" % (per_host[label] / dig) if dig else "",
                         "-" if play.dead else "%d" % statistics.median(queries[play, label])))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    if importlib.util.find_spec("ansible") is None:
        if not VENV_PYTHON.exists():
            sys.exit("ansible-core is not importable: run scripts/bootstrap, then .build/venv/bin/python %s" % __file__)
        # ansible-core and dnspython live in the project's venv.
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    sys.exit(main())
