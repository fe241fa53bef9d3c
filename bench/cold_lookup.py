# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a forked Ansible worker pays for its first peerage lookup: this checkout beside an earlier revision.

    .build/venv/bin/python bench/cold_lookup.py [--against 02b1699] [--runs 9]

Every figure is one new Python process that has already imported what an
ansible-playbook worker inherits from its parent (the CLI, the executor, the
strategy, the templating engine), then loads one lookup and runs it once:
the time of loading plus running, median [min-max] of the runs,
interleaved. Cases: the floor, a lookup of a tiny collection that returns a
constant (``bench.floor.constant``, written into .build/bench-collections);
a ``list`` lookup; a ``dns`` lookup that asks a local dnsmasq (setup_dns's
fixture, on a free port of 127.53.9.1) for 3 A records; and the same ``dns``
lookup when the run's cache already holds the answer (an earlier revision
without the cache asks again).

A second table comes from one more process per case run with
``python -X importtime``: the collection modules the worker imported (their
number) and the sum of their own import times, which through the collection
loader includes compiling them from source. The last column says whether
dnspython was imported.

The earlier revision is taken with ``git archive`` into .build/bench-rev/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".build"
SETUP_DNS = ROOT / "tests" / "integration" / "targets" / "setup_dns" / "files"

# A collection with one lookup that returns its terms: what any lookup costs a worker.
FLOOR_LOOKUP = '''\
from __future__ import annotations

DOCUMENTATION = """
name: constant
short_description: Return the terms
description: The floor of the benchmarks, a lookup that does nothing.
options:
  _terms:
    description: Returned as they are.
"""

from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return list(terms)
'''

COLD_CALL = """\
import json, sys, time
# What a worker has imported before it runs a task: its parent, ansible-playbook, loaded these.
import ansible.cli.playbook, ansible.executor.task_executor, ansible.plugins.strategy.linear, ansible.template
from ansible import constants as C
from ansible.parsing.dataloader import DataLoader
from ansible.executor.process import worker
from ansible.plugins.loader import init_plugin_loader, lookup_loader
name, terms, options, collections, run_folder = json.loads(sys.argv[1])
C.DEFAULT_LOCAL_TMP = run_folder
worker.current_worker = object()  # set in a worker before it runs a task
init_plugin_loader([collections])
started = time.perf_counter()
plugin = lookup_loader.get(name, loader=DataLoader(), templar=None)
plugin.run(terms, variables={}, **options)
print(json.dumps([time.perf_counter() - started, "dns" in sys.modules]))
"""
# A collection module's line of -X importtime: "import time: SELF | CUMULATIVE | name", self in microseconds.
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|\s+(ansible_collections\.(?:peerage|bench)\.\S+)")


def say(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


def collection_of(revision: str | None) -> Path:
    """A folder holding ansible_collections/peerage/peerage: this checkout, or ``revision`` of it."""
    base = BUILD / "bench-rev" / (revision or "checkout")
    target = base / "ansible_collections" / "peerage" / "peerage"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        if revision is None:
            target.symlink_to(ROOT, target_is_directory=True)
        else:
            target.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=True)
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return base


def floor_collection() -> Path:
    """A folder holding ansible_collections/bench/floor, whose lookup ``constant`` returns its terms."""
    base = BUILD / "bench-collections-floor"
    lookup = base / "ansible_collections" / "bench" / "floor" / "plugins" / "lookup" / "constant.py"
    if not lookup.exists() or lookup.read_text() != FLOOR_LOOKUP:
        lookup.parent.mkdir(parents=True, exist_ok=True)
        (lookup.parents[2] / "galaxy.yml").write_text("namespace: bench\nname: floor\nversion: 1.0.0\n")
        lookup.write_text(FLOOR_LOOKUP)
    return base


def cold_call(collections: Path, name: str, terms: list[str], options: dict, run_folder: str,
              importtime: bool = False) -> tuple[float, bool, dict[str, int]]:
    """Seconds to load and run, whether dnspython was imported, and (with ``importtime``) each collection module's
    own import time in microseconds."""
    argument = json.dumps([name, terms, options, str(collections), run_folder])
    argv = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", COLD_CALL, argument]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("the cold call of %s failed:\n%s" % (name, done.stderr[-2000:]))
    seconds, imported_dns = json.loads(done.stdout.strip().splitlines()[-1])
    modules = {}
    for line in done.stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            modules[match.group(2)] = int(match.group(1))
    return seconds, imported_dns, modules


def private_folder(parent: Path, name: str) -> str:
    folder = parent / name
    folder.mkdir(mode=0o700)
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--against", default="02b1699", help="the earlier revision (default 02b1699)")
    parser.add_argument("--runs", type=int, default=9, help="cold calls per case (default 9)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server
    import make_zone

    versions = {args.against: collection_of(args.against), "this checkout": collection_of(None)}
    floor = floor_collection()
    state = Path(tempfile.mkdtemp(prefix="peerage-bench-cold."))
    load_before = os.getloadavg()
    results: dict[tuple[str, str], list[tuple[float, bool, dict[str, int]]]] = {}
    imports: dict[tuple[str, str], dict[str, int]] = {}
    try:
        zone_file, expected_file = make_zone.write(str(state))
        three = json.loads(Path(expected_file).read_text())["cases"]["three"]["name"]
        server = dns_server.start_dns(str(state), zone_file, listen="127.53.9.1")
        dns = {"nameserver": [server], "record_types": ["A"], "app_name": "x"}
        cases = {
            "floor: a constant": ("bench.floor.constant", ["a@10.0.0.1", "a@10.0.0.2"], {}),
            "list": ("peerage.peerage.list", ["a@10.0.0.2", "a@10.0.0.1"], {}),
            "dns, asks the server": ("peerage.peerage.dns", [three], dns),
            "dns, answer in the run's cache": ("peerage.peerage.dns", [three], dns),
        }
        # One run folder per version whose cache already holds the dns answer.
        warm = {label: private_folder(state, "ansible-local-warm-%d" % n) for n, label in enumerate(versions)}
        for label, collections in versions.items():
            cold_call(collections, "peerage.peerage.dns", [three], dns, warm[label])
        fresh = itertools.count()

        def call(label: str, case: str, importtime: bool = False) -> tuple[float, bool, dict[str, int]]:
            name, terms, options = cases[case]
            collections = floor if name.startswith("bench.") else versions[label]
            # Otherwise a new run folder each time: nothing cached.
            folder = warm[label] if "cache" in case else private_folder(state, "ansible-local-%d" % next(fresh))
            return cold_call(collections, name, terms, options, folder, importtime)

        for run in range(args.runs):
            say("run %d of %d" % (run + 1, args.runs))
            for label in versions:
                for case in cases:
                    results.setdefault((label, case), []).append(call(label, case))
        for label in versions:
            for case in cases:
                imports[label, case] = call(label, case, importtime=True)[2]
    finally:
        dns_server.stop(str(state))
        shutil.rmtree(state, ignore_errors=True)

    print("A forked worker's first lookup: load the plugin and run it once, ms, median [min-max] of %d."
          % args.runs)
    print("Load average (1, 5 min) %.2f, %.2f before, %.2f, %.2f after, on %d CPUs."
          % (*load_before[:2], *os.getloadavg()[:2], os.cpu_count() or 0))
    header = ("case", *("%s ms" % label for label in versions), *("dnspython (%s)" % label for label in versions))
    rows = []
    for case in cases:
        times = ["%.1f [%.1f-%.1f]" % (statistics.median(s) * 1000, min(s) * 1000, max(s) * 1000)
                 for s in ([t for t, _dns, _m in results[label, case]] for label in versions)]
        imported = ["yes" if any(d for _t, d, _m in results[label, case]) else "no" for label in versions]
        rows.append((case, *times, *imported))
    print_table(header, rows)
    print()
    print("python -X importtime of one more call each: collection modules imported, and the sum of their own times"
          " (compiling included), ms.")
    header = ("case", *("%s: modules, ms" % label for label in versions))
    rows = [(case, *("%d, %.1f" % (len(imports[label, case]), sum(imports[label, case].values()) / 1000)
                     for label in versions)) for case in cases]
    print_table(header, rows)
    return 0


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    venv_python = BUILD / "venv" / "bin" / "python"
    if Path(sys.executable) != venv_python and venv_python.exists():
        # ansible-core and dnspython live in the project's venv.
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    sys.exit(main())
