# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Wall time of the peerage role on a large inventory, beside a hand-written template task.

    .build/venv/bin/python bench/role_fanout.py [--hosts 100,200] [--runs 3] [--forks 10] [--ways ...] [--count-results]

Every host of the inventory is the controller itself (``ansible_connection=local``)
and writes into its own folder, so the figures are Ansible's own cost per
host and task, with no network. Three ways to write the same Erlang peers
file (``erlang_config``) on every host:

* **template task**: one hand-written ``ansible.builtin.template`` task whose
  template loops over ``groups['cluster']``: no discovery, no checks;
* **role, controller**: the role with ``peerage_via: list`` and the default
  ``peerage_discover_on: controller`` (one lookup for the play, then the guard);
* **role, dns**: the role with ``peerage_via: dns`` on the controller, asking
  a real dnsmasq on ``127.53.0.1`` (the integration tests' ``setup_dns``
  fixture, started here and stopped at the end) whose zone holds every host;
* **role, hosts**: the list provider with ``peerage_discover_on: hosts`` (the
  discover module runs on every host); not timed unless asked with ``--ways``.

With ``--count-results`` it also prints how many task results each way
produces per host (from the ``PLAY RECAP`` ok/changed/skipped/failed counts).

Each is timed writing every file (a fresh folder) and again with nothing to
change; the figure is the median [min-max] of ``--runs`` runs, interleaved so
a change of machine load falls on all alike. Before timing, the script checks
that all three write byte-identical files. A benchmark only prints figures:
it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")

HAND_WRITTEN = """\
- name: Write the peers with one template task
  hosts: cluster
  gather_facts: false
  tasks:
    - name: Write the Erlang peers file
      ansible.builtin.template:
        src: peers.config.j2
        dest: "{{ out_dir }}/{{ inventory_hostname }}/sys.config"
        mode: "0644"
"""

# The same text as the role's erlang_config format, for an inventory whose
# addresses are listed in ascending order.
HAND_TEMPLATE = """\
%% Managed by peerage.peerage
[{kernel, [{sync_nodes_optional, [
{%- for host in groups['cluster'] -%}
'app@{{ hostvars[host].ansible_host }}'{{ ', ' if not loop.last }}
{%- endfor -%}
]}, {sync_nodes_timeout, 30000}]}].
"""

ROLE = """\
- name: Write the peers with the peerage role
  hosts: cluster
  gather_facts: false
  vars:
    peerage_via: list
    peerage_app_name: app
    peerage_node_list: "{{ groups['cluster'] | map('extract', hostvars, 'ansible_host')
                           | map('peerage.peerage.node_name', 'app') }}"
    peerage_dns_name: [cluster.bench.peerage.test]
    peerage_record_types: [A]
    peerage_files:
      - dest: "{{ out_dir }}/{{ inventory_hostname }}/sys.config"
        format: erlang_config
    # Each host's records in its own folder, removed with it.
    peerage_state_dir: "{{ out_dir }}/{{ inventory_hostname }}/state"
  roles:
    - role: peerage.peerage.peerage
"""

SCENARIOS = {
    "template task": ("hand_written.yml", []),
    "role, list": ("role.yml", []),
    "role, dns": ("role.yml", ["-e", "peerage_via=dns"]),
    "role, hosts": ("role.yml", ["-e", "peerage_discover_on=hosts"]),
}
DEFAULT_WAYS = "template task,role, list,role, dns"
SETUP_DNS = ROOT / "tests" / "integration" / "targets" / "setup_dns" / "files"


def say(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


def address(index: int) -> str:
    return "10.%d.%d.%d" % (index // 62500, index // 250 % 250, index % 250 + 1)


def write_zone(work: Path, hosts: int) -> Path:
    lines = ["$ORIGIN bench.peerage.test.", "$TTL 60"]
    lines += ["cluster A %s" % address(i) for i in range(hosts)]
    zone = work / "bench.zone"
    zone.write_text("\n".join(lines) + "\n")
    return zone


def write_workspace(work: Path, hosts: int) -> None:
    lines = ["[cluster]"]
    lines += ["n%03d ansible_host=%s" % (i, address(i)) for i in range(hosts)]
    lines += [
        "",
        "[cluster:vars]",
        "ansible_connection=local",
        "ansible_python_interpreter=%s" % sys.executable,
        "",
    ]
    (work / "inventory.ini").write_text("\n".join(lines))
    (work / "hand_written.yml").write_text(HAND_WRITTEN)
    (work / "role.yml").write_text(ROLE)
    (work / "templates").mkdir()
    (work / "templates" / "peers.config.j2").write_text(HAND_TEMPLATE)
    # ansible-playbook finds this checkout as the installed collection peerage.peerage.
    (work / "collections" / "ansible_collections" / "peerage").mkdir(parents=True)
    (work / "collections" / "ansible_collections" / "peerage" / "peerage").symlink_to(ROOT)


def prepare_out(out: Path, hosts: int) -> None:
    if out.exists():
        shutil.rmtree(out)
    for i in range(hosts):
        (out / ("n%03d" % i)).mkdir(parents=True)


def results_per_host(output: str) -> float:
    """Task results per host, from the PLAY RECAP lines."""
    hosts = 0
    total = 0
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        counts = dict(re.findall(r"(ok|changed|skipped|failed)=(\d+)", line))
        if counts:
            hosts += 1
            # changed results are also counted in ok.
            total += int(counts["ok"]) + int(counts["skipped"]) + int(counts["failed"])
    return total / max(hosts, 1)


def run_playbook(
    work: Path, playbook: str, extra: list[str], out: Path, forks: int, count: list[float] | None = None
) -> float:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_HOST_KEY_CHECKING="False")
    argv = [
        str(ANSIBLE_PLAYBOOK),
        "-i",
        str(work / "inventory.ini"),
        str(work / playbook),
        "--forks",
        str(forks),
        "-e",
        "out_dir=%s" % out,
        *extra,
    ]
    started = time.monotonic()
    proc = subprocess.run(
        argv, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("%s failed (exit %d)" % (playbook, proc.returncode))
    if count is not None:
        count.append(results_per_host(proc.stdout))
    return elapsed


def spread(values: list[float]) -> str:
    return "%.1f [%.1f-%.1f]" % (statistics.median(values), min(values), max(values))


def bench(work: Path, hosts: int, ways: list[str], runs: int, forks: int, count: bool) -> None:
    write_workspace(work, hosts)
    outs = {name: work / ("out-%d" % i) for i, name in enumerate(ways)}

    say("%d hosts: checking that every way writes the same files" % hosts)
    counts: dict[str, list[float]] = {name: [] for name in ways}
    for name in ways:
        playbook, extra = SCENARIOS[name]
        prepare_out(outs[name], hosts)
        run_playbook(work, playbook, extra, outs[name], forks, counts[name])
    reference = outs["template task"]
    for name, out in outs.items():
        for i in range(hosts):
            host = "n%03d" % i
            if not filecmp.cmp(reference / host / "sys.config", out / host / "sys.config", shallow=False):
                raise SystemExit("%s wrote another %s/sys.config than the template task" % (name, host))

    times: dict[str, dict[str, list[float]]] = {name: {"write": [], "rerun": []} for name in ways}
    for run in range(1, runs + 1):
        say("%d hosts: run %d of %d" % (hosts, run, runs))
        for name in ways:
            playbook, extra = SCENARIOS[name]
            prepare_out(outs[name], hosts)
            times[name]["write"].append(run_playbook(work, playbook, extra, outs[name], forks))
            times[name]["rerun"].append(run_playbook(work, playbook, extra, outs[name], forks, counts[name]))

    load = os.getloadavg()
    base = {kind: statistics.median(times["template task"][kind]) for kind in ("write", "rerun")}
    print()
    print(
        "%d hosts (local connections), forks %d, %d runs; median [min-max] seconds of ansible-playbook"
        % (hosts, forks, runs)
    )
    print("load average after the runs %.2f %.2f %.2f, %d CPUs" % (*load, os.cpu_count() or 0))
    print()
    header = "| %-14s | %-20s | %-20s |" % ("way", "write every file", "rerun, no change")
    if count:
        header += " results/host |"
    print(header)
    print("|" + "|".join("-" * width for width in (16, 22, 22, *((14,) if count else ()))) + "|")
    for name in ways:
        cells = [
            "%s x%.2f" % (spread(times[name][kind]), statistics.median(times[name][kind]) / base[kind])
            for kind in ("write", "rerun")
        ]
        row = "| %-14s | %-20s | %-20s |" % (name, *cells)
        if count:
            row += " %12.1f |" % statistics.median(counts[name])
        print(row)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", default="100,200", help="inventory sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--ways", default=DEFAULT_WAYS, help="comma-separated: " + ", ".join(SCENARIOS))
    parser.add_argument("--count-results", action="store_true", help="also print task results per host")
    args = parser.parse_args()
    ways = [way.strip() for way in re.split(r",(?! )", args.ways)]
    unknown = [way for way in ways if way not in SCENARIOS]
    if unknown or "template task" not in ways:
        raise SystemExit("--ways takes 'template task' and any of: %s" % ", ".join(SCENARIOS))

    sys.path.insert(0, str(SETUP_DNS))
    import dns_server

    state = Path(tempfile.mkdtemp(prefix="peerage-role-fanout-dns-"))
    try:
        for hosts in (int(size) for size in args.hosts.split(",")):
            work = Path(tempfile.mkdtemp(prefix="peerage-role-fanout-"))
            try:
                server = None
                if "role, dns" in ways:
                    server = dns_server.start_dns(str(state), str(write_zone(work, hosts)))
                    say("dnsmasq serves the cluster's %d addresses on %s" % (hosts, server))
                    SCENARIOS["role, dns"] = (
                        "role.yml",
                        ["-e", "peerage_via=dns", "-e", '{"peerage_nameserver": ["%s"]}' % server],
                    )
                bench(work, hosts, ways, args.runs, args.forks, args.count_results)
            finally:
                if "role, dns" in ways:
                    dns_server.stop(str(state))
                shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
