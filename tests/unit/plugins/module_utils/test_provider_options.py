# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The option records: one per option and meaning, and what is built from them.

tests/unit/plugins/doc_fragments/test_docs_are_the_records.py checks the
option docs against them, tests/unit/roles the role's argument spec.
"""

from __future__ import annotations

import re

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils import provider_options as records_module
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    CUSTOM_PROVIDER_OPTIONS,
    DISCOVERY_OPTIONS,
    OPTIONS,
    PROVIDER_OPTIONS,
    TRUST_OPTIONS,
    argument_spec,
    default_of,
    names_read_by,
    options_read,
    records,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import PROBE_ARGUMENT_SPEC
from ansible_collections.peerage.peerage.plugins.modules import beacon, discover, udp_probe


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: "%s:%s" % (option.name, "+".join(option.readers)))
def test_a_default_has_its_options_type(option):
    kinds = {"bool": bool, "int": int, "float": float, "str": str, "path": str, "list": tuple, "dict": dict}
    if option.default is not None:
        assert isinstance(option.default, kinds[option.type])
        assert option.type == "bool" or not isinstance(option.default, bool)
    if option.choices:
        defaults = option.default if isinstance(option.default, tuple) else (option.default,)
        assert set(defaults) - {None} <= set(option.choices)
    assert option.readers


def test_one_reader_reads_one_record_of_a_name():
    readers = {reader for option in OPTIONS for reader in option.readers}
    for reader in readers:
        names = [option.name for option in OPTIONS if reader in option.readers]
        assert len(names) == len(set(names)), reader


def test_options_read_under_one_name_agree_on_type_and_secrecy():
    for name in {option.name for option in OPTIONS}:
        found = records(name)
        assert len({(option.type, option.elements, option.secret, option.trust) for option in found}) == 1, name


def test_defaults_are_copies():
    first = default_of("dns_name", "dns")
    first.append("changed")
    assert default_of("dns_name", "dns") == ["localhost"]
    options = default_of("provider_options", "custom")
    options["changed"] = True
    assert default_of("provider_options", "custom") == {}


def test_the_secret_is_no_log_and_the_trust_options_are_the_custom_providers():
    assert [option.name for option in OPTIONS if option.secret] == ["secret"]
    assert argument_spec(["secret"], ["udp"])["secret"]["no_log"] is True
    assert set(TRUST_OPTIONS) == {"via", "provider_paths", "allow_any_provider_path"}


def test_two_readers_that_default_an_option_differently_leave_it_to_each():
    assert argument_spec(["timeout"], ["dns"])["timeout"]["default"] == 2.0
    assert argument_spec(["timeout"], ["udp"])["timeout"]["default"] == 5.0
    assert "default" not in argument_spec(["timeout"], ["dns", "udp"])["timeout"]
    assert "default" not in argument_spec(["interval"], ["udp", "beacon"])["interval"]


def test_an_unknown_option_or_reader_is_a_key_error():
    with pytest.raises(KeyError, match="no option 'nosuch'"):
        records("nosuch")
    with pytest.raises(KeyError, match="no option 'secret' read by dns"):
        default_of("secret", "dns")


# ------------------------------------------------- what is built from them


def test_udp_options_are_the_probes_argument_spec():
    assert set(PROVIDER_OPTIONS["udp"]) == set(PROBE_ARGUMENT_SPEC)


def test_discover_module_takes_every_built_in_providers_options_and_no_other():
    every = set(DISCOVERY_OPTIONS).union(*PROVIDER_OPTIONS.values())
    assert set(discover.ARGUMENT_SPEC) == every | {"via"}
    assert discover.VIA_CHOICES == list(PROVIDER_OPTIONS)
    assert discover.ARGUMENT_SPEC["via"] == {"type": "str", "choices": ["self", "list", "dns", "udp"], "default": "dns"}


def test_the_modules_argument_specs_are_the_records():
    assert discover.ARGUMENT_SPEC["dns_name"] == {"type": "list", "elements": "str", "default": ["localhost"]}
    assert discover.ARGUMENT_SPEC["interval"] == {"type": "float", "default": 0.5}
    assert udp_probe.ARGUMENT_SPEC["allow_empty"] == {"type": "bool", "default": False}
    assert set(udp_probe.ARGUMENT_SPEC) == set(names_read_by("udp")) | {"allow_empty"}
    assert beacon.ARGUMENT_SPEC["interval"] == {"type": "float", "default": 5.0}
    assert beacon.ARGUMENT_SPEC["state"]["choices"] == ["started", "stopped", "installed"]
    assert beacon.ARGUMENT_SPEC["secret"]["no_log"] is True


@pytest.mark.parametrize("via", [*sorted(PROVIDER_OPTIONS), "my_provider", "some.collection.lookup"])
def test_options_read_starts_with_discoverys_own_and_repeats_none(via):
    names = options_read(via)
    assert names[: len(DISCOVERY_OPTIONS)] == DISCOVERY_OPTIONS
    assert len(names) == len(set(names))
    expected = PROVIDER_OPTIONS.get(via, CUSTOM_PROVIDER_OPTIONS)
    assert set(names) == set(DISCOVERY_OPTIONS) | set(expected)
    assert "secret" not in names or via == "udp"


def test_the_records_module_runs_on_targets():
    # Standard library only: it is copied into the beacon program and imported by modules.
    source = open(records_module.__file__).read()
    imports = re.findall(r"^(?:from|import) (\S+)", source, re.MULTILINE)
    assert set(imports) <= {"__future__", "collections"}
