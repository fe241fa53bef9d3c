# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The self provider: this host's node name, from the first address source that is set."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import self as via_self

ALL_SOURCES = {"address": "10.0.0.5", "ansible_host": "10.0.0.6", "inventory_hostname": "node1.example"}


@pytest.mark.parametrize(
    ("unset", "expected"),
    [
        ((), "app@10.0.0.5"),
        (("address",), "app@10.0.0.6"),
        (("address", "ansible_host"), "app@node1.example"),
    ],
)
def test_address_then_ansible_host_then_inventory_hostname(unset, expected, reports):
    options = dict(ALL_SOURCES, app_name="app")
    for key in unset:
        options[key] = None
    assert via_self.poll(options, reports) == [expected]
    source = next(key for key in via_self.ADDRESS_SOURCES if key not in unset)
    assert reports.at(3) == ["self: address %r taken from %s" % (options[source], source)]


def test_empty_values_fall_through():
    assert via_self.poll({"address": "", "ansible_host": "", "inventory_hostname": "h1"}) == ["nonode@h1"]


def test_default_app_name_is_nonode():
    assert via_self.poll({"address": "10.0.0.5", "app_name": None}) == ["nonode@10.0.0.5"]


@pytest.mark.parametrize(
    ("address", "expected"),
    [("fd00::5", "app@fd00::5"), ("[FD00::5]", "app@fd00::5"), ("Node1.Example", "app@Node1.Example")],
)
def test_address_is_canonicalised(address, expected):
    assert via_self.poll({"app_name": "app", "address": address}) == [expected]


def test_no_address_anywhere_is_refused_saying_what_to_set():
    with pytest.raises(OptionError) as caught:
        via_self.poll({"app_name": "app", "address": None})
    message = str(caught.value)
    for source in via_self.ADDRESS_SOURCES:
        assert source in message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"address": "10.0.0.5 "}, "invalid node name 'nonode@10.0.0.5 ': it contains whitespace"),
        ({"inventory_hostname": "host_-"}, "invalid node name 'nonode@host_-'"),
        ({"address": "10.0.0.5", "app_name": "my app"}, "invalid app name 'my app'"),
    ],
)
def test_invalid_address_or_app_name_is_refused(options, message):
    with pytest.raises(NodeNameError) as caught:
        via_self.poll(options)
    assert str(caught.value).startswith(message)
