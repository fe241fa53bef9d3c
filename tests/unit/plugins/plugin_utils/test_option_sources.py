# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every lookup option can come from ansible.cfg, the environment and a variable, under one naming scheme."""

from __future__ import annotations

import pytest
import yaml
from ansible import constants as C
from ansible.plugins.loader import lookup_loader

from ansible_collections.peerage.peerage.plugins.doc_fragments import common, custom
from ansible_collections.peerage.peerage.plugins.doc_fragments import dns as dns_fragment
from ansible_collections.peerage.peerage.plugins.doc_fragments import list as list_fragment
from ansible_collections.peerage.peerage.plugins.doc_fragments import self as self_fragment
from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import INI_SECTION, plugin_config

FRAGMENTS = [common, custom, dns_fragment, list_fragment, self_fragment]


def sources(name):
    return {
        "env": [{"name": "PEERAGE_%s" % name.upper()}],
        "ini": [{"section": INI_SECTION, "key": name}],
        "vars": [{"name": "peerage_%s" % name}],
    }


def test_plugin_config_gives_each_option_its_three_sources():
    documentation = "options:\n  zeta:\n    type: str\n    description: z\n  app_name:\n    type: str\n"
    assert yaml.safe_load(plugin_config(documentation)) == {
        "options": {"app_name": sources("app_name"), "zeta": sources("zeta")}
    }


def test_plugin_config_adds_sources_only():
    # Descriptions, types and defaults stay in the fragment that documents them once.
    text = plugin_config("options:\n  app_name:\n    type: str\n    default: nonode\n    description: x\n")
    assert set(yaml.safe_load(text)["options"]["app_name"]) == {"env", "ini", "vars"}


@pytest.mark.parametrize("fragment", FRAGMENTS, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_every_fragment_option_has_its_sources(fragment):
    options = yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    config = yaml.safe_load(fragment.ModuleDocFragment.PLUGIN_CONFIG)["options"]
    assert set(config) == set(options)
    for name in options:
        assert config[name] == sources(name)


@pytest.mark.parametrize("lookup", ["dns", "list", "self", "peers"])
def test_loaded_lookups_read_every_option_from_all_sources(lookup):
    # Loading the plugin merges its doc fragments into ansible-core's configuration definitions,
    # which are kept under the plugin's load name.
    plugin = lookup_loader.get("peerage.peerage.%s" % lookup)
    definitions = C.config.get_configuration_definitions("lookup", plugin._load_name)
    names = set(definitions) - {"_terms"}
    assert {"app_name", "allow_empty", "log_results"} <= names
    for name in names:
        assert {key: definitions[name][key] for key in ("env", "ini", "vars")} == sources(name), name
