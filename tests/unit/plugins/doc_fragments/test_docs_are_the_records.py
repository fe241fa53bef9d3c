# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option docs state what the option records hold: names, types, defaults, choices.

The doc fragments and the plugins' own option docs are YAML that ansible-core
reads for the lookups' defaults and choices, so they cannot be generated from
the records; they are checked here against them, name by name, default by
default, also where a description names a default in words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins.doc_fragments import any_provider, cache, common, custom, dns, udp
from ansible_collections.peerage.peerage.plugins.doc_fragments import list as list_fragment
from ansible_collections.peerage.peerage.plugins.doc_fragments import self as self_fragment
from ansible_collections.peerage.peerage.plugins.lookup import peers
from ansible_collections.peerage.peerage.plugins.module_utils import provider_options as records_module
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    BUILTIN_PROVIDERS,
    CUSTOM_PROVIDER_OPTIONS,
    DISCOVERY_OPTIONS,
    PROVIDER_OPTIONS,
    argument_spec,
    records,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import DEFAULT_GROUPS

PROVIDERS_WITH_APP_NAME = ("self", "dns", "udp", "custom")
PLUGINS = Path(records_module.__file__).parents[1]
FILTER_NODE_NAME = yaml.safe_dump(yaml.safe_load((PLUGINS / "filter" / "node_name.yml").read_text())["DOCUMENTATION"])

# Each block of option docs, and the readers whose options it documents.
DOCUMENTED = {
    "common": (common.ModuleDocFragment.DOCUMENTATION, ("discovery", *PROVIDERS_WITH_APP_NAME)),
    "any_provider": (any_provider.ModuleDocFragment.DOCUMENTATION, BUILTIN_PROVIDERS),
    "custom": (custom.ModuleDocFragment.DOCUMENTATION, ("any", "custom")),
    "cache": (cache.ModuleDocFragment.DOCUMENTATION, ("cache",)),
    "dns": (dns.ModuleDocFragment.DOCUMENTATION, ("dns",)),
    "list": (list_fragment.ModuleDocFragment.DOCUMENTATION, ("list",)),
    "self": (self_fragment.ModuleDocFragment.DOCUMENTATION, ("self",)),
    "udp": (udp.ModuleDocFragment.DOCUMENTATION, ("udp", "beacon")),
    "udp.probe": (udp.ModuleDocFragment.PROBE, ("udp",)),
    "lookup peers": (peers.DOCUMENTATION, ("self", "udp")),
    "filter node_name": (FILTER_NODE_NAME, ("self",)),
}

# What a description says an option's default is: "default is V(x)", "(default V(2))", "default is 30".
STATED_DEFAULT = re.compile(r"\bdefault(?: is)? (?:V\(([^)]*)\)|(-?[0-9]+(?:\.[0-9]+)?)\b|(true|false)\b)")


def documented_options(text):
    return {name: spec for name, spec in yaml.safe_load(text)["options"].items() if not name.startswith("_")}


def expected_doc(name, readers):
    """How option ``name`` must be documented for ``readers``, from its records."""
    spec = argument_spec([name], readers)[name]
    return {
        "type": spec["type"],
        "elements": spec.get("elements"),
        "choices": spec.get("choices"),
        "default": spec.get("default"),
    }


def stated_defaults(description):
    """Every default ``description`` names, as text."""
    text = " ".join(description) if isinstance(description, list) else description
    # Each match fills one of the pattern's groups.
    return [group for match in STATED_DEFAULT.finditer(text) for group in match.groups() if group is not None]


def is_a_recorded_default(stated, name, readers):
    """Whether ``stated`` (text of a description) is a default of one of ``name``'s records for ``readers``."""
    for option in records(name, readers):
        values = option.default if isinstance(option.default, tuple) else (option.default,)
        for value in values:
            if isinstance(value, bool) and stated == str(value).lower():
                return True
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if re.match(r"\A-?[0-9.]+\Z", stated) and float(stated) == value:
                    return True
            elif isinstance(value, str) and stated == value:
                return True
    return False


def differences(text, readers):
    """``(option, documented, recorded)`` for every option of ``text`` documented unlike its record."""
    found = []
    for name, spec in documented_options(text).items():
        documented = {key: spec.get(key) for key in ("type", "elements", "choices", "default")}
        if documented != expected_doc(name, readers):
            found.append((name, documented, expected_doc(name, readers)))
    return found


@pytest.mark.parametrize("block", sorted(DOCUMENTED))
def test_documented_type_default_and_choices_are_the_records(block):
    text, readers = DOCUMENTED[block]
    assert differences(text, readers) == []


CASES = [(block, name) for block, (text, _readers) in DOCUMENTED.items() for name in documented_options(text)]


@pytest.mark.parametrize(("block", "name"), CASES, ids=["%s:%s" % case for case in CASES])
def test_a_default_named_in_a_description_is_the_records(block, name):
    text, readers = DOCUMENTED[block]
    for stated in stated_defaults(documented_options(text)[name]["description"]):
        assert is_a_recorded_default(stated, name, readers), "%s says %s defaults to %s" % (block, name, stated)


def test_the_check_sees_a_fragment_that_changed_a_default_or_a_choice():
    text, readers = DOCUMENTED["dns"]
    retries = text.replace("    type: int\n    default: 1\n", "    type: int\n    default: 2\n")
    assert retries != text
    assert differences(retries, readers) == [
        (
            "retries",
            {"type": "int", "elements": None, "choices": None, "default": 2},
            {"type": "int", "elements": None, "choices": None, "default": 1},
        )
    ]
    srv_target = text.replace("choices: [address, hostname]", "choices: [address, hostname, name]")
    assert [name for name, _documented, _recorded in differences(srv_target, readers)] == ["srv_target"]


def test_the_description_check_sees_a_wrong_default():
    assert stated_defaults(["seconds (default V(2)).", "The provider's default is 30."]) == ["2", "30"]
    assert is_a_recorded_default("2", "timeout", ["dns"])
    assert not is_a_recorded_default("3", "timeout", ["dns"])
    assert is_a_recorded_default("false", "allow_any_provider_path", ["custom"])
    assert not is_a_recorded_default("true", "allow_any_provider_path", ["custom"])


@pytest.mark.parametrize("via", sorted(PROVIDER_OPTIONS))
def test_doc_fragments_document_exactly_the_providers_options(via):
    common_names = set(documented_options(common.ModuleDocFragment.DOCUMENTATION))
    fragments = {
        "self": ["self"],
        "list": ["list"],
        "dns": ["dns"],
        "udp": ["udp", "udp.probe"],
    }
    documented = set().union(*(documented_options(DOCUMENTED[block][0]) for block in fragments[via]))
    assert documented | common_names == set(PROVIDER_OPTIONS[via]) | common_names
    assert common_names == set(DISCOVERY_OPTIONS) | {"app_name"}


def test_custom_providers_options_are_documented():
    documented = set(documented_options(custom.ModuleDocFragment.DOCUMENTATION))
    assert documented == {"via"} | set(CUSTOM_PROVIDER_OPTIONS) - {"app_name"}


def test_the_groups_the_docs_name_are_the_default_groups():
    # The group has no record default: it follows the family.
    role = (PLUGINS.parent / "roles" / "peerage" / "meta" / "argument_specs.yml").read_text()
    fragment = documented_options(udp.ModuleDocFragment.DOCUMENTATION)["group"]["description"]
    for group in DEFAULT_GROUPS.values():
        assert "V(%s)" % group in " ".join(fragment)
        assert "V(%s)" % group in role
