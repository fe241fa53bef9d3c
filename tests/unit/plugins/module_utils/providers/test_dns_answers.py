# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dns provider against the answers real servers give: empty names, sinkholes, search domains, forgeries.

Forged packets are sent by a real UDP server on loopback (a thread of this
test), so what is tested is the provider's own socket handling.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading

import dns.message
import dns.name
import dns.rcode
import dns.resolver
import dns.rrset
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.discovery import WARNING
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, NoPeersFound, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import ip_text
from ansible_collections.peerage.peerage.plugins.module_utils.providers import dns as via_dns
from ansible_collections.peerage.peerage.plugins.module_utils.providers.registry import discover
from ansible_collections.peerage.peerage.tests.unit.conftest import FakeDns

DIRECT = {"app_name": "app", "nameserver": ["10.0.0.53"]}
SRV_NAME = "_epmd._tcp.app.example"


def options(**extra):
    merged = dict(DIRECT)
    merged.update(extra)
    return merged


# ------------------------------------------------ 1. an empty name is not localhost


@pytest.mark.parametrize("value", ["", " ", [""], ["  "], [], ["good.example", ""]])
def test_an_empty_dns_name_is_refused_not_taken_for_localhost(fake_dns, value):
    with pytest.raises(OptionError) as caught:
        via_dns.poll({"app_name": "a", "dns_name": value})
    assert str(caught.value).startswith("invalid dns_name %r: " % (value,))
    assert "leave dns_name unset for its default (localhost)" in str(caught.value)
    assert fake_dns.system_queries == [] and fake_dns.queries == []


def test_an_empty_name_through_the_peers_provider_is_refused(fake_dns):
    with pytest.raises(OptionError, match=r"invalid dns_name \[''\]"):
        discover("dns", {"app_name": "a", "dns_name": [""]})
    assert fake_dns.system_queries == []


def test_a_dns_name_not_given_is_still_localhost(fake_dns):
    fake_dns.host("localhost", "127.0.0.1")
    assert via_dns.poll({"app_name": "a", "dns_name": None}) == ["a@127.0.0.1"]


# ------------------------------------------------ 4. a bad name is an option error


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (["good.test", "a..test"], "'a..test': label 2 is empty"),
        (".test", "'.test': label 1 is empty"),
        (".", "'.': it has 0 characters"),
        ("x" * 64 + ".test", "label 1 has 64 characters"),
        (".".join(["abcdefghi"] * 26), "it has 259 characters"),
        ("bad\x00name.test", "'bad\\x00name.test': expected text without control characters"),
    ],
)
def test_a_name_dns_cannot_ask_is_refused_before_any_question(fake_dns, value, rule):
    with pytest.raises(OptionError) as caught:
        via_dns.poll(options(dns_name=value))
    assert str(caught.value).startswith("invalid dns_name ")
    assert rule in str(caught.value)
    assert fake_dns.queries == [] and fake_dns.system_queries == []


def test_the_longest_names_dns_allows_are_asked(fake_dns):
    longest_label = "x" * 63 + ".test"
    longest_name = ".".join(["a" * 62] * 4) + ".t"
    assert len(longest_name) == 253
    for name in (longest_label, longest_name, longest_name + "."):
        fake_dns.reply(name, "A", ["%s A 10.0.0.1" % name.rstrip(".")])
        assert via_dns.poll(options(dns_name=name)) == ["app@10.0.0.1"]


LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=63)


@given(st.lists(LABEL, min_size=1, max_size=4), st.integers(min_value=0, max_value=4))
def test_any_name_with_an_empty_label_is_refused_and_any_other_accepted(labels, empty_at):
    name = ".".join(labels)
    assert via_dns.check_dns_name(name) == name
    # An empty label anywhere but at the end (a final dot, which names the root) is refused.
    broken = labels[:]
    broken.insert(min(empty_at, len(broken) - 1), "")
    with pytest.raises(OptionError, match=r"^invalid dns_name .*: label \d+ is empty"):
        via_dns.check_dns_name(".".join(broken))
    assert via_dns.check_dns_name(name + ".") == name + "."


# ------------------------------------------------ 2. and 3. addresses no node has, IPv4-mapped addresses


@pytest.mark.parametrize(
    ("rdtype", "record", "why"),
    [
        ("A", "0.0.0.0", "an unspecified address"),
        ("A", "255.255.255.255", "the broadcast address"),
        ("A", "224.0.0.1", "a multicast address"),
        ("AAAA", "::", "an unspecified address"),
        ("AAAA", "ff02::1", "a multicast address"),
        ("AAAA", "::ffff:0.0.0.0", "an unspecified address"),
    ],
)
def test_an_address_no_node_has_is_dropped_with_a_warning_naming_the_record(fake_dns, reports, rdtype, record, why):
    fake_dns.reply("svc.example", rdtype, ["svc.example %s %s" % (rdtype, record), "svc.example A 10.0.0.1"]
                   if rdtype == "A" else ["svc.example AAAA %s" % record, "svc.example AAAA fd00::1"])
    names = via_dns.poll(options(dns_name="svc.example", record_types=[rdtype]), reports)
    assert names == (["app@10.0.0.1"] if rdtype == "A" else ["app@fd00::1"])
    assert reports.at(WARNING) == [
        "peerage: the dns provider dropped %s (svc.example %s from 10.0.0.53:53: %s), no node's address, as DNS"
        " filters and sinkholes answer for names they block" % (record, rdtype, why)
    ]


def test_a_sinkhole_answer_alone_fails_even_with_allow_empty(fake_dns):
    fake_dns.reply("blocked.example", "A", ["blocked.example A 0.0.0.0"])
    fake_dns.reply("blocked.example", "AAAA", ["blocked.example AAAA ::"])
    with pytest.raises(DiscoveryFailed) as caught:
        discover("dns", options(dns_name="blocked.example", record_types=["A", "AAAA"], allow_empty=True))
    assert caught.value.reason == "unusable_address"
    assert "DNS answered only addresses no node can have: " in str(caught.value)
    assert "0.0.0.0 (blocked.example A from 10.0.0.53:53: an unspecified address)" in str(caught.value)
    assert ":: (blocked.example AAAA from 10.0.0.53:53: an unspecified address)" in str(caught.value)


def test_the_system_resolvers_sinkhole_answer_is_dropped_too(fake_dns, reports):
    fake_dns.host("svc.example", "0.0.0.0", "10.0.0.2")
    assert via_dns.poll({"app_name": "a", "dns_name": "svc.example"}, reports) == ["a@10.0.0.2"]
    assert "dropped 0.0.0.0 (svc.example A from the system resolver: an unspecified address)" in reports.at(WARNING)[0]


def test_loopback_stays_a_peer(fake_dns, reports):
    fake_dns.reply("svc.example", "A", ["svc.example A 127.0.0.1"])
    assert via_dns.poll(options(dns_name="svc.example"), reports) == ["app@127.0.0.1"]
    assert reports.at(WARNING) == []


def test_an_ipv4_mapped_aaaa_is_the_ipv4_node_once(fake_dns):
    fake_dns.reply("svc.example", "A", ["svc.example A 10.0.0.1"])
    fake_dns.reply("svc.example", "AAAA", ["svc.example AAAA ::ffff:10.0.0.1", "svc.example AAAA ::ffff:10.0.0.2"])
    names = discover("dns", options(dns_name="svc.example", record_types=["A", "AAAA"]))
    assert names == ["app@10.0.0.1", "app@10.0.0.2"]


def test_warnings_reach_the_caller_when_log_results_is_false(fake_dns, reports):
    fake_dns.reply("svc.example", "A", ["svc.example A 0.0.0.0", "svc.example A 10.0.0.1"])
    from ansible_collections.peerage.peerage.plugins.module_utils.discovery import warnings_only

    assert discover("dns", options(dns_name="svc.example", log_results=False), warnings_only(reports)) == [
        "app@10.0.0.1"
    ]
    assert [level for level, _message in reports.calls] == [WARNING]


ADDRESSES = st.one_of(
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    st.ip_addresses(v=4).map(lambda a: ipaddress.IPv6Address("::ffff:%s" % a)),
    st.sampled_from([ipaddress.ip_address(a) for a in ("0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "ff02::1",
                                                       "::ffff:255.255.255.255", "127.0.0.1", "::1")]),
)


def never_a_node(address):
    address = getattr(address, "ipv4_mapped", None) or address
    return address.is_unspecified or address.is_multicast or address == ipaddress.IPv4Address("255.255.255.255")


@given(ADDRESSES)
def test_only_addresses_a_node_can_have_are_kept_and_mapped_ones_become_ipv4(address):
    usable, why = via_dns.usable_address(str(address))
    if never_a_node(address):
        assert usable is None and why
        return
    assert why is None
    mapped = getattr(address, "ipv4_mapped", None)
    assert usable == ip_text(mapped or address)
    # What is kept is never an IPv4-mapped address, and the IPv4 form of one is the same node.
    assert getattr(ipaddress.ip_address(usable), "ipv4_mapped", None) is None
    if mapped is not None:
        assert via_dns.usable_address(str(mapped)) == (usable, None)


@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.lists(ADDRESSES, min_size=1, max_size=8))
def test_the_peers_of_any_answer_are_its_usable_addresses_each_once(monkeypatch, addresses):
    fake = FakeDns()
    with monkeypatch.context() as patch:
        patch.setattr(via_dns, "udp_query", lambda query, server, timeout, _d: fake.udp(
            query, server[0], timeout=timeout, port=server[1], raise_on_truncation=True))
        v4 = [a for a in addresses if a.version == 4]
        v6 = [a for a in addresses if a.version == 6]
        fake.reply("svc.example", "A", ["svc.example A %s" % a for a in v4])
        fake.reply("svc.example", "AAAA", ["svc.example AAAA %s" % a for a in v6])
        expected = {"app@%s" % ip_text(getattr(a, "ipv4_mapped", None) or a)
                    for a in addresses if not never_a_node(a)}
        try:
            names = discover("dns", options(dns_name="svc.example", record_types=["A", "AAAA"]))
        except DiscoveryFailed as exc:
            assert not expected and exc.reason == "unusable_address"
            return
    assert set(names) == expected and len(names) == len(expected)


# ------------------------------------------------ 5. search domains for SRV, as the system resolver applies them


def system_resolver(monkeypatch, search, ndots):
    class Configured:
        def __init__(self):
            self.nameservers = ["10.0.0.53"]
            self.port = 53
            self.search = [dns.name.from_text(domain) for domain in search]
            self.ndots = ndots

    monkeypatch.setattr(dns.resolver, "Resolver", Configured)


SRV_RECORDS = ["_s._tcp.app.ns.svc.example SRV 0 0 4369 n1.ns.svc.example."]


def test_a_short_srv_name_is_asked_with_the_search_domains_first(fake_dns, monkeypatch):
    system_resolver(monkeypatch, ["ns.svc.example", "svc.example"], 5)
    fake_dns.reply("_s._tcp.app.ns.svc.example", "SRV", SRV_RECORDS)
    fake_dns.host("n1.ns.svc.example", "10.0.0.1")
    assert via_dns.poll({"app_name": "a", "dns_name": "_s._tcp.app", "record_types": "SRV"}) == ["a@10.0.0.1"]
    assert fake_dns.asked() == [("_s._tcp.app.ns.svc.example.", "SRV", ("10.0.0.53", 53))]


def test_search_domains_are_tried_in_order_then_the_name_as_given(fake_dns, monkeypatch):
    system_resolver(monkeypatch, ["a.example", "b.example"], 5)
    fake_dns.reply("_s._tcp.app.a.example", "SRV", rcode="NXDOMAIN")
    fake_dns.reply("_s._tcp.app.b.example", "SRV")
    fake_dns.reply("_s._tcp.app", "SRV", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound, match=r"no SRV records at the system resolver \(no records\)"):
        via_dns.poll({"app_name": "a", "dns_name": "_s._tcp.app", "record_types": "SRV"})
    assert [name for name, _type, _server in fake_dns.asked()] == [
        "_s._tcp.app.a.example.", "_s._tcp.app.b.example.", "_s._tcp.app."]


def test_a_name_with_ndots_dots_is_asked_as_given_first(fake_dns, monkeypatch):
    system_resolver(monkeypatch, ["svc.example"], 2)
    fake_dns.reply("_s._tcp.app", "SRV", ["_s._tcp.app SRV 0 0 4369 n1.example."])
    fake_dns.host("n1.example", "10.0.0.1")
    assert via_dns.poll({"app_name": "a", "dns_name": "_s._tcp.app", "record_types": "SRV"}) == ["a@10.0.0.1"]
    assert [name for name, _type, _server in fake_dns.asked()] == ["_s._tcp.app."]


def test_a_name_ending_in_a_dot_is_asked_only_as_given(fake_dns, monkeypatch):
    system_resolver(monkeypatch, ["svc.example"], 5)
    fake_dns.reply("_s._tcp.app", "SRV", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound, match=r"\(NXDOMAIN\)"):
        via_dns.poll({"app_name": "a", "dns_name": "_s._tcp.app.", "record_types": "SRV"})
    assert [name for name, _type, _server in fake_dns.asked()] == ["_s._tcp.app."]


def test_with_a_nameserver_names_are_asked_as_given(fake_dns, monkeypatch):
    system_resolver(monkeypatch, ["svc.example"], 5)
    fake_dns.reply("_s._tcp.app", "SRV", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound):
        via_dns.poll(options(dns_name="_s._tcp.app", record_types="SRV"))
    assert [name for name, _type, _server in fake_dns.asked()] == ["_s._tcp.app."]


@given(st.lists(LABEL, min_size=1, max_size=4), st.lists(LABEL, max_size=3), st.integers(min_value=0, max_value=6))
def test_search_names_ask_every_domain_once_and_the_name_itself(labels, domains, ndots):
    name = ".".join(labels)
    names = via_dns.search_names(name, domains, ndots)
    assert names == (["%s.%s" % (name, d) for d in domains] + [name] if name.count(".") < ndots
                     else [name] + ["%s.%s" % (name, d) for d in domains])
    assert via_dns.search_names(name + ".", domains, ndots) == [name + "."]


# ------------------------------------------------ 7. messages that name what happened


def test_an_srv_whose_only_target_is_dot_says_so(fake_dns):
    fake_dns.reply(SRV_NAME, "SRV", [SRV_NAME + " SRV 0 0 0 ."])
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(dns_name=SRV_NAME, record_types="SRV"))
    assert str(caught.value) == (
        "DNS SRV records of %r name no target with an address: %r has only the SRV target '.'"
        " (no service there, RFC 2782)" % (SRV_NAME, SRV_NAME)
    )


def test_an_srv_whose_target_has_no_address_names_the_target(fake_dns):
    fake_dns.reply(SRV_NAME, "SRV", [SRV_NAME + " SRV 0 0 4369 n1.app.example."])
    fake_dns.reply("n1.app.example", "A", rcode="NXDOMAIN")
    with pytest.raises(NoPeersFound) as caught:
        via_dns.poll(options(dns_name=SRV_NAME, record_types="SRV"))
    assert str(caught.value) == (
        "DNS SRV records of %r name no target with an address: SRV target 'n1.app.example' of %r has no A records"
        " at 10.0.0.53:53 (NXDOMAIN)" % (SRV_NAME, SRV_NAME)
    )


def test_a_refused_tcp_retry_after_truncation_says_so(fake_dns):
    fake_dns.truncated_then("svc.example", "A", ConnectionRefusedError(111, "Connection refused"))
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll(options(dns_name="svc.example"))
    assert str(caught.value) == (
        "DNS lookup of 'svc.example' (A) failed: 10.0.0.53:53 answered over UDP with a truncated answer, but the TCP"
        " retry was refused (is TCP to that port blocked, by a firewall that lets only UDP through?)"
    )


# ------------------------------------------------ 6. forged packets, from a real server on loopback


def answer_to(query_wire, address="10.0.0.7", query_id=None):
    query = dns.message.from_wire(query_wire)
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", address))
    if query_id is not None:
        response.id = query_id
    return response.to_wire()


class ForgingServer:
    """A DNS server on 127.0.0.1 that sends what ``script(query, client, sock, other)`` says for each query."""

    def __init__(self, script):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.other_port = self.other.getsockname()[1]
        self.script = script
        self.sock.settimeout(5)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            query, client = self.sock.recvfrom(65535)
        except OSError:
            return
        self.script(query, client, self.sock, self.other)

    def close(self):
        self.thread.join(10)
        self.sock.close()
        self.other.close()


@pytest.fixture
def forging_server():
    made = []

    def make(script):
        made.append(ForgingServer(script))
        return made[-1]

    yield make
    for server in made:
        server.close()


def forge_then_answer(query, client, sock, other):
    query_id = struct.unpack("!H", query[:2])[0]
    sock.sendto(answer_to(query, "10.6.6.6", query_id ^ 0x5A5A), client)  # another query id
    other.sendto(answer_to(query, "10.6.6.7"), client)  # the right id, from another port
    other.sendto(b"\x00garbage", client)  # garbage from another port
    sock.sendto(answer_to(query), client)  # the server's own answer


def test_forged_packets_before_the_answer_are_discarded_and_counted(forging_server, reports):
    server = forging_server(forge_then_answer)
    names = via_dns.poll({"app_name": "app", "dns_name": "svc.example", "nameserver": ["127.0.0.1:%d" % server.port],
                          "timeout": 5, "retries": 0}, reports)
    assert names == ["app@10.0.0.7"]
    assert ("dns: svc.example A at 127.0.0.1:%d: 3 unexpected packets discarded (1 with another query id,"
            " 2 from 127.0.0.1:%d)" % (server.port, server.other_port)) in reports.at(3)


def forge_only(query, client, sock, other):
    query_id = struct.unpack("!H", query[:2])[0]
    sock.sendto(answer_to(query, "10.6.6.6", query_id ^ 1), client)


def test_only_forged_packets_is_a_timeout_that_counts_them(forging_server):
    server = forging_server(forge_only)
    with pytest.raises(DiscoveryFailed) as caught:
        via_dns.poll({"app_name": "app", "dns_name": "svc.example", "nameserver": ["127.0.0.1:%d" % server.port],
                      "timeout": 0.5, "retries": 0})
    assert caught.value.reason == "timeout"
    assert "127.0.0.1:%d no answer in 1 try of 0.5s" % server.port in str(caught.value)
    assert "1 unexpected packet discarded (1 with another query id)" in str(caught.value)


def answer_another_question(query, client, sock, _other):
    other_query = dns.message.make_query("other.example", "A")
    other_query.id = struct.unpack("!H", query[:2])[0]
    sock.sendto(answer_to(other_query.to_wire(), "10.6.6.6"), client)
    sock.sendto(answer_to(query), client)


def test_an_answer_to_another_question_is_discarded(forging_server, reports):
    server = forging_server(answer_another_question)
    names = via_dns.poll({"app_name": "app", "dns_name": "svc.example", "nameserver": ["127.0.0.1:%d" % server.port],
                          "timeout": 5, "retries": 0}, reports)
    assert names == ["app@10.0.0.7"]
    assert any("1 unexpected packet discarded (1 answering another question)" in line for line in reports.at(3))


def garbage_with_the_right_id(query, client, sock, _other):
    sock.sendto(query[:2] + b"\xff", client)


def test_garbage_from_the_server_itself_is_its_failure(forging_server):
    server = forging_server(garbage_with_the_right_id)
    with pytest.raises(DiscoveryFailed, match="sent a malformed answer"):
        via_dns.poll({"app_name": "app", "dns_name": "svc.example", "nameserver": ["127.0.0.1:%d" % server.port],
                      "timeout": 2, "retries": 0})


def test_rcode_answers_still_count(forging_server):
    def servfail(query, client, sock, _other):
        response = dns.message.make_response(dns.message.from_wire(query))
        response.set_rcode(dns.rcode.SERVFAIL)
        sock.sendto(response.to_wire(), client)

    server = forging_server(servfail)
    with pytest.raises(DiscoveryFailed, match="answered SERVFAIL"):
        via_dns.poll({"app_name": "app", "dns_name": "svc.example", "nameserver": ["127.0.0.1:%d" % server.port],
                      "timeout": 2, "retries": 0})
