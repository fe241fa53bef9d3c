# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's guard and file checks: examples, and the guard's invariant as a property."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import node_sort_key, parse_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import PROVIDER_OPTIONS, TRUST_OPTIONS
from ansible_collections.peerage.peerage.plugins.plugin_utils.role_plan import (
    GuardRefused,
    check_settings,
    guard,
    host_peers,
    render_files,
    role_option_names,
)

SELF = "app@10.0.0.1"
SOURCE = "the dns provider"


def test_include_self_false_and_only_this_host_found_is_refused():
    with pytest.raises(GuardRefused, match=r"found only this host \(app@10\.0\.0\.1\).*peerage_allow_empty=true"):
        guard([SELF], SELF, include_self=False, allow_empty=False, min_peers=0, source=SOURCE)
    assert guard([SELF], SELF, include_self=False, allow_empty=True, min_peers=0, source=SOURCE) == []


def test_min_peers_counts_the_list_the_host_writes():
    found = ["app@10.0.0.2", SELF, "app@10.0.0.3"]
    assert guard(found, SELF, True, False, 3, SOURCE) == [SELF, "app@10.0.0.2", "app@10.0.0.3"]
    with pytest.raises(GuardRefused, match=r"would name 2 node\(s\).*fewer than peerage_min_peers=3"):
        guard(found, SELF, False, False, 3, SOURCE)


def test_a_failed_discovery_is_never_no_peers():
    with pytest.raises(GuardRefused, match=r"^discovery through the dns provider failed, so no file was changed"):
        guard([], SELF, True, True, 0, SOURCE, failure="timeout")


def test_unset_app_name_would_mix_app_names():
    with pytest.raises(GuardRefused) as info:
        guard(["app@10.0.0.2"], "nonode@10.0.0.1", True, False, 1, SOURCE, app_name_set=False)
    message = str(info.value)
    assert "nonode@10.0.0.1" in message and "'app'" in message and "peerage_app_name" in message
    with pytest.raises(
        GuardRefused, match=r"would remove this host as nonode@10\.0\.0\.1, but the peers found name it app"
    ):
        guard(["app@10.0.0.1", "app@10.0.0.2"], "nonode@10.0.0.1", False, False, 1, SOURCE, app_name_set=False)


@pytest.mark.parametrize(
    ("found", "self_name", "expected"),
    [
        # An inventory of host names (no ansible_host), peers named by address: the phantom app@web1.bars.test.
        (
            ["app@10.0.0.5", "app@10.0.0.6"],
            "app@web1.bars.test",
            r"^peerage_include_self=true would add this host as app@web1\.bars\.test, a node that no host is: the"
            r" peers found \(app@10\.0\.0\.5, app@10\.0\.0\.6\) are named by IPv4 address, and this host's address,"
            r" web1\.bars\.test \(from peerage_address, else ansible_host, else inventory_hostname\), is a hostname\."
            r" Set peerage_address to this host's address as its peers name it \(with facts gathered,"
            r" ansible_default_ipv4\.address\); no file was changed\.$",
        ),
        (["app@fd00::5"], "app@10.0.0.5", r"named by IPv6 address, .* is an IPv4 address\..*ansible_default_ipv6"),
        (["app@web2.bars.test"], "app@10.0.0.5", r"named by hostname, .* is an IPv4 address\..*inventory_hostname"),
        # The host's own name among the peers', spelled otherwise.
        (
            ["app@web1.bars.test", "app@web2.bars.test"],
            "app@web1",
            r"^peerage_include_self=true would add this host as app@web1, but the peers found include"
            r" app@web1\.bars\.test, the same host spelled otherwise; a node has one name, so the list would name a"
            r" node that no host is\. Set peerage_address to web1\.bars\.test \(it is web1, from peerage_address,"
            r" else ansible_host, else inventory_hostname\); no file was changed\.$",
        ),
        (["app@web1"], "app@web1.bars.test", r"include app@web1, the same host.*peerage_address to web1 "),
        (["app@Web1.bars.test"], "app@web1.bars.test", r"include app@Web1\.bars\.test, the same host"),
        (["app@web1.bars.test."], "app@web1.bars.test", r"include app@web1\.bars\.test\., the same host"),
        (["app@::ffff:10.0.0.5", "app@10.0.0.6"], "app@10.0.0.5", r"include app@::ffff:10\.0\.0\.5, the same host"),
    ],
)
def test_this_host_is_never_added_under_a_name_no_host_is(found, self_name, expected):
    with pytest.raises(GuardRefused, match=expected):
        guard(found, self_name, True, False, 1, SOURCE)
    # Removing it harms nothing, so include_self=false is not refused for it.
    assert guard(found, self_name, False, False, 1, SOURCE) == sorted(found, key=node_sort_key)


@pytest.mark.parametrize(
    ("found", "self_name"),
    [
        # A host not found yet, named like its peers, is added: a host joining the cluster.
        (["app@10.0.0.5"], "app@10.0.0.7"),
        (["app@web1.bars.test"], "app@web10.bars.test"),
        (["app@web1.bars.test"], "app@web1.other.test"),
        # Peers of both address families: an IPv4 address is of their kinds.
        (["app@10.0.0.5", "app@fd00::5"], "app@10.0.0.7"),
    ],
)
def test_a_host_named_like_its_peers_is_added(found, self_name):
    assert self_name in guard(found, self_name, True, False, 1, SOURCE)


def test_every_file_is_checked_before_any_is_written():
    files = [{"dest": "/a", "format": "json"}, {"dest": "/b", "format": "erlang_config", "options": {"mandatory": 2}}]
    expected = r"^peerage_files\[1\] \(dest /b\): invalid erlang_config option mandatory 2: expected a boolean"
    with pytest.raises(PeerageError, match=expected):
        render_files(files, [SELF])
    with pytest.raises(PeerageError, match=r"peerage_files\[0\] \(dest /a\): format 'yaml' is not one of"):
        render_files([{"dest": "/a", "format": "yaml"}], [SELF])
    with pytest.raises(PeerageError, match=r"exactly one of format"):
        render_files([{"dest": "/a", "format": "json", "src": "x.j2"}], [SELF])
    planned = render_files([{"dest": "/a", "format": "json"}, {"dest": "/c", "src": "x.j2"}], [SELF])
    assert planned == [
        {"dest": "/a", "format": "json", "secret": False, "content": '["app@10.0.0.1"]\n'},
        {"dest": "/c", "src": "x.j2", "secret": False},
    ]


@pytest.mark.parametrize("via", [*sorted(PROVIDER_OPTIONS), "my_provider"])
def test_the_role_passes_the_providers_options_but_decides_emptiness_and_self_itself(via):
    names = role_option_names(via)
    assert "allow_empty" not in names and "include_self" not in names
    assert "secret" not in names or via == "udp"
    beacon = role_option_names("udp", beacon=True)
    assert {"app_name", "port", "secret", "group"} <= set(beacon)
    assert not {"timeout", "interval", "expect", "log_results", "peerage_compat"} & set(beacon)


@pytest.mark.parametrize("via", [*sorted(PROVIDER_OPTIONS), "my_provider", "some.collection.lookup"])
def test_the_role_never_passes_an_option_that_chooses_code(via):
    # As a keyword argument it would count as the lookup call's own, even when inventory set the variable.
    assert not set(TRUST_OPTIONS) & set(role_option_names(via))
    assert role_option_names("my_provider") == ["log_results", "app_name", "provider_options"]


# --- the guard's invariant -----------------------------------------------------

HOSTS = st.sampled_from(["10.0.0.%d" % i for i in range(1, 6)])
NAMES = st.builds(lambda app, host: "%s@%s" % (app, host), st.sampled_from(["app"]), HOSTS)


@given(
    found=st.lists(NAMES, max_size=6),
    self_host=HOSTS,
    include_self=st.booleans(),
    allow_empty=st.booleans(),
    min_peers=st.integers(min_value=0, max_value=6),
)
def test_the_guard_passes_exactly_the_lists_that_may_be_written(found, self_host, include_self, allow_empty, min_peers):
    self_name = "app@" + self_host
    expected = sorted(set(found) | {self_name} if include_self else set(found) - {self_name})
    may_write = (bool(found) or allow_empty) and (bool(expected) or allow_empty) and len(expected) >= min_peers
    try:
        written = guard(found, self_name, include_self, allow_empty, min_peers, SOURCE)
    except GuardRefused:
        assert not may_write
        return
    assert may_write
    # What passes is the list the host writes, after self was added or removed.
    assert written == host_peers(found, self_name, include_self)
    assert sorted(written) == expected
    assert (self_name in written) == include_self


# Hosts of every kind, in groups that name one host each: a node has one name, so
# two members of a group in one list name one host twice, and one of them is no node.
SAME_HOST = [
    ["10.0.0.1", "::ffff:10.0.0.1"],
    ["10.0.0.2"],
    ["fd00::1"],
    ["web1", "web1.bars.test", "WEB1.bars.test", "web1.bars.test."],
    ["web2.bars.test"],
]
HOST_OF = {spelling: index for index, group in enumerate(SAME_HOST) for spelling in group}
ANY_HOST = st.sampled_from(sorted(HOST_OF))


def _kind(name):
    return parse_node_name(name).host_kind


@given(
    found=st.lists(st.builds("app@{}".format, ANY_HOST), max_size=5),
    self_host=ANY_HOST,
    include_self=st.booleans(),
    allow_empty=st.booleans(),
    min_peers=st.integers(min_value=0, max_value=6),
)
def test_the_guard_never_adds_a_name_no_host_is(found, self_host, include_self, allow_empty, min_peers):
    self_name = parse_node_name("app@" + self_host)
    self_name = "%s@%s" % (self_name.name, self_name.host)
    found_names = {"%s@%s" % (n.name, n.host) for n in map(parse_node_name, found)}
    added = include_self and found_names and self_name not in found_names
    phantom = added and (
        _kind(self_name) not in {_kind(name) for name in found_names}
        or any(HOST_OF[parse_node_name(name).host] == HOST_OF[self_host] for name in found_names)
    )
    try:
        written = guard(found, self_name, include_self, allow_empty, min_peers, SOURCE)
    except GuardRefused as refused:
        if phantom:
            assert "peerage_address" in str(refused)
        return
    assert not phantom
    if found and self_name in written and self_name not in found_names:
        # Added: of a kind the discovered names are, and none of them spelled otherwise.
        assert _kind(self_name) in {_kind(name) for name in found_names}
        assert all(HOST_OF[parse_node_name(name).host] != HOST_OF[self_host] for name in found_names)


def test_a_release_env_file_names_this_host_and_a_cookie_makes_it_secret():
    files = [
        {"dest": "/a", "format": "lines"},
        {"dest": "/b", "format": "release_env"},
        {"dest": "/c", "format": "release_env", "options": {"cookie": "sEcReT"}},
    ]
    planned = render_files(files, ["app@10.0.0.2", "app@10.0.0.3"], "app@10.0.0.9")
    assert [item["secret"] for item in planned] == [False, False, True]
    assert "app@10.0.0.2" in planned[0]["content"]
    assert 'RELEASE_NODE="app@10.0.0.9"' in planned[1]["content"]
    assert "app@10.0.0.2" not in planned[1]["content"]
    assert 'RELEASE_COOKIE="sEcReT"' in planned[2]["content"]


class TemplarHoldingList(list):
    """Stands in for the lists ansible-core 2.19 and later pass a filter, whose deep copy copies a templar."""

    def __deepcopy__(self, memo):
        raise AssertionError("a container of the settings was deep-copied")


def test_settings_are_checked_without_deep_copying_the_containers_they_came_in():
    options = {"peerage_files": {"type": "list", "elements": "dict"}, "peerage_min_peers": {"type": "int"}}
    settings = {"peerage_files": TemplarHoldingList([{"dest": "/a", "format": "json"}]), "peerage_min_peers": "2"}
    assert check_settings(settings, options) is settings
    with pytest.raises(PeerageError, match="peerage_min_peers"):
        check_settings({"peerage_files": TemplarHoldingList(), "peerage_min_peers": "two"}, options)
