# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one path every provider's result takes: validate, deduplicate, sort, and decide about "no peers"."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils import discovery
from ansible_collections.peerage.peerage.plugins.module_utils.errors import (
    DiscoveryFailed,
    NodeNameError,
    NoPeersFound,
    OptionError,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as via_dns
from ansible_collections.peerage.peerage.plugins.module_utils.providers import list as via_list
from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry
from ansible_collections.peerage.peerage.plugins.module_utils.providers import self as via_self
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp as via_udp


@pytest.fixture
def providers(monkeypatch):
    """A private copy of the provider table, so registering one here leaves the real table alone."""
    table = dict(registry.BUILTIN_PROVIDERS)
    monkeypatch.setattr(registry, "BUILTIN_PROVIDERS", table)
    return table


def provider(result=None, exc=None):
    """A provider module whose ``poll`` returns ``result`` or raises ``exc``, recording its calls."""
    calls = []

    def poll(options, report=None):
        calls.append((options, report))
        if exc is not None:
            raise exc
        return result

    return types.SimpleNamespace(poll=poll, calls=calls)


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


# -------------------------------------------------------------- providers


def test_built_in_providers():
    assert registry.builtin_provider("list") is via_list.poll
    assert registry.builtin_provider("self") is via_self.poll
    assert registry.builtin_provider("dns") is via_dns.poll
    assert registry.builtin_provider("udp") is via_udp.poll


def test_providers_are_imported_only_when_run():
    # A fresh interpreter: this one has imported dnspython for the other tests.
    script = (
        "import sys\n"
        "from ansible_collections.peerage.peerage.plugins.module_utils.providers import registry\n"
        "assert registry.discover('list', {'node_list': ['a@10.0.0.1']}) == ['a@10.0.0.1']\n"
        "heavy = ('.providers.dns', '.providers.udp', '.udp.beacon')\n"
        "loaded = sorted(m for m in sys.modules if m == 'dns' or m.endswith(heavy))\n"
        "print(','.join(loaded))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_unknown_provider_is_refused_naming_the_built_in_ones(providers):
    with pytest.raises(OptionError) as caught:
        registry.builtin_provider("consul")
    assert str(caught.value) == "unknown provider 'consul': built-in providers are %s" % ", ".join(sorted(providers))


def test_registered_provider_is_run_and_finished(providers, reports):
    fake = provider(["a@10.0.0.2", "a@10.0.0.1", "a@10.0.0.2"])
    registry.register_provider("fake", fake)
    assert registry.discover("fake", {"x": 1}, reports) == ["a@10.0.0.1", "a@10.0.0.2"]
    assert fake.calls == [({"x": 1}, reports)]
    assert reports.at(1) == ["peerage: the fake provider found 2 peer(s): a@10.0.0.1, a@10.0.0.2"]


def test_discover_unknown_provider(providers):
    with pytest.raises(OptionError, match="unknown provider 'nope'"):
        registry.discover("nope", {})


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


def test_failed_discovery_from_any_provider_passes_through(providers):
    registry.register_provider("fake", provider(exc=DiscoveryFailed("probe failed", reason="timeout")))
    with pytest.raises(DiscoveryFailed, match="probe failed"):
        registry.discover("fake", {"allow_empty": True})


def test_option_errors_pass_through_even_when_empty_is_allowed():
    with pytest.raises(OptionError, match="invalid node_list 5: expected a list"):
        registry.discover("list", {"node_list": 5, "allow_empty": True})


@pytest.mark.parametrize("result", [None, [], ()])
def test_provider_returning_nothing_with_empty_allowed(providers, result):
    registry.register_provider("fake", provider(result))
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
def test_provider_returning_something_else_than_a_list_fails(providers, result, message):
    registry.register_provider("fake", provider(result))
    with pytest.raises(OptionError) as caught:
        registry.discover("fake", {"allow_empty": True})
    assert str(caught.value).startswith(message)
