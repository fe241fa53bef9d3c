# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option definitions the dns and list lookups give ansible-core in a worker, against their docs and records.

In a play's worker these lookups hand ansible-core their option definitions,
written as data in the lookup and in plugin_utils/lookup.py, so that it parses
none of their YAML docs and no worker loads the option records. They must be
what ansible-core builds from the docs, descriptions aside, on every
ansible-core the collection supports, and what the option records say;
outside a worker (ansible-config lists descriptions) the docs are read as
before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ansible import constants as C
from ansible.plugins.loader import lookup_loader

from ansible_collections.peerage.peerage.plugins.module_utils import provider_options as records
from ansible_collections.peerage.peerage.plugins.plugin_utils import lookup

COLLECTIONS = str(Path(__file__).resolve().parents[7])
LEAN = ("dns", "list")

WORKER = """\
import json, os, sys
from ansible import constants as C
from ansible.executor.process import worker
from ansible.plugins.loader import init_plugin_loader, lookup_loader
collections, name, in_worker, direct = json.loads(sys.argv[1])
init_plugin_loader([collections])
if in_worker:
    worker.current_worker = object()
plugin = lookup_loader.get("peerage.peerage." + name)
plugin.set_options(var_options={"peerage_timeout": "7", "peerage_node_list": ["a@10.0.0.1"]}, direct=direct)
fragments = sorted(m for m in sys.modules if ".doc_fragments." in m)
print(json.dumps({"options": plugin.get_options(), "fragments": fragments}))
"""


def documented(name: str) -> dict:
    """The definitions ansible-core built from the docs of lookup ``name``, without descriptions."""
    plugin = lookup_loader.get("peerage.peerage." + name, class_only=True)
    definitions = C.config.get_configuration_definitions("lookup", plugin._load_name)
    assert definitions, "ansible-core holds no definitions of %s" % name
    return {option: {key: value for key, value in entry.items() if key != "description"}
            for option, entry in definitions.items()}


def provider_definitions(name: str) -> dict:
    return lookup_loader.get("peerage.peerage." + name, class_only=True).PROVIDER_DEFINITIONS


@pytest.mark.parametrize("name", LEAN)
def test_the_lean_definitions_are_the_documented_ones(name):
    assert lookup.lean_definitions(provider_definitions(name)) == documented(name)


@pytest.mark.parametrize("name", LEAN)
def test_the_lean_definitions_are_the_option_records(name):
    definitions = {**lookup.COMMON_DEFINITIONS, **provider_definitions(name)}
    # The provider's own options, and those every lookup reads, are what the records say each reads.
    assert tuple(provider_definitions(name)) == records.names_read_by(name)
    assert set(lookup.COMMON_READS) == {*records.DISCOVERY_OPTIONS, *records.CACHE_OPTIONS}
    for option, definition in definitions.items():
        found = records.records(option)
        record = next((candidate for candidate in found if name in candidate.readers), found[0])
        assert definition["type"] == record.type, option
        assert definition.get("default") == records.default_of(option, record.readers[0]), option
        assert definition.get("elements") == record.elements, option
        assert definition.get("choices") == (list(record.choices) if record.choices else None), option


@pytest.mark.parametrize("name", LEAN)
def test_a_lean_lookup_reads_what_the_peers_lookup_reads_for_its_provider(name):
    # So that both build the same options, and dns and peers with via=dns share one entry in the run's cache.
    lean = {*lookup.COMMON_READS, *provider_definitions(name)}
    assert lean == {*records.options_read(name), *records.CACHE_OPTIONS}


def worker(name: str, in_worker: bool, direct: dict, env: dict) -> dict:
    argument = json.dumps([COLLECTIONS, name, in_worker, direct])
    done = subprocess.run([sys.executable, "-c", WORKER, argument], capture_output=True, text=True, check=False,
                          env=dict(os.environ, **env))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", LEAN)
def test_a_worker_reads_every_option_source_as_the_docs_give_them(name):
    # A direct value, a variable, the environment and the defaults, each through the definitions.
    env = {"PEERAGE_RETRIES": "4", "PEERAGE_CACHE_MAX_AGE": "12"}
    direct = {"app_name": "x", "allow_empty": True}
    lean = worker(name, True, direct, env)
    docs = worker(name, False, direct, env)
    assert lean["fragments"] == []
    assert docs["fragments"], "outside a worker ansible-core reads the doc fragments"
    assert lean["options"] == docs["options"]
    assert lean["options"]["cache_max_age"] == 12.0
    assert lean["options"]["app_name"] == "x"


def test_the_lean_option_names_are_each_lookups_own():
    assert "timeout" in provider_definitions("dns") and "timeout" not in provider_definitions("list")
    assert "node_list" in provider_definitions("list")
