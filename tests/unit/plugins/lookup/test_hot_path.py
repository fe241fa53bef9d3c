# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a forked worker loads for the lookups' two hot paths: an answer from the run's cache, and a list.

Ansible loads a lookup afresh in every worker, for every host, and the
collection loader compiles each module from source: every module on these
paths is paid once per host. Each case runs in a new interpreter, as a worker
is, and the sets are exact, so a module added to a hot path fails here until
it is added on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PLUGINS = "ansible_collections.peerage.peerage.plugins."
# The folder that holds ansible_collections/peerage/peerage.
COLLECTIONS = str(Path(__file__).resolve().parents[7])

WORKER = """\
import json, sys
import ansible.template
from ansible import constants as C
from ansible.parsing.dataloader import DataLoader
from ansible.executor.process import worker
from ansible.plugins.loader import init_plugin_loader, lookup_loader
collections, run_folder, calls = json.loads(sys.argv[1])
C.DEFAULT_LOCAL_TMP = run_folder
# What a play's worker process sets before it runs a task.
worker.current_worker = object()
init_plugin_loader([collections])
if calls[0][0] == "prime":
    # An earlier worker of the run, whose dns answer (from a stand-in provider) the run's cache keeps.
    from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry
    class Answer:
        @staticmethod
        def poll(options, report=None):
            return ["a@10.0.0.2", "a@10.0.0.1"]
    registry.register_provider("dns", Answer)
    calls[0][0] = "dns"
before = set(sys.modules)
answers = []
for name, terms, options in calls:
    plugin = lookup_loader.get("peerage.peerage." + name, loader=DataLoader(), templar=None)
    answers.append(plugin.run(terms, variables={}, **options))
loaded = sorted(m[len(%r):] for m in set(sys.modules) - before if m.startswith(%r))
print(json.dumps({"answers": answers, "loaded": loaded, "dnspython": "dns" in sys.modules}))
""" % (PLUGINS, PLUGINS)

DNS = ["dns", ["svc.example"], {"app_name": "a", "nameserver": ["10.0.0.53"]}]

# Every peerage lookup: the lookup, its common body, and where an option may come from (env, ini, vars). No
# option records and no doc fragment: in a worker, the dns and list lookups give ansible-core their option
# definitions as data (test_lean_definitions.py), so it parses none of their docs.
LOOKUP = {
    "lookup",
    "plugin_utils",
    "plugin_utils.lookup",
    "plugin_utils.option_sources",
}

CACHE_HIT = LOOKUP | {
    "lookup.dns",
    # The run's cache, read: the entry found by its key, in a folder checked to be private. No error class.
    "plugin_utils.cache_entries",
}
LIST = LOOKUP | {
    "lookup.list",
    "module_utils",
    "module_utils.providers",
    "module_utils.providers.list",
    "module_utils.option_values",  # node_list as a list
    "module_utils.node_names",  # each name validated, the list sorted
    "module_utils.discovery",  # allow_empty: no names fails unless allowed
    "module_utils.errors",
}


def worker(run_folder: Path, *calls: list) -> dict:
    argument = json.dumps([COLLECTIONS, str(run_folder), list(calls)])
    done = subprocess.run([sys.executable, "-c", WORKER, argument], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def run_folder(tmp_path):
    folder = tmp_path / "ansible-local-run"
    folder.mkdir(mode=0o700)
    return folder


def test_an_answer_from_the_cache_loads_only_the_cache(run_folder):
    first = worker(run_folder, ["prime", *DNS[1:]])
    assert first["answers"] == [["a@10.0.0.1", "a@10.0.0.2"]]
    hit = worker(run_folder, DNS)
    assert hit["answers"] == first["answers"]
    assert set(hit["loaded"]) == CACHE_HIT
    assert not hit["dnspython"]


def test_the_peers_lookup_with_via_dns_reads_the_dns_lookups_answer(run_folder):
    worker(run_folder, ["prime", *DNS[1:]])
    # No stand-in provider in this worker: an answer that is not the cached one would have to come from DNS.
    hit = worker(run_folder, ["peers", DNS[1], dict(DNS[2], via="dns")])
    assert hit["answers"] == [["a@10.0.0.1", "a@10.0.0.2"]]
    assert not hit["dnspython"]
    assert not any(name.startswith("module_utils.providers") for name in hit["loaded"])


def test_a_list_loads_neither_the_cache_nor_the_provider_registry(run_folder):
    done = worker(run_folder, ["list", ["a@10.0.0.2", "a@10.0.0.1"], {}])
    assert done["answers"] == [["a@10.0.0.1", "a@10.0.0.2"]]
    assert set(done["loaded"]) == LIST
    assert not (run_folder / "peerage-cache").exists()


def test_the_lookups_warning_level_is_discoverys():
    # The lookup keeps discovery's WARNING by value so that a cached answer need not import discovery.
    from ansible_collections.peerage.peerage.plugins.module_utils import discovery
    from ansible_collections.peerage.peerage.plugins.plugin_utils import lookup

    assert lookup._WARNING == discovery.WARNING
