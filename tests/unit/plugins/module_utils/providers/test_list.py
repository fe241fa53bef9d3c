# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The list provider: names as given, split from one string when configuration can only hold strings."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as via_list


def test_poll_validates_and_canonicalises_each_name(reports):
    names = via_list.poll({"node_list": ["a@[FD00::1]", "a@Node1.Example.", "a@10.0.0.1"]}, reports)
    assert names == ["a@fd00::1", "a@Node1.Example.", "a@10.0.0.1"]
    assert reports.at(3) == ["list: 3 name(s) given"]


def test_poll_leaves_order_and_duplicates_to_discovery():
    assert via_list.poll({"node_list": "a@10.0.0.2,a@10.0.0.1,a@10.0.0.2"}) == [
        "a@10.0.0.2",
        "a@10.0.0.1",
        "a@10.0.0.2",
    ]


def test_poll_without_names_gives_none():
    assert via_list.poll({}) == []


@pytest.mark.parametrize(
    ("node_list", "message"),
    [
        (["a@10.0.0.1", "noat"], "invalid node name 'noat': it has no '@'"),
        (["a@h1", "a@h 2"], "invalid node name '2': it has no '@'"),
        ("a@10.0.0.1,b@'x'", "invalid node name \"b@'x'\": it contains a quote"),
        ([7], "invalid node name 7: a node name must be a string"),
    ],
)
def test_poll_refuses_an_invalid_name_naming_it(node_list, message):
    with pytest.raises(NodeNameError) as caught:
        via_list.poll({"node_list": node_list})
    assert str(caught.value).startswith(message)
