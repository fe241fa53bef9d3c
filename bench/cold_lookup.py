# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a forked Ansible worker pays for its first peerage lookup: this checkout beside an earlier revision.

    .build/venv/bin/python bench/cold_lookup.py [--against 1d74391] [--runs 9]

Every figure is one new Python process that has already imported what an
ansible-playbook worker inherits from its parent (the CLI, the executor, the
strategy, the templating engine), then loads one peerage lookup and runs it
once: the time of loading plus running, median [min-max] of the runs,
interleaved. Cases: a ``list`` lookup; a ``dns`` lookup that asks a local
dnsmasq (setup_dns's fixture, on a free port of 127.53.9.1) for 3 A
records; and the same ``dns`` lookup when the run's cache already holds the
answer (this checkout only: the earlier revision asks again). The last column
says whether dnspython was imported.

The earlier revision is taken with ``git archive`` into .build/bench-rev/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".build"
SETUP_DNS = ROOT / "tests" / "integration" / "targets" / "setup_dns" / "files"

COLD_CALL = """\
import json, sys, time
# What a worker has imported before it runs a task: its parent, ansible-playbook, loaded these.
import ansible.cli.playbook, ansible.executor.task_executor, ansible.plugins.strategy.linear, ansible.template
from ansible import constants as C
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
name, terms, options, collections, run_folder = json.loads(sys.argv[1])
C.DEFAULT_LOCAL_TMP = run_folder
init_plugin_loader([collections])
started = time.perf_counter()
plugin = lookup_loader.get(name, loader=DataLoader(), templar=None)
plugin.run(terms, variables={}, **options)
print(json.dumps([time.perf_counter() - started, "dns" in sys.modules]))
"""


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


def cold_call(collections: Path, name: str, terms: list[str], options: dict, run_folder: str) -> tuple[float, bool]:
    argument = json.dumps([name, terms, options, str(collections), run_folder])
    done = subprocess.run([sys.executable, "-c", COLD_CALL, argument], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError("the cold call of %s failed:\n%s" % (name, done.stderr[-2000:]))
    seconds, imported_dns = json.loads(done.stdout.strip().splitlines()[-1])
    return seconds, imported_dns


def private_folder(parent: Path, name: str) -> str:
    folder = parent / name
    folder.mkdir(mode=0o700)
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--against", default="1d74391", help="the earlier revision (default 1d74391)")
    parser.add_argument("--runs", type=int, default=9, help="cold calls per case (default 9)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server
    import make_zone

    versions = {args.against: collection_of(args.against), "this checkout": collection_of(None)}
    state = Path(tempfile.mkdtemp(prefix="peerage-bench-cold."))
    load_before = os.getloadavg()
    results: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    try:
        zone_file, expected_file = make_zone.write(str(state))
        three = json.loads(Path(expected_file).read_text())["cases"]["three"]["name"]
        server = dns_server.start_dns(str(state), zone_file, listen="127.53.9.1")
        dns = {"nameserver": [server], "record_types": ["A"], "app_name": "x"}
        cases = {
            "list": ("peerage.peerage.list", ["a@10.0.0.2", "a@10.0.0.1"], {}),
            "dns, asks the server": ("peerage.peerage.dns", [three], dns),
            "dns, answer in the run's cache": ("peerage.peerage.dns", [three], dns),
        }
        # One run folder whose cache already holds the dns answer (the earlier revision ignores it).
        warm = private_folder(state, "ansible-local-warm")
        cold_call(versions["this checkout"], "peerage.peerage.dns", [three], dns, warm)
        fresh = itertools.count()
        for run in range(args.runs):
            say("run %d of %d" % (run + 1, args.runs))
            for label, collections in versions.items():
                for case, (name, terms, options) in cases.items():
                    # Otherwise a new run folder each time: nothing cached.
                    folder = warm if "cache" in case else private_folder(state, "ansible-local-%d" % next(fresh))
                    results.setdefault((label, case), []).append(cold_call(collections, name, terms, options, folder))
    finally:
        dns_server.stop(str(state))
        shutil.rmtree(state, ignore_errors=True)

    print("A forked worker's first peerage lookup: load the plugin and run it once, ms, median [min-max] of %d."
          % args.runs)
    print("Load average (1, 5 min) %.2f, %.2f before, %.2f, %.2f after, on %d CPUs."
          % (*load_before[:2], *os.getloadavg()[:2], os.cpu_count() or 0))
    header = ("case", *("%s ms" % label for label in versions), *("dnspython (%s)" % label for label in versions))
    rows = []
    for case in cases:
        times = ["%.1f [%.1f-%.1f]" % (statistics.median(s) * 1000, min(s) * 1000, max(s) * 1000)
                 for s in ([t for t, _dns in results[label, case]] for label in versions)]
        imported = ["yes" if any(d for _t, d in results[label, case]) else "no" for label in versions]
        rows.append((case, *times, *imported))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


if __name__ == "__main__":
    venv_python = BUILD / "venv" / "bin" / "python"
    if Path(sys.executable) != venv_python and venv_python.exists():
        # ansible-core and dnspython live in the project's venv.
        os.execv(str(venv_python), [str(venv_python), *sys.argv])
    sys.exit(main())
