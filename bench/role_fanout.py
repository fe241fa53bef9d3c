# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Wall time of the peerage role on a large inventory, beside a hand-written template task.

    .build/venv/bin/python bench/role_fanout.py [--hosts 50] [--runs 5] [--forks 10]

Every host of the inventory is the controller itself (``ansible_connection=local``)
and writes into its own folder, so the figures are Ansible's own cost per
host and task, with no network. Three ways to write the same Erlang peers
file (``erlang_config``) on every host:

* **template task**: one hand-written ``ansible.builtin.template`` task whose
  template loops over ``groups['cluster']``: no discovery, no checks;
* **role, controller**: the role with ``peerage_via: list`` and the default
  ``peerage_discover_on: controller`` (one lookup for the play, then the guard);
* **role, hosts**: the same with ``peerage_discover_on: hosts`` (the discover
  module runs on every host).

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
    peerage_files:
      - dest: "{{ out_dir }}/{{ inventory_hostname }}/sys.config"
        format: erlang_config
  roles:
    - role: peerage.peerage.peerage
"""

SCENARIOS = {
    "template task": ("hand_written.yml", []),
    "role, controller": ("role.yml", []),
    "role, hosts": ("role.yml", ["-e", "peerage_discover_on=hosts"]),
}


def say(message: str) -> None:
    print("==> %s" % message, file=sys.stderr, flush=True)


def address(index: int) -> str:
    return "10.%d.%d.%d" % (index // 62500, index // 250 % 250, index % 250 + 1)


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


def run_playbook(work: Path, playbook: str, extra: list[str], out: Path, forks: int) -> float:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(work / "collections"), ANSIBLE_HOST_KEY_CHECKING="False")
    argv = [str(ANSIBLE_PLAYBOOK), "-i", str(work / "inventory.ini"), str(work / playbook),
            "--forks", str(forks), "-e", "out_dir=%s" % out, *extra]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("%s failed (exit %d)" % (playbook, proc.returncode))
    return elapsed


def spread(values: list[float]) -> str:
    return "%.1f [%.1f-%.1f]" % (statistics.median(values), min(values), max(values))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="peerage-role-fanout-"))
    try:
        write_workspace(work, args.hosts)
        outs = {name: work / ("out-%d" % i) for i, name in enumerate(SCENARIOS)}

        say("checking that every way writes the same files")
        for name, (playbook, extra) in SCENARIOS.items():
            prepare_out(outs[name], args.hosts)
            run_playbook(work, playbook, extra, outs[name], args.forks)
        reference = outs["template task"]
        for name, out in outs.items():
            for i in range(args.hosts):
                host = "n%03d" % i
                if not filecmp.cmp(reference / host / "sys.config", out / host / "sys.config", shallow=False):
                    raise SystemExit("%s wrote another %s/sys.config than the template task" % (name, host))

        times: dict[str, dict[str, list[float]]] = {name: {"write": [], "rerun": []} for name in SCENARIOS}
        for run in range(1, args.runs + 1):
            say("run %d of %d" % (run, args.runs))
            for name, (playbook, extra) in SCENARIOS.items():
                prepare_out(outs[name], args.hosts)
                times[name]["write"].append(run_playbook(work, playbook, extra, outs[name], args.forks))
                times[name]["rerun"].append(run_playbook(work, playbook, extra, outs[name], args.forks))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()
    print()
    print("%d hosts (local connections), forks %d, %d runs; median [min-max] seconds of ansible-playbook"
          % (args.hosts, args.forks, args.runs))
    print("load average %.2f %.2f %.2f, %d CPUs" % (*load, os.cpu_count() or 0))
    print()
    print("| %-18s | %-18s | %-18s |" % ("way", "write every file", "rerun, no change"))
    print("| %s | %s | %s |" % ("-" * 18, "-" * 18, "-" * 18))
    for name in SCENARIOS:
        print("| %-18s | %-18s | %-18s |" % (name, spread(times[name]["write"]), spread(times[name]["rerun"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
