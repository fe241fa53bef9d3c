# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dns provider against a scripted DNS: what is asked, of whom, and what each outcome becomes."""

from __future__ import annotations

import socket
import threading

import dns.exception
import dns.message
import dns.query
import dns.resolver
import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import (
    DiscoveryFailed,
    NodeNameError,
    NoPeersFound,
    OptionError,
)
from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as via_dns

NS1 = ("10.0.0.53", 53)
NS2 = ("fd00::53", 5353)
DIRECT = {"app_name": "app", "nameserver": ["10.0.0.53"]}
BOTH_TYPES = ["A", "AAAA"]
BOTH_SERVERS = {"app_name": "app", "nameserver": ["10.0.0.53", "[fd00::53]:5353"]}


def options(base=None, **extra):
    merged = dict(DIRECT if base is None else base)
    merged.update(extra)
    return merged


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.53", ("10.0.0.53", 53)),
        (" 10.0.0.53:5353 ", ("10.0.0.53", 5353)),
        ("10.0.0.53:1", ("10.0.0.53", 1)),
        ("10.0.0.53:65535", ("10.0.0.53", 65535)),
        ("fd00::53", ("fd00::53", 53)),
        ("[fd00::53]", ("fd00::53", 53)),
        ("[fd00::53]:5353", ("fd00::53", 5353)),
        ("[FD00:0:0::53]:53", ("fd00::53", 53)),
        ("::1", ("::1", 53)),
    ],
)
def test_nameserver_forms(value, expected):
    assert via_dns.parse_nameserver(value) == expected


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "expected 'address' or 'address:port' (IPv6 as '[addr]:port')"),
        ("   ", "expected 'address' or 'address:port' (IPv6 as '[addr]:port')"),
        (None, "expected 'address' or 'address:port' (IPv6 as '[addr]:port')"),
        (53, "expected 'address' or 'address:port' (IPv6 as '[addr]:port')"),
        ("10.0.0.53:0", "the port must be a number from 1 to 65535"),
        ("10.0.0.53:65536", "the port must be a number from 1 to 65535"),
        ("10.0.0.53:dns", "the port must be a number from 1 to 65535"),
        ("10.0.0.53:", "the port must be a number from 1 to 65535"),
        ("10.0.0.53:-1", "the port must be a number from 1 to 65535"),
        ("[fd00::53]:0", "the port must be a number from 1 to 65535"),
        ("[fd00::53]:", "the port must be a number from 1 to 65535"),
        ("[fd00::53]5353", "an IPv6 address in brackets may only be followed by ':port'"),
        ("[fd00::53", "an IPv6 address in brackets may only be followed by ':port'"),
        ("ns1.example.com", "the address must be an IPv4 or IPv6 address"),
        ("ns1.example.com:53", "the address must be an IPv4 or IPv6 address"),
        ("10.0.0.300", "the address must be an IPv4 or IPv6 address"),
        ("fe80::1%eth0", "the address must be an IPv4 or IPv6 address"),
        ("[ns1.example.com]:53", "the address must be an IPv4 or IPv6 address"),
    ],
)
def test_bad_nameservers_are_refused_naming_value_and_rule(value, rule):
    with pytest.raises(OptionError) as caught:
        via_dns.parse_nameserver(value)
    assert str(caught.value) == "invalid nameserver %r: %s" % (value, rule)


def test_nameservers_are_shown_with_their_ports():
    assert via_dns.format_server(("10.0.0.53", 53)) == "10.0.0.53:53"
    assert via_dns.format_server(("fd00::53", 5353)) == "[fd00::53]:5353"


def test_settings_defaults():
    settings = via_dns.DnsSettings({})
    assert settings.app_name == "nonode"
    assert settings.dns_names == ["localhost"]
    # A alone, as Peerage asks: a host with two addresses is one node.
    assert settings.record_types == ["A"]
    assert settings.nameservers == []
    assert settings.timeout == 2.0
    assert settings.retries == 1
    assert settings.srv_target == "address"
    assert settings.where() == "the system resolver"


def test_settings_take_strings_as_the_environment_gives_them():
    settings = via_dns.DnsSettings(
        {
            "app_name": "app",
            "dns_name": "a.example, b.example",
            "record_types": "aaaa,a, AAAA",
            "nameserver": "10.0.0.53:5353, [fd00::53]",
            "timeout": "0.5",
            "retries": "3",
            "srv_target": "hostname",
        }
    )
    assert settings.dns_names == ["a.example", "b.example"]
    assert settings.record_types == ["AAAA", "A"]
    assert settings.nameservers == [("10.0.0.53", 5353), ("fd00::53", 53)]
    assert (settings.timeout, settings.retries) == (0.5, 3)
    assert settings.srv_target == "hostname"
    assert settings.where() == "nameservers 10.0.0.53:5353, [fd00::53]:53"
    assert via_dns.DnsSettings({"nameserver": ["10.0.0.53"]}).where() == "nameserver 10.0.0.53:53"


@pytest.mark.parametrize(
    ("record_types", "address_types"),
    [
        (["SRV"], ["A"]),
        (["SRV", "AAAA"], ["AAAA"]),
        (["A", "SRV"], ["A"]),
        (["SRV", "AAAA", "A"], ["AAAA", "A"]),
    ],
)
def test_srv_targets_resolve_to_the_address_types_asked_for_or_a(record_types, address_types):
    assert via_dns.DnsSettings({"record_types": record_types}).address_types == address_types


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"record_types": ["A", "MX"]}, "invalid record type 'MX' in record_types: allowed are A, AAAA, SRV"),
        ({"record_types": "txt"}, "invalid record type 'TXT' in record_types: allowed are A, AAAA, SRV"),
        ({"timeout": "soon"}, "invalid timeout 'soon': expected a number >= 0.001"),
        ({"timeout": 0}, "invalid timeout 0: expected a number >= 0.001"),
        ({"timeout": -1.5}, "invalid timeout -1.5: expected a number >= 0.001"),
        ({"retries": -1}, "invalid retries -1: expected a whole number >= 0"),
        ({"retries": "twice"}, "invalid retries 'twice': expected a whole number >= 0"),
        ({"retries": [1]}, "invalid retries [1]: expected a whole number >= 0"),
        ({"srv_target": "ip"}, "invalid srv_target 'ip': allowed are address, hostname"),
        ({"nameserver": ["10.0.0.53", "ns.example"]}, "invalid nameserver 'ns.example': the address must be"),
    ],
)
def test_bad_options_are_refused_naming_value_and_what_is_allowed(extra, message):
    with pytest.raises(OptionError) as caught:
        via_dns.DnsSettings(extra)
    assert str(caught.value).startswith(message)


def test_bad_app_name_is_refused_before_anything_is_asked(fake_dns):
    with pytest.raises(NodeNameError, match="invalid app name 'my app'"):
        via_dns.poll({"app_name": "my app", "nameserver": ["10.0.0.53"]})
    assert fake_dns.queries == []


# ------------------------------------------------------- system resolver


def test_default_is_localhost_through_the_system_resolver_one_node_as_in_peerage(fake_dns):
    # A hosts file with Debian's "::1 localhost" line beside "127.0.0.1 localhost".
    fake_dns.host("localhost", "127.0.0.1", "::1")
    assert via_dns.poll({}) == ["nonode@127.0.0.1"]
    assert fake_dns.system_queries == [("localhost", socket.AF_INET)]
    assert fake_dns.queries == []
    # Both, when asked for; asked at once, so in either order.
    assert via_dns.poll({"record_types": BOTH_TYPES}) == ["nonode@127.0.0.1", "nonode@::1"]
    assert sorted(fake_dns.system_queries[1:]) == [("localhost", socket.AF_INET), ("localhost", socket.AF_INET6)]


def test_system_resolver_gives_each_address_once(fake_dns, reports):
    fake_dns.host("svc.example", "10.0.0.2", "10.0.0.1")
    names = via_dns.poll({"app_name": "app", "dns_name": ["svc.example"], "record_types": ["A"]}, reports)
    assert names == ["app@10.0.0.2", "app@10.0.0.1"]
    assert reports.at(3) == ["dns: svc.example A: 2 record(s) from system resolver"]


def test_system_resolver_missing_family_is_not_an_error(fake_dns):
    fake_dns.host("svc.example", "10.0.0.1")
    assert via_dns.poll({"app_name": "app", "dns_name": "svc.example", "record_types": BOTH_TYPES}) == ["app@10.0.0.1"]


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        (socket.EAI_NONAME, "not found"),
        (socket.EAI_NODATA, "no records"),
        (socket.EAI_ADDRFAMILY, "no records"),
    ],
)
def test_system_resolver_empty_answers_are_no_peers(fake_dns, code, outcome):
    fake_dns.host_error("gone.example", socket.AF_INET, code)
    fake_dns.host_error("gone.example", socket.AF_INET6, code)
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll({"dns_name": "gone.example", "record_types": BOTH_TYPES})
    assert str(caught.value) == "DNS name 'gone.example' has no A/AAAA records at the system resolver (%s)" % outcome


def test_system_resolver_temporary_failure_is_a_timeout(fake_dns):
    fake_dns.host_error("svc.example", socket.AF_INET, socket.EAI_AGAIN)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll({"dns_name": "svc.example", "record_types": "A"})
    assert caught.value.reason == "timeout"
    assert "could not resolve 'svc.example' (A): temporary failure (scripted failure" in str(caught.value)


def test_system_resolver_hard_failure_is_a_failure(fake_dns):
    fake_dns.host("svc.example", "10.0.0.1")
    fake_dns.host_error("svc.example", socket.AF_INET6, socket.EAI_FAIL)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll({"dns_name": "svc.example", "record_types": BOTH_TYPES})
    assert caught.value.reason == "failed"
    assert str(caught.value).startswith("the system resolver failed for 'svc.example' (AAAA): ")


# ------------------------------------------------------ direct questions


def test_a_and_aaaa_records_from_a_nameserver(fake_dns, reports):
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1", "svc.example A 10.0.0.2"])
    fake_dns.reply("svc.example", "AAAA", ["svc.example AAAA fd00::1"])
    names = via_dns.poll(options(dns_name=["svc.example"], record_types=BOTH_TYPES), reports)
    assert sorted(names) == ["app@10.0.0.1", "app@10.0.0.2", "app@fd00::1"]
    # Asked at once, so in either order.
    assert sorted(fake_dns.asked(NS1)) == [("svc.example.", "A"), ("svc.example.", "AAAA")]
    assert fake_dns.system_queries == []
    assert "dns: svc.example A: 2 record(s) from 10.0.0.53:53" in reports.at(3)
    assert "dns: svc.example AAAA: 1 record(s) from 10.0.0.53:53" in reports.at(3)


def test_every_dns_name_is_asked(fake_dns):
    fake_dns.reply("a.example", "A", ["a.example A 10.0.0.1"])
    fake_dns.reply("b.example", "A", ["b.example A 10.0.0.2"])
    names = via_dns.poll(options(dns_name=["a.example", "b.example"], record_types=["A"]))
    assert names == ["app@10.0.0.1", "app@10.0.0.2"]


def test_large_answer_over_tcp_returns_every_record(fake_dns, reports):
    records = ["big.example A 10.0.%d.%d" % (i // 250, i % 250 + 1) for i in range(1000)]
    fake_dns.reply("big.example", "A", records, tcp=True)
    names = via_dns.poll(options(dns_name="big.example", record_types="A"), reports)
    assert len(set(names)) == 1000
    assert any("over TCP after a truncated UDP answer" in line for line in reports.at(3))


def test_nxdomain_is_no_peers_and_ends_the_search(fake_dns):
    fake_dns.reply("gone.example", "A", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(BOTH_SERVERS, dns_name="gone.example", record_types="A"))
    assert str(caught.value) == (
        "DNS name 'gone.example' has no A records at nameservers 10.0.0.53:53, [fd00::53]:5353 (NXDOMAIN)"
    )
    # NXDOMAIN is an answer: the second server is not asked.
    assert fake_dns.asked(NS2) == []


def test_noerror_without_records_is_no_peers(fake_dns):
    fake_dns.reply("svc.example", "A")
    fake_dns.reply("svc.example", "AAAA")
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(dns_name="svc.example", record_types=BOTH_TYPES))
    assert str(caught.value) == "DNS name 'svc.example' has no A/AAAA records at nameserver 10.0.0.53:53 (no records)"


def test_several_names_without_records_are_described_together(fake_dns):
    fake_dns.reply("a.example", "A", rcode="NXDOMAIN")
    fake_dns.reply("b.example", "A")
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(dns_name=["a.example", "b.example"], record_types="A"))
    assert str(caught.value) == (
        "DNS names 'a.example', 'b.example' have no A records at nameserver 10.0.0.53:53 (NXDOMAIN, no records)"
    )


@pytest.mark.parametrize(("rcode", "reason"), [("SERVFAIL", "servfail"), ("REFUSED", "refused")])
def test_server_failure_is_a_failed_discovery(fake_dns, rcode, reason):
    fake_dns.reply("svc.example", "A", rcode=rcode)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example", record_types="A", retries=3))
    assert caught.value.reason == reason
    assert str(caught.value) == "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 answered %s" % rcode
    # A failure answer is not retried on the same server.
    assert len(fake_dns.queries) == 1


@pytest.mark.parametrize("rcode", ["SERVFAIL", "REFUSED"])
def test_server_failure_moves_on_to_the_next_server(fake_dns, rcode):
    fake_dns.reply("svc.example", "A", rcode=rcode, server=NS1)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"], server=NS2)
    assert via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A")) == ["app@10.0.0.1"]
    assert fake_dns.asked() == [("svc.example.", "A", NS1), ("svc.example.", "A", NS2)]


def test_timeout_is_retried_then_reported_with_server_name_and_time_waited(fake_dns, reports):
    fake_dns.timeout("svc.example", "A")
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example", record_types="A", timeout=1.5, retries=2), reports)
    assert caught.value.reason == "timeout"
    assert str(caught.value) == (
        "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 no answer in 3 tries of 1.5s (4.5s waited)"
    )
    assert len(fake_dns.queries) == 3
    assert reports.at(3) == [
        "dns: svc.example A at 10.0.0.53:53: no answer within 1.5s (try %d of 3)" % attempt for attempt in (1, 2, 3)
    ]


def test_no_retries_means_one_try(fake_dns):
    fake_dns.timeout("svc.example", "A")
    with pytest.raises(DiscoveryFailed, match=r"no answer in 1 try of 2.0s \(2.0s waited\)"):
        via_dns.poll(options(dns_name="svc.example", record_types="A", retries=0))
    assert len(fake_dns.queries) == 1


def test_answer_on_a_retry_is_used(fake_dns):
    fake_dns.timeout("svc.example", "A")
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    assert via_dns.poll(options(dns_name="svc.example", record_types="A")) == ["app@10.0.0.1"]
    assert len(fake_dns.queries) == 2


def test_timeout_moves_on_to_the_next_server_after_the_retries(fake_dns):
    fake_dns.timeout("svc.example", "A", server=NS1)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"], server=NS2)
    names = via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", retries=1))
    assert names == ["app@10.0.0.1"]
    assert fake_dns.asked() == [("svc.example.", "A", NS1)] * 2 + [("svc.example.", "A", NS2)]


def test_every_server_failing_names_each_failure(fake_dns):
    fake_dns.timeout("svc.example", "A", server=NS1)
    fake_dns.reply("svc.example", "A", rcode="SERVFAIL", server=NS2)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", timeout=1, retries=0))
    assert caught.value.reason == "failed"
    assert str(caught.value) == (
        "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 no answer in 1 try of 1.0s (1.0s waited);"
        " [fd00::53]:5353 answered SERVFAIL"
    )


@pytest.mark.parametrize(
    "exc", [ConnectionRefusedError(111, "Connection refused"), dns.exception.FormError("malformed answer")]
)
def test_network_errors_move_on_without_retrying(fake_dns, exc):
    fake_dns.error("svc.example", "A", exc, server=NS1)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"], server=NS2)
    names = via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", retries=3))
    assert names == ["app@10.0.0.1"]
    assert fake_dns.asked() == [("svc.example.", "A", NS1), ("svc.example.", "A", NS2)]


def test_network_error_on_the_only_server_is_a_failed_discovery(fake_dns):
    fake_dns.error("svc.example", "A", ConnectionRefusedError(111, "Connection refused"))
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example", record_types="A", allow_empty=True))
    assert caught.value.reason == "error"
    assert str(caught.value) == (
        "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 refused the connection (nothing listens there)"
    )


def test_without_dnspython_a_nameserver_cannot_be_asked(fake_dns, monkeypatch):
    monkeypatch.setattr(via_dns, "HAS_DNSPYTHON", False)
    monkeypatch.setattr(via_dns, "DNSPYTHON_IMPORT_ERROR", ImportError("No module named 'dns'"))
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example"))
    assert caught.value.reason == "missing_library"
    assert "needs the Python library dnspython" in str(caught.value)
    with pytest.raises(DiscoveryFailed, match="SRV records need the Python library dnspython"):
        via_dns.poll({"dns_name": "svc.example", "record_types": ["SRV"]})
    # The system resolver needs no library.
    fake_dns.host("svc.example", "10.0.0.1")
    assert via_dns.poll({"dns_name": "svc.example"}) == ["nonode@10.0.0.1"]


# ------------------------------------------------------------------ CNAME


def test_cname_chain_complete_in_one_answer(fake_dns):
    fake_dns.reply(
        "www.example",
        "A",
        ["www.example CNAME a.example.", "a.example CNAME b.example.", "b.example A 10.0.0.7"],
    )
    assert via_dns.poll(options(dns_name="www.example", record_types="A")) == ["app@10.0.0.7"]
    assert len(fake_dns.queries) == 1


def test_cname_chain_in_parts_is_followed_with_more_questions(fake_dns, reports):
    fake_dns.reply("www.example", "AAAA", ["www.example CNAME a.example."])
    fake_dns.reply("a.example", "AAAA", ["a.example CNAME b.example.", "b.example AAAA fd00::7"])
    assert via_dns.poll(options(dns_name="www.example", record_types="AAAA"), reports) == ["app@fd00::7"]
    assert fake_dns.asked(NS1) == [("www.example.", "AAAA"), ("a.example.", "AAAA")]
    # The record is reported under the name asked for.
    assert "dns: www.example AAAA: 1 record(s) from 10.0.0.53:53" in reports.at(3)


def test_cname_to_a_name_that_does_not_exist_is_nxdomain(fake_dns):
    fake_dns.reply("www.example", "A", ["www.example CNAME gone.example."])
    fake_dns.reply("gone.example", "A", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound, match=r"\(NXDOMAIN\)"):
        via_dns.poll(options(dns_name="www.example", record_types="A"))


def test_cname_to_a_name_without_records_is_no_records(fake_dns):
    fake_dns.reply("www.example", "A", ["www.example CNAME a.example.", "a.example CNAME b.example."])
    fake_dns.reply("b.example", "A")
    with pytest.raises(NoPeersFound, match=r"\(no records\)"):
        via_dns.poll(options(dns_name="www.example", record_types="A"))


def chain(length):
    """``length`` CNAMEs from c0.example to c<length>.example, which has an address."""
    records = ["c%d.example CNAME c%d.example." % (i, i + 1) for i in range(length)]
    return [*records, "c%d.example A 10.0.0.9" % length]


def test_longest_allowed_cname_chain_is_followed(fake_dns):
    fake_dns.reply("c0.example", "A", chain(via_dns.MAX_CNAME_HOPS))
    assert via_dns.poll(options(dns_name="c0.example", record_types="A")) == ["app@10.0.0.9"]


def test_cname_chain_beyond_the_limit_fails(fake_dns):
    fake_dns.reply("c0.example", "A", chain(via_dns.MAX_CNAME_HOPS + 1))
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="c0.example", record_types="A", allow_empty=True))
    assert caught.value.reason == "cname_loop"
    assert str(caught.value) == "DNS lookup of 'c0.example' (A) failed: more than %d CNAMEs in a chain" % (
        via_dns.MAX_CNAME_HOPS
    )


def test_cname_loop_within_one_answer_fails(fake_dns):
    fake_dns.reply("a.example", "A", ["a.example CNAME b.example.", "b.example CNAME a.example."])
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="a.example", record_types="A"))
    assert caught.value.reason == "cname_loop"
    assert len(fake_dns.queries) == 1


def test_cname_loop_across_answers_stops_asking(fake_dns):
    fake_dns.reply("a.example", "A", ["a.example CNAME b.example."])
    fake_dns.reply("b.example", "A", ["b.example CNAME a.example."])
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="a.example", record_types="A"))
    assert caught.value.reason == "cname_loop"
    # The first question and at most one per link of the longest allowed chain.
    assert len(fake_dns.queries) <= 1 + via_dns.MAX_CNAME_HOPS + 1


# -------------------------------------------------------------------- SRV

SRV_NAME = "_epmd._tcp.app.example"
SRV_RECORDS = [SRV_NAME + " SRV 0 0 4369 n1.app.example.", SRV_NAME + " SRV 0 0 4369 n2.app.example."]


def test_srv_targets_from_the_additional_section(fake_dns):
    fake_dns.reply(
        SRV_NAME,
        "SRV",
        SRV_RECORDS,
        additional=["n1.app.example A 10.0.0.1", "n1.app.example AAAA fd00::1", "n2.app.example A 10.0.0.2"],
    )
    # With SRV alone the targets' A records are used (n1's AAAA is not); all are in the additional section.
    names = via_dns.poll(options(dns_name=SRV_NAME, record_types=["SRV"]))
    assert sorted(names) == ["app@10.0.0.1", "app@10.0.0.2"]
    assert fake_dns.asked(NS1) == [(SRV_NAME + ".", "SRV")]
    # Asked for AAAA too: n2 has none in the additional section, so that one question is asked.
    fake_dns.reply(SRV_NAME, "A")
    fake_dns.reply(SRV_NAME, "AAAA")
    fake_dns.reply("n2.app.example", "AAAA")
    names = via_dns.poll(options(dns_name=SRV_NAME, record_types=["SRV", "A", "AAAA"]))
    assert sorted(names) == ["app@10.0.0.1", "app@10.0.0.2", "app@fd00::1"]
    assert ("n2.app.example.", "AAAA") in fake_dns.asked(NS1)


def test_srv_targets_by_follow_up_questions(fake_dns, reports):
    fake_dns.reply(SRV_NAME, "SRV", SRV_RECORDS)
    fake_dns.reply("n1.app.example", "A", ["n1.app.example A 10.0.0.1"])
    fake_dns.reply("n2.app.example", "A", ["n2.app.example A 10.0.0.2"])
    # The SRV name itself has no A records; its targets do.
    fake_dns.reply(SRV_NAME, "A")
    names = via_dns.poll(options(dns_name=SRV_NAME, record_types=["SRV", "A"]), reports)
    assert sorted(names) == ["app@10.0.0.1", "app@10.0.0.2"]
    assert ("n1.app.example.", "AAAA") not in fake_dns.asked(NS1)
    assert "dns: %s SRV: 2 record(s) from 10.0.0.53:53" % SRV_NAME in reports.at(3)


def test_srv_targets_as_hostnames(fake_dns):
    fake_dns.reply(SRV_NAME, "SRV", SRV_RECORDS, additional=["n1.app.example A 10.0.0.1"])
    names = via_dns.poll(options(dns_name=SRV_NAME, record_types="SRV", srv_target="hostname"))
    assert sorted(names) == ["app@n1.app.example", "app@n2.app.example"]
    assert len(fake_dns.queries) == 1


def test_srv_nxdomain_is_no_peers(fake_dns):
    fake_dns.reply(SRV_NAME, "SRV", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(dns_name=SRV_NAME, record_types="SRV"))
    assert str(caught.value) == "DNS name %r has no SRV records at nameserver 10.0.0.53:53 (NXDOMAIN)" % SRV_NAME


def test_srv_target_dot_means_no_service(fake_dns):
    # RFC 2782: a target of "." says the service is decidedly not available.
    fake_dns.reply(SRV_NAME, "SRV", [SRV_NAME + " SRV 0 0 0 ."])
    for mode in ("address", "hostname"):
        with pytest.raises(NoPeersFound):
            via_dns.poll(options(dns_name=SRV_NAME, record_types="SRV", srv_target=mode))
    assert fake_dns.asked(NS1) == [(SRV_NAME + ".", "SRV")] * 2


def test_srv_without_nameserver_asks_the_system_nameservers_and_resolver(fake_dns):
    fake_dns.reply(SRV_NAME, "SRV", SRV_RECORDS, additional=["n1.app.example A 10.9.9.9"])
    fake_dns.host("n1.app.example", "10.0.0.1")
    fake_dns.host("n2.app.example", "10.0.0.2", "fd00::2")
    names = via_dns.poll({"app_name": "app", "dns_name": SRV_NAME, "record_types": "SRV,AAAA,A"})
    # Targets go through getaddrinfo (hosts file included), not the additional section.
    assert sorted(names) == ["app@10.0.0.1", "app@10.0.0.2", "app@fd00::2"]
    assert fake_dns.asked(NS1) == [(SRV_NAME + ".", "SRV")]
    assert ("n1.app.example", socket.AF_INET6) in fake_dns.system_queries


# ------------------------------------------------ every failure is per server

SERVER_FAULTS = [
    # A truncated UDP answer, then the server closes TCP without answering: dnspython raises EOFError.
    ("closed", "closed the TCP connection before answering (after a truncated UDP answer)"),
    ("wrong_id", "answered with a response to another query (wrong query id or question)"),
    ("garbage", "sent a malformed answer (The DNS packet passed to from_wire() is too short.)"),
    ("network", "network error: Network is unreachable"),
    ("dnspython", "UnknownTSIGKey: some other error of dnspython"),
]


def inject(fake_dns, fault, server):
    if fault == "closed":
        fake_dns.truncated_then("svc.example", "A", EOFError(), server=server)
    elif fault == "wrong_id":
        fake_dns.error("svc.example", "A", dns.query.BadResponse(), server=server)
    elif fault == "garbage":
        fake_dns.error("svc.example", "A", dns.message.ShortHeader(), server=server)
    elif fault == "dnspython":
        fake_dns.error("svc.example", "A", dns.message.UnknownTSIGKey("some other error of dnspython"), server=server)
    else:
        fake_dns.error("svc.example", "A", OSError(101, "Network is unreachable"), server=server)


@pytest.mark.parametrize(("fault", "text"), SERVER_FAULTS, ids=[fault for fault, _text in SERVER_FAULTS])
def test_any_failure_of_one_server_moves_on_to_the_next(fake_dns, fault, text, reports):
    inject(fake_dns, fault, NS1)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"], server=NS2)
    names = via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", retries=2), reports)
    assert names == ["app@10.0.0.1"]
    # Not retried: the failure is the server's, not a lost packet.
    assert fake_dns.asked() == [("svc.example.", "A", NS1), ("svc.example.", "A", NS2)]
    assert "dns: svc.example A at 10.0.0.53:53: %s" % text in reports.at(3)


@pytest.mark.parametrize(("fault", "text"), SERVER_FAULTS, ids=[fault for fault, _text in SERVER_FAULTS])
def test_any_failure_of_the_last_server_is_a_failed_discovery_naming_it(fake_dns, fault, text):
    inject(fake_dns, fault, NS1)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example", record_types="A", allow_empty=True))
    assert str(caught.value) == "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 %s" % text
    assert caught.value.reason == "error"


# ------------------------------------------- faults of this code are not a server's


@pytest.mark.parametrize("fault", [TypeError("unsupported operand type(s)"), KeyError("rdtype"), AttributeError("x")])
def test_a_fault_of_this_code_in_the_query_path_is_not_a_server_failure(fake_dns, fault):
    fake_dns.error("svc.example", "A", fault, server=NS1)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"], server=NS2)
    with pytest.raises(type(fault)) as caught:
        via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A"))
    assert caught.value is fault
    # The next server was not asked as if the first had failed.
    assert fake_dns.asked() == [("svc.example.", "A", NS1)]


def test_a_fault_of_this_code_in_the_system_resolver_path_keeps_its_type_and_traceback(fake_dns, monkeypatch):
    def faulty_getaddrinfo(*_args, **_kwargs):
        raise TypeError("getaddrinfo() argument 1 must be string or None")

    monkeypatch.setattr(socket, "getaddrinfo", faulty_getaddrinfo)
    with pytest.raises(TypeError, match="argument 1 must be string") as caught:
        via_dns.poll({"dns_name": "svc.example", "record_types": ["A"]})
    # Raised again as it is, with the frame it came from.
    assert caught.traceback[-1].name == "faulty_getaddrinfo"


def test_a_name_the_idna_codec_refuses_is_the_resolvers_failure(fake_dns, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise UnicodeError("encoding with 'idna' codec failed (UnicodeError: label empty or too long)")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    with pytest.raises(DiscoveryFailed, match=r"the system resolver failed for 'n\.example' \(A\): UnicodeError: "):
        via_dns.poll({"dns_name": "n.example", "record_types": ["A"]})


def test_a_fault_of_this_code_reading_the_system_nameservers_is_not_no_nameserver(fake_dns, monkeypatch):
    def faulty_resolver():
        raise TypeError("Resolver() got an unexpected keyword argument")

    monkeypatch.setattr(dns.resolver, "Resolver", faulty_resolver)
    with pytest.raises(TypeError, match="unexpected keyword"):
        via_dns.poll({"dns_name": "_epmd._tcp.svc.example", "record_types": ["SRV"], "allow_empty": True})


def test_srv_without_any_nameserver_is_a_failed_discovery(fake_dns, monkeypatch):
    def no_configuration():
        raise dns.resolver.NoResolverConfiguration("no nameservers")

    monkeypatch.setattr(dns.resolver, "Resolver", no_configuration)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll({"dns_name": "_epmd._tcp.svc.example", "record_types": ["SRV"], "allow_empty": True})
    assert caught.value.reason == "no_nameserver"
    assert str(caught.value) == (
        "SRV records need a nameserver: none is given in the nameserver option and the system has none"
        " (no nameservers)"
    )


# ------------------------------------------------------------- the deadline


def test_the_deadline_bounds_a_whole_discovery(fake_dns):
    fake_dns.timeout("svc.example", "A", server=NS1, times=10)
    fake_dns.timeout("svc.example", "A", server=NS2, times=10)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", timeout=2, retries=9, deadline=5))
    assert caught.value.reason == "deadline"
    assert str(caught.value) == (
        "DNS discovery passed its deadline of 5.0s before asking 10.0.0.53:53 for svc.example A"
    )
    # 2 + 2 + the 1 second left, then nothing: 5 seconds, where servers x tries x timeout would be 40.
    assert fake_dns.timeouts == [2, 2, 1]
    assert fake_dns.clock.now - 1000.0 == 5


def test_the_deadline_names_what_failed_before_it(fake_dns):
    fake_dns.reply("svc.example", "A", rcode="SERVFAIL", server=NS1)
    fake_dns.timeout("svc.example", "A", server=NS2, times=10)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(BOTH_SERVERS, dns_name="svc.example", record_types="A", timeout=2, retries=9, deadline=3))
    assert str(caught.value) == (
        "DNS discovery passed its deadline of 3.0s before asking [fd00::53]:5353 for svc.example A"
        " (10.0.0.53:53 answered SERVFAIL)"
    )


def test_tcp_after_truncation_gets_only_what_is_left_of_the_deadline(fake_dns):
    records = ["big.example A 10.0.%d.%d" % (i // 200, i % 200) for i in range(300)]
    fake_dns.timeout("big.example", "A")
    fake_dns.truncated_then("big.example", "A", records)
    names = via_dns.poll(options(dns_name="big.example", record_types="A", timeout=2, retries=1, deadline=3))
    assert len(names) == 300
    assert fake_dns.tcp_queries == [(NS1, "big.example.")]


@pytest.mark.parametrize("deadline", [0, -1, "soon", float("inf")])
def test_a_bad_deadline_is_refused(fake_dns, deadline):
    with pytest.raises(OptionError, match=r"invalid deadline .*: expected a number >= 0.001"):
        via_dns.poll(options(dns_name="svc.example", deadline=deadline))


# -------------------------------------------------- the system resolver's time


def test_a_stuck_system_resolver_fails_after_its_time(fake_dns, monkeypatch):
    release = threading.Event()
    asked = []

    def stuck(host, *args, **kwargs):
        asked.append(host)
        release.wait(10)
        raise AssertionError("the answer came too late to be used")

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    try:
        with pytest.raises(DiscoveryFailed) as caught:
            via_dns.poll({"dns_name": "svc.example", "record_types": ["A"], "timeout": 0.05, "retries": 1})
    finally:
        release.set()
    assert caught.value.reason == "timeout"
    assert str(caught.value) == "the system resolver did not answer for 'svc.example' (A) within 0.1s"
    assert asked == ["svc.example"]


def test_the_system_resolver_gets_no_more_than_the_deadline(fake_dns, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: release.wait(10))
    try:
        with pytest.raises(DiscoveryFailed, match=r"within 0.05s$"):
            via_dns.poll({"dns_name": "svc.example", "record_types": ["A"], "timeout": 5, "deadline": 0.05})
    finally:
        release.set()


# ----------------------------------------------------- one round trip per step


def test_a_and_aaaa_are_asked_at_once(fake_dns, monkeypatch):
    """Each question waits until the other has been sent: asked one after the other, neither would return."""
    both_sent = threading.Barrier(2, timeout=5)
    udp = fake_dns.udp

    def meet_then_answer(query, *args, **kwargs):
        both_sent.wait()
        return udp(query, *args, **kwargs)

    monkeypatch.setattr(dns.query, "udp", meet_then_answer)
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    fake_dns.reply("svc.example", "AAAA", ["svc.example AAAA fd00::1"])
    assert via_dns.poll(options(dns_name="svc.example", record_types=BOTH_TYPES)) == ["app@10.0.0.1", "app@fd00::1"]


def test_system_resolver_a_and_aaaa_are_asked_at_once(fake_dns, monkeypatch):
    both_sent = threading.Barrier(2, timeout=5)
    getaddrinfo = fake_dns.getaddrinfo

    def meet_then_answer(*args, **kwargs):
        both_sent.wait()
        return getaddrinfo(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", meet_then_answer)
    fake_dns.host("svc.example", "10.0.0.1", "fd00::1")
    names = via_dns.poll({"dns_name": "svc.example", "record_types": BOTH_TYPES})
    assert names == ["nonode@10.0.0.1", "nonode@fd00::1"]


def test_srv_targets_are_asked_at_once(fake_dns, monkeypatch):
    targets = 3
    all_sent = threading.Barrier(targets, timeout=5)
    udp = fake_dns.udp

    def meet_for_targets(query, *args, **kwargs):
        if query.question[0].name.to_text().startswith("node"):
            all_sent.wait()
        return udp(query, *args, **kwargs)

    monkeypatch.setattr(dns.query, "udp", meet_for_targets)
    srv = ["_epmd._tcp.svc.example SRV 0 0 4369 node%d.svc.example." % i for i in range(targets)]
    fake_dns.reply("_epmd._tcp.svc.example", "SRV", srv)
    for i in range(targets):
        fake_dns.reply("node%d.svc.example" % i, "A", ["node%d.svc.example A 10.0.0.%d" % (i, i + 1)])
    # A among the types makes the targets' addresses A only; the service name itself has none.
    fake_dns.reply("_epmd._tcp.svc.example", "A")
    names = via_dns.poll(options(dns_name="_epmd._tcp.svc.example", record_types=["SRV", "A"]))
    assert names == ["app@10.0.0.%d" % (i + 1) for i in range(targets)]
