# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one path every provider's result takes: validate, deduplicate, sort, and decide about "no peers"."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils import discovery
from ansible_collections.peerage.peerage.plugins.module_utils.errors import (
    DiscoveryFailed,
    NodeNameError,
    NoPeersFound,
    OptionError,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry

# ----------------------------------------------------------------- finish


def test_finish_validates_deduplicates_and_sorts(reports):
    names = ["b@10.0.0.1", "a@10.0.0.10", "a@10.0.0.9", "a@[FD00::1]", "a@10.0.0.9", "a@fd00::1", "a@Host"]
    peers = discovery.finish(names, {}, "the test provider", reports)
    assert peers == ["a@10.0.0.9", "a@10.0.0.10", "a@fd00::1", "a@Host", "b@10.0.0.1"]
    assert reports.at(1) == ["peerage: the test provider found 5 peer(s): " + ", ".join(peers)]


@pytest.mark.parametrize("names", [("a@h2", "a@h1"), {"a@h2", "a@h1"}, iter(["a@h2", "a@h1"])])
def test_finish_takes_any_iterable_of_names(names):
    assert discovery.finish(names, {}, "p") == ["a@h1", "a@h2"]


@pytest.mark.parametrize("names", [[], None, ()])
def test_finish_nothing_found_fails_unless_allowed(names, reports):
    with pytest.raises(NoPeersFound) as caught:
        discovery.finish(names, {"allow_empty": False}, "the test provider", reports)
    assert str(caught.value) == "the test provider found no peers"
    assert discovery.finish(names, {"allow_empty": True}, "the test provider", reports) == []
    assert reports.at(1) == ["peerage: the test provider found 0 peer(s): none"]


@pytest.mark.parametrize("names", ["a@10.0.0.1", b"a@10.0.0.1", 5, 1.5, True])
def test_finish_refuses_what_is_not_a_list(names):
    with pytest.raises(OptionError) as caught:
        discovery.finish(names, {"allow_empty": True}, "the custom provider x.py")
    assert str(caught.value) == "the custom provider x.py returned %r: a provider must return a list of node names" % (
        names,
    )


def test_finish_refuses_an_invalid_name():
    with pytest.raises(NodeNameError, match="invalid node name 'a@b@c'"):
        discovery.finish(["a@10.0.0.1", "a@b@c"], {}, "p")


# -------------------------------------------------------------- allow_empty


def test_empty_list_fails_unless_allowed():
    with pytest.raises(NoPeersFound, match=r"^the list provider found no peers$"):
        registry.discover("list", {"node_list": []})
    assert registry.discover("list", {"node_list": [], "allow_empty": True}) == []


def test_no_peers_from_the_provider_becomes_an_empty_list_only_when_allowed(fake_dns, reports):
    fake_dns.reply("svc.example", "A", rcode="NXDOMAIN")
    options = {"dns_name": "svc.example", "record_types": "A", "nameserver": "10.0.0.53"}
    with pytest.raises(NoPeersFound, match=r"DNS name 'svc.example' has no A records .*\(NXDOMAIN\)"):
        registry.discover("dns", options, reports)
    assert reports.at(1) == []
    assert registry.discover("dns", dict(options, allow_empty=True), reports) == []
    assert reports.at(1) == [
        "peerage: the dns provider found no peers (allowed): DNS name 'svc.example' has no A records"
        " at nameserver 10.0.0.53:53 (NXDOMAIN)"
    ]
    # The query detail went to the -vvv level.
    assert any(line.startswith("dns: svc.example A at 10.0.0.53:53: NXDOMAIN") for line in reports.at(3))


@pytest.mark.parametrize("rcode", ["SERVFAIL", "REFUSED"])
def test_failed_discovery_is_never_an_empty_list(fake_dns, rcode):
    fake_dns.reply("svc.example", "A", rcode=rcode)
    options = {"dns_name": "svc.example", "record_types": "A", "nameserver": "10.0.0.53", "allow_empty": True}
    with pytest.raises(DiscoveryFailed) as caught:
        registry.discover("dns", options)
    assert caught.value.reason == rcode.lower()


def test_failed_discovery_from_any_provider_passes_through(providers, fake_provider):
    registry.register_provider("fake", fake_provider(exc=DiscoveryFailed("probe failed", reason="timeout")))
    with pytest.raises(DiscoveryFailed, match="probe failed"):
        registry.discover("fake", {"allow_empty": True})


def test_option_errors_pass_through_even_when_empty_is_allowed():
    with pytest.raises(OptionError, match="invalid node_list 5: expected a list"):
        registry.discover("list", {"node_list": 5, "allow_empty": True})


@pytest.mark.parametrize("result", [None, [], ()])
def test_provider_returning_nothing_with_empty_allowed(providers, result, fake_provider):
    registry.register_provider("fake", fake_provider(result))
    assert registry.discover("fake", {"allow_empty": True}) == []


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("a@10.0.0.1", "the fake provider returned 'a@10.0.0.1': a provider must return a list of node names"),
        (42, "the fake provider returned 42: a provider must return a list of node names"),
        # A mapping is refused whole, not iterated by its keys.
        (
            {"peers": ["a@10.0.0.1"]},
            "the fake provider returned {'peers': ['a@10.0.0.1']}: a provider must return a list of node names",
        ),
    ],
)
def test_provider_returning_something_else_than_a_list_fails(providers, result, message, fake_provider):
    registry.register_provider("fake", fake_provider(result))
    with pytest.raises(OptionError) as caught:
        registry.discover("fake", {"allow_empty": True})
    assert str(caught.value).startswith(message)
