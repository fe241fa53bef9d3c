# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's peerage_<option> variables are the collection's options: same type, choices and defaults.

The role passes each to a provider or a beacon, so its argument spec (what
the settings check refuses), its defaults/main.yml (what it applies) and the
defaults its descriptions name must be the option records' own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import OPTIONS, argument_spec
from ansible_collections.peerage.peerage.tests.unit.plugins.doc_fragments.test_docs_are_the_records import (
    is_a_recorded_default,
    stated_defaults,
)

ROLE = Path(__file__).resolve().parents[3] / "roles" / "peerage"
ENTRY_POINT = "peerage"
# Everything the role passes on: the peers lookup or the discover module, and the UDP beacons.
READERS = ("any", "discovery", "self", "list", "dns", "udp", "custom", "beacon")
RECORDED = {option.name for option in OPTIONS if set(option.readers) & set(READERS)}


def load(relative):
    return yaml.safe_load((ROLE / relative).read_text())


SPEC = load("meta/argument_specs.yml")["argument_specs"][ENTRY_POINT]["options"]
DEFAULTS = load("defaults/main.yml")
PASSED = sorted(name for name in SPEC if name.startswith("peerage_") and name[len("peerage_") :] in RECORDED)


def test_the_role_documents_options_of_the_records():
    # A sample that must be there, so the parametrized tests below cannot pass on an empty list.
    sample = {"peerage_via", "peerage_dns_name", "peerage_timeout", "peerage_port", "peerage_allow_any_provider_path"}
    assert sample <= set(PASSED)


@pytest.mark.parametrize("variable", PASSED)
def test_a_role_variable_has_its_options_type_and_choices(variable):
    name = variable[len("peerage_") :]
    expected = argument_spec([name], READERS)[name]
    spec = SPEC[variable]
    assert (spec["type"], spec.get("elements"), spec.get("choices")) == (
        expected["type"],
        expected.get("elements"),
        expected.get("choices"),
    )


@pytest.mark.parametrize("variable", PASSED)
def test_a_role_default_is_the_options_default(variable):
    name = variable[len("peerage_") :]
    expected = argument_spec([name], READERS)[name]
    if "default" in SPEC[variable]:
        assert SPEC[variable]["default"] == expected["default"]
    if variable in DEFAULTS:
        assert DEFAULTS[variable] == expected["default"]


@pytest.mark.parametrize("variable", PASSED)
def test_a_default_the_role_names_in_words_is_the_options_default(variable):
    name = variable[len("peerage_") :]
    for stated in stated_defaults(SPEC[variable]["description"]):
        assert is_a_recorded_default(stated, name, READERS), "%s says the default is %s" % (variable, stated)
