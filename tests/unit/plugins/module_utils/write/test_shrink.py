# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shrink guard's rule: a run removes fewer than half of a file's previous peers unless told otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.write import shrink


def nodes(*numbers):
    return ["app@10.0.0.%d" % number for number in numbers]


@pytest.mark.parametrize(
    ("previous", "allowed"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (6, 2), (7, 3)],
)
def test_by_default_fewer_than_half_may_go(previous, allowed):
    assert shrink.removal_limit(previous) == allowed


def test_a_flap_that_drops_four_of_five_is_refused_naming_them_in_order():
    refused = shrink.refused_removals(nodes(1, 2, 3, 10, 11), nodes(1))
    assert refused == nodes(2, 3, 10, 11)


def test_growing_or_replacing_one_of_five_passes():
    assert shrink.refused_removals(nodes(1, 2, 3, 4, 5), nodes(1, 2, 3, 4, 5, 6)) == []
    assert shrink.refused_removals(nodes(1, 2, 3, 4, 5), nodes(1, 2, 3, 4, 6)) == []


def test_a_first_deploy_and_allow_shrink_are_not_limited():
    assert shrink.refused_removals([], nodes(1)) == []
    assert shrink.refused_removals(nodes(1, 2, 3), [], allow_shrink=True) == []


def test_max_removed_sets_the_limit():
    assert shrink.refused_removals(nodes(1, 2, 3), nodes(1), max_removed=2) == []
    assert shrink.refused_removals(nodes(1, 2, 3), nodes(1, 2), max_removed=0) == nodes(3)


def test_added_and_removed_are_in_node_name_order():
    assert shrink.added_peers(nodes(1), nodes(10, 9, 1)) == nodes(9, 10)
    assert shrink.removed_peers(nodes(10, 9, 1), nodes(1)) == nodes(9, 10)


names = st.sets(st.integers(min_value=0, max_value=30), max_size=12).map(lambda found: nodes(*found))


@given(previous=names, peers=names, max_removed=st.none() | st.integers(min_value=0, max_value=12))
def test_a_list_passes_exactly_when_it_removes_no_more_than_the_limit(previous, peers, max_removed):
    removed = set(previous) - set(peers)
    refused = shrink.refused_removals(previous, peers, max_removed)
    if previous and len(removed) > shrink.removal_limit(len(previous), max_removed):
        assert sorted(refused) == sorted(removed)
    else:
        assert refused == []
    # Adding peers never makes a list refused that was allowed.
    assert shrink.refused_removals(previous, peers + nodes(99), max_removed) == refused


@given(previous=names.filter(bool), peers=names)
def test_by_default_a_passing_list_keeps_a_majority_of_the_previous_peers(previous, peers):
    if not shrink.refused_removals(previous, peers):
        kept = set(previous) & set(peers)
        assert 2 * len(kept) > len(previous)
    else:
        assert 2 * len(set(previous) & set(peers)) <= len(previous)


@given(previous=names, peers=names)
def test_allow_shrink_lets_every_list_pass(previous, peers):
    assert shrink.refused_removals(previous, peers, 0, allow_shrink=True) == []
