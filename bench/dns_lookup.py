# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Time one DNS lookup through peerage.peerage.dns beside community.general.dig.

    .build/venv/bin/python bench/dns_lookup.py [--runs 7] [--calls 50] [--playbook-runs 5] [--playbook-calls 50]

Both lookups ask the same local dnsmasq (started here with the integration
tests' setup_dns fixture, stopped at the end) the same question: the A
records of a name with 3 and of one with 100 addresses (the latter is
truncated over UDP and asked again over TCP). Three figures per lookup,
each the median [min-max] over several runs:

* in-process: the time of one ``LookupModule.run()`` call, plugin loaded;
* cold call: a new Python process loading the plugin and calling it once,
  as every forked Ansible worker does for a lookup in a task;
* playbook: the wall time of ``ansible-playbook`` with one task looping the
  lookup, and the same loop without a lookup; their difference per call.

community.general is installed only into .build/bench-collections (from
Galaxy, or else taken out of the ``ansible`` package on PyPI); it is no
dependency of the collection. A benchmark only prints figures: it asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".build"
VENV_PYTHON = BUILD / "venv" / "bin" / "python"
COLLECTIONS = BUILD / "bench-collections"
SETUP_DNS = ROOT / "tests" / "integration" / "targets" / "setup_dns" / "files"
# The Ansible community package whose community.general goes with ansible-core 2.19.
ANSIBLE_PACKAGE = "ansible==12.3.0"
GENERAL_PREFIX = "ansible_collections/community/general/"
CASES = ("three", "hundred")

PLAYBOOK = """\
- name: One task that runs a lookup in a loop
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Look up
      ansible.builtin.set_fact:
        found: "{{ query(bench_lookup, *bench_terms, **bench_options) if bench_lookup else bench_terms }}"
      loop: "{{ range(bench_calls | int) | list }}"
"""

COLD_CALL = """\
import json, sys, time
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
name, terms, options, collections = json.loads(sys.argv[1])
init_plugin_loader([collections])
started = time.perf_counter()
plugin = lookup_loader.get(name, loader=DataLoader(), templar=None)
plugin.run(terms, variables={}, **options)
print(time.perf_counter() - started)
"""


def say(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


# ------------------------------------------------------------ collections


def ensure_collections() -> str:
    """Put peerage.peerage (this checkout) and community.general under COLLECTIONS; return the latter's version."""
    peerage = COLLECTIONS / "ansible_collections" / "peerage" / "peerage"
    if not peerage.exists():
        peerage.parent.mkdir(parents=True, exist_ok=True)
        peerage.symlink_to(ROOT, target_is_directory=True)
    general = COLLECTIONS / GENERAL_PREFIX
    if not (general / "plugins" / "lookup" / "dig.py").exists():
        install_community_general(general)
    return json.loads((general / "MANIFEST.json").read_text())["collection_info"]["version"]


def install_community_general(general: Path) -> None:
    galaxy = Path(sys.executable).with_name("ansible-galaxy")
    say("installing community.general into %s" % COLLECTIONS.relative_to(ROOT))
    try:
        done = subprocess.run(
            [str(galaxy), "collection", "install", "community.general", "-p", str(COLLECTIONS)],
            capture_output=True, text=True, timeout=180, check=False,
        )
        if done.returncode == 0 and (general / "plugins" / "lookup" / "dig.py").exists():
            return
        reason = ((done.stderr or done.stdout).strip().splitlines() or ["no output"])[-1]
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = str(exc)
    say("Galaxy cannot be used (%s); taking community.general from PyPI's %s" % (reason, ANSIBLE_PACKAGE))
    with tempfile.TemporaryDirectory(prefix="peerage-bench-download.") as downloads:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", downloads, ANSIBLE_PACKAGE],
            check=True,
        )
        wheel = next(Path(downloads).glob("ansible-*.whl"))
        shutil.rmtree(general, ignore_errors=True)
        with zipfile.ZipFile(wheel) as archive:
            members = [name for name in archive.namelist() if name.startswith(GENERAL_PREFIX)]
            archive.extractall(COLLECTIONS, members=members)


# ------------------------------------------------------------- measuring


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    form = "%%.%df" % digits
    return "%s [%s-%s]" % (
        form % (statistics.median(values) * scale), form % (min(values) * scale), form % (max(values) * scale)
    )


def calls_time(plugin: Any, terms: list[str], options: dict[str, Any], calls: int) -> float:
    """Seconds per call over ``calls`` calls in this process."""
    started = time.perf_counter()
    for _call in range(calls):
        plugin.run(terms, variables={}, **options)
    return (time.perf_counter() - started) / calls


def cold_call(name: str, terms: list[str], options: dict[str, Any]) -> float:
    """Seconds for a new process to load the lookup and call it once (start-up of Python itself left out)."""
    argument = json.dumps([name, terms, options, str(COLLECTIONS)])
    done = subprocess.run([sys.executable, "-c", COLD_CALL, argument], capture_output=True, text=True, check=True)
    return float(done.stdout)


class Playbook:
    """ansible-playbook with one task looping a lookup ``calls`` times; run() gives its wall time."""

    def __init__(self, workdir: Path, calls: int) -> None:
        self.workdir = workdir
        self.calls = calls
        (workdir / "playbook.yml").write_text(PLAYBOOK)
        (workdir / "ansible.cfg").write_text("")
        self.env = dict(
            os.environ,
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
            ANSIBLE_CONFIG=str(workdir / "ansible.cfg"),
            ANSIBLE_LOCALHOST_WARNING="false",
            ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        )

    def run(self, name: str, terms: list[str], options: dict[str, Any]) -> float:
        params = self.workdir / "params.json"
        params.write_text(json.dumps(
            {"bench_lookup": name, "bench_terms": terms, "bench_options": options, "bench_calls": self.calls}))
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "playbook.yml", "-e", "@%s" % params]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.workdir, env=self.env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError("ansible-playbook failed for %s:\n%s" % (name or "the baseline", done.stdout[-3000:]))
        return wall


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of in-process calls and cold calls (default 7)")
    parser.add_argument("--calls", type=int, default=50, help="in-process calls per run (default 50)")
    parser.add_argument("--playbook-runs", type=int, default=5, help="ansible-playbook runs per lookup (default 5)")
    parser.add_argument("--playbook-calls", type=int, default=50, help="loop items of the task (default 50)")
    args = parser.parse_args(argv)

    general_version = ensure_collections()
    from ansible import __version__ as core_version
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from dns.version import version as dnspython_version

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server
    import make_zone

    init_plugin_loader([str(COLLECTIONS)])
    loader = DataLoader()
    plugins = {name: lookup_loader.get(name, loader=loader, templar=None)
               for name in ("peerage.peerage.dns", "community.general.dig")}
    dnsmasq = subprocess.run(["dnsmasq", "--version"], capture_output=True, text=True, check=True).stdout.split()[2]

    load_before = os.getloadavg()[0]
    state = Path(tempfile.mkdtemp(prefix="peerage-bench-dns."))
    try:
        zone_file, expected_file = make_zone.write(str(state))
        cases = json.loads(Path(expected_file).read_text())["cases"]
        server = dns_server.start_dns(str(state), zone_file)
        address, port = server.rsplit(":", 1)
        say("dnsmasq %s serves the test zone on %s" % (dnsmasq, server))
        # (DNS name, lookup) -> (terms, options): the same A question to the same server.
        queries: dict[tuple[str, str], tuple[list[str], dict[str, Any]]] = {}
        for case in CASES:
            dns_name = cases[case]["name"]
            queries[dns_name, "peerage.peerage.dns"] = (
                [dns_name], {"nameserver": [server], "record_types": ["A"], "app_name": "x"})
            queries[dns_name, "community.general.dig"] = ([dns_name, "@" + address], {"qtype": "A", "port": int(port)})
            for name in ("peerage.peerage.dns", "community.general.dig"):
                # Also the warm-up: imports and first connection are not timed.
                terms, options = queries[dns_name, name]
                got = sorted(item.split("@", 1)[-1] for item in plugins[name].run(terms, variables={}, **options))
                if got != sorted(cases[case]["values"]):
                    raise RuntimeError("%s returned %d addresses for %s, not the %d of the zone"
                                       % (name, len(got), dns_name, len(cases[case]["values"])))
        playbook = Playbook(state, args.playbook_calls)
        timings: dict[tuple[str, str], dict[str, list[float]]] = {
            key: {"calls": [], "cold": [], "playbook": []} for key in queries
        }
        baseline = []
        # Runs are interleaved, so a change of load on the machine falls on every lookup alike.
        for run in range(max(args.runs, args.playbook_runs)):
            say("run %d of %d" % (run + 1, max(args.runs, args.playbook_runs)))
            if run < args.playbook_runs:
                baseline.append(playbook.run("", [], {}))
            for (dns_name, name), (terms, options) in queries.items():
                if run < args.runs:
                    timings[dns_name, name]["calls"].append(calls_time(plugins[name], terms, options, args.calls))
                    timings[dns_name, name]["cold"].append(cold_call(name, terms, options))
                if run < args.playbook_runs:
                    timings[dns_name, name]["playbook"].append(playbook.run(name, terms, options))
    finally:
        dns_server.stop(str(state))
        shutil.rmtree(state, ignore_errors=True)

    rows = [
        (
            dns_name, str(len(cases[dns_name.split(".")[0]]["values"])), name,
            spread(timing["calls"], 1000),
            spread(timing["cold"], 1000, 0),
            spread(timing["playbook"], 1, 2),
            "%.1f" % ((statistics.median(timing["playbook"]) - statistics.median(baseline)) * 1000
                      / args.playbook_calls),
        )
        for (dns_name, name), timing in timings.items()
    ]
    print("One A query to dnsmasq %s on loopback; ansible-core %s, dnspython %s, community.general %s."
          % (dnsmasq, core_version, dnspython_version, general_version))
    # Other work on the machine shows in every figure; the load average says how much there was.
    print("Load average (1 min) %.2f before, %.2f after, on %d CPUs."
          % (load_before, os.getloadavg()[0], os.cpu_count() or 0))
    print("Median [min-max]. in-process: %d runs of %d calls; cold call: %d new processes;"
          " playbook: %d runs of one task looping %d times."
          % (args.runs, args.calls, args.runs, args.playbook_runs, args.playbook_calls))
    header = ("name", "A", "lookup", "in-process ms/call", "cold call ms", "playbook s",
              "playbook ms/call")
    rows.append(("(no lookup)", "", "baseline loop", "", "", spread(baseline, 1, 2), ""))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print("playbook ms/call = (median playbook - median baseline) / %d." % args.playbook_calls)
    return 0


if __name__ == "__main__":
    if importlib.util.find_spec("ansible") is None:
        if not VENV_PYTHON.exists():
            sys.exit("ansible-core is not importable: run scripts/bootstrap, then .build/venv/bin/python %s" % __file__)
        # ansible-core and dnspython live in the project's venv.
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    sys.exit(main())
