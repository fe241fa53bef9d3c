# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""PROVIDER_OPTIONS is the one list of each provider's options: everything else that lists them agrees."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins.doc_fragments import common, custom, dns, udp
from ansible_collections.peerage.peerage.plugins.doc_fragments import list as list_fragment
from ansible_collections.peerage.peerage.plugins.doc_fragments import self as self_fragment
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import (
    CUSTOM_PROVIDER_OPTIONS,
    DISCOVERY_OPTIONS,
    PROVIDER_OPTIONS,
    options_read,
)
from ansible_collections.peerage.peerage.plugins.module_utils.via_udp import PROBE_ARGUMENT_SPEC
from ansible_collections.peerage.peerage.plugins.modules import discover


def documented(*texts):
    names = set()
    for text in texts:
        names.update(yaml.safe_load(text)["options"])
    return names


COMMON = documented(common.ModuleDocFragment.DOCUMENTATION)

FRAGMENTS = {
    "self": [self_fragment.ModuleDocFragment.DOCUMENTATION],
    "list": [list_fragment.ModuleDocFragment.DOCUMENTATION],
    "dns": [dns.ModuleDocFragment.DOCUMENTATION],
    "udp": [udp.ModuleDocFragment.DOCUMENTATION, udp.ModuleDocFragment.PROBE],
}


@pytest.mark.parametrize("via", sorted(PROVIDER_OPTIONS))
def test_doc_fragments_document_exactly_the_providers_options(via):
    # Every provider reads the common options it names (app_name), and discovery reads the rest.
    assert documented(*FRAGMENTS[via]) | COMMON == set(PROVIDER_OPTIONS[via]) | COMMON
    assert COMMON == set(DISCOVERY_OPTIONS) | {"app_name"}


def test_custom_providers_options_are_documented():
    assert documented(custom.ModuleDocFragment.DOCUMENTATION) == {"via"} | set(CUSTOM_PROVIDER_OPTIONS) - {"app_name"}


def test_udp_options_are_the_probes_argument_spec():
    assert set(PROVIDER_OPTIONS["udp"]) == set(PROBE_ARGUMENT_SPEC)


def test_discover_module_takes_every_built_in_providers_options_and_no_other():
    every = set(DISCOVERY_OPTIONS).union(*PROVIDER_OPTIONS.values())
    assert set(discover.ARGUMENT_SPEC) == every | {"via"}
    assert discover.VIA_CHOICES == list(PROVIDER_OPTIONS)


@pytest.mark.parametrize("via", [*sorted(PROVIDER_OPTIONS), "my_provider", "some.collection.lookup"])
def test_options_read_starts_with_discoverys_own_and_repeats_none(via):
    names = options_read(via)
    assert names[: len(DISCOVERY_OPTIONS)] == DISCOVERY_OPTIONS
    assert len(names) == len(set(names))
    expected = PROVIDER_OPTIONS.get(via, CUSTOM_PROVIDER_OPTIONS)
    assert set(names) == set(DISCOVERY_OPTIONS) | set(expected)
    assert "secret" not in names or via == "udp"
