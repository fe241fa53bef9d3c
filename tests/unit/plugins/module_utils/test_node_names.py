# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Node names: what is accepted, how it is spelled back, and in which order."""

from __future__ import annotations

import ipaddress
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    MAX_NODE_NAME_LENGTH,
    NodeName,
    classify_host,
    format_node_name,
    node_host,
    node_sort_key,
    normalize_node_names,
    parse_node_name,
    validate_app_name,
    validate_node_name,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("myapp@10.0.0.5", NodeName("myapp", "10.0.0.5", "ipv4")),
        ("myapp@fd00::1", NodeName("myapp", "fd00::1", "ipv6")),
        ("myapp@[fd00::1]", NodeName("myapp", "fd00::1", "ipv6")),
        ("myapp@node1.example.com", NodeName("myapp", "node1.example.com", "hostname")),
        ("myapp@localhost", NodeName("myapp", "localhost", "hostname")),
        ("my_app-2@h", NodeName("my_app-2", "h", "hostname")),
        ("-app@h", NodeName("-app", "h", "hostname")),
        ("_svc@_srv.example", NodeName("_svc", "_srv.example", "hostname")),
        ("App@10.0.0.5", NodeName("App", "10.0.0.5", "ipv4")),
    ],
)
def test_parse_valid_node_names(value, expected):
    assert parse_node_name(value) == expected


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        # One address spelled several ways must deduplicate to one name.
        ("app@FD00:0:0::0:1", "app@fd00::1"),
        ("app@[FD00::1]", "app@fd00::1"),
        # IPv4-mapped: one text on every Python (3.11 alone would print ::ffff:a00:1).
        ("app@::ffff:10.0.0.1", "app@::ffff:10.0.0.1"),
        ("app@::FFFF:a00:1", "app@::ffff:10.0.0.1"),
        ("app@[::ffff:0:0]", "app@::ffff:0.0.0.0"),
        # Hostnames are atoms' text to the BEAM: kept exactly as written.
        ("app@Node1.Example.COM", "app@Node1.Example.COM"),
        ("app@node1.example.com.", "app@node1.example.com."),
        # The name before '@' is case-sensitive to the BEAM: kept as given.
        ("MyApp@10.0.0.1", "MyApp@10.0.0.1"),
    ],
)
def test_validate_returns_canonical_spelling(value, canonical):
    assert validate_node_name(value) == canonical


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (None, "must be a string"),
        (42, "not int"),
        (b"app@10.0.0.1", "not bytes"),
        ("", "it is empty"),
        ("app", "has no '@'"),
        ("app@host@other", "more than one '@'"),
        ("@10.0.0.1", "name before '@' is empty"),
        ("app@", "host after '@' is empty"),
        ("app @10.0.0.1", "whitespace"),
        ("app@10.0.0.1\u00a0", "whitespace"),
        ("app@10.0.0.1\n", "control character"),
        ("app\x00@10.0.0.1", "control character"),
        ("app\x7f@10.0.0.1", "control character"),
        ("a'pp@10.0.0.1", "quote or backslash"),
        ('app@h"', "quote or backslash"),
        ("app@h`id`", "quote or backslash"),
        ("app\\@10.0.0.1", "quote or backslash"),
        ("ap/p@10.0.0.1", "in the name before '@', use only letters, digits, '_' and '-'"),
        ("app:x@10.0.0.1", "in the name before '@', use only"),
        # erl -name refuses both, although older versions of this collection took them.
        ("my.app@10.0.0.1", "in the name before '@', use only"),
        ("app+x@10.0.0.1", "in the name before '@', use only"),
        ("app@10.0.0.256", "looks like an IPv4 address"),
        ("app@1.2.3", "looks like an IPv4 address"),
        ("app@-host", "hostname label"),
        ("app@host-", "hostname label"),
        ("app@a..b", "hostname label"),
        ("app@" + "a" * 64, "hostname label"),
        ("app@h/x", "hostname label"),
        ("app@h;rm", "hostname label"),
        ("app@h\u00e9", "hostname label"),
        ("app@[node1]", "only IPv6 addresses may stand in brackets"),
        ("app@[10.0.0.1]", "only IPv6 addresses may stand in brackets"),
        ("app\n@10.0.0.1", "control character"),
        ("app@fe80::1%eth0", "zone index"),
        ("app@fd00::1:", "hostname label"),
    ],
)
def test_invalid_node_names_name_value_and_rule(value, rule):
    with pytest.raises(NodeNameError) as caught:
        parse_node_name(value)
    message = str(caught.value)
    assert message.startswith("invalid node name ")
    assert rule in message
    assert caught.value.value == value


def test_node_name_error_is_an_option_error():
    # Callers catch OptionError for every bad value; node names included.
    with pytest.raises(OptionError):
        validate_node_name("not a node name")


def test_refused_value_is_shown_escaped_and_shortened():
    value = "app@\x1b[31m" + "x" * 200
    with pytest.raises(NodeNameError) as caught:
        parse_node_name(value)
    message = str(caught.value)
    assert "\x1b" not in message
    assert "\\x1b" in message
    assert "..." in message
    assert len(message) < 200


def test_length_limit_counts_the_whole_name():
    # 63-character labels keep the hostname valid, so only the total length decides.
    host = ".".join(["a" * 63] * 4)[: MAX_NODE_NAME_LENGTH - len("app@")]
    longest = "app@" + host
    assert len(longest) == MAX_NODE_NAME_LENGTH
    assert validate_node_name(longest) == longest
    too_long = longest + "a"
    with pytest.raises(NodeNameError, match="at most 255"):
        parse_node_name(too_long)


def test_hostname_longer_than_253_characters_is_refused():
    host = ".".join(["a" * 50] * 5) + ".bb"
    assert len(host) > 253
    with pytest.raises(ValueError, match="1 to 253 characters"):
        classify_host(host)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("10.0.0.1", ("10.0.0.1", "ipv4")),
        ("fd00::0001", ("fd00::1", "ipv6")),
        ("[::1]", ("::1", "ipv6")),
        ("Example.ORG.", ("Example.ORG.", "hostname")),
        ("::ffff:10.0.0.1", ("::ffff:10.0.0.1", "ipv6")),
        ("host-1", ("host-1", "hostname")),
    ],
)
def test_classify_host(host, expected):
    assert classify_host(host) == expected


@pytest.mark.parametrize("host", ["", ".", "[]", "[fd00::1", "fd00::1]", "a_b-", "300.1.1.1"])
def test_classify_host_refuses(host):
    with pytest.raises(ValueError):
        classify_host(host)


@pytest.mark.parametrize(
    ("app_name", "address", "expected"),
    [
        ("myapp", "10.0.0.5", "myapp@10.0.0.5"),
        ("myapp", "FD00::5", "myapp@fd00::5"),
        ("myapp", "[fd00::5]", "myapp@fd00::5"),
        ("myapp", "Node-1.Example", "myapp@Node-1.Example"),
    ],
)
def test_format_node_name(app_name, address, expected):
    assert format_node_name(app_name, address) == expected


@pytest.mark.parametrize(
    ("app_name", "address", "rule"),
    [
        ("", "10.0.0.5", "invalid app name"),
        (None, "10.0.0.5", "invalid app name"),
        ("my app", "10.0.0.5", "invalid app name"),
        ("app@x", "10.0.0.5", "invalid app name"),
        ("myapp", "not an address", "invalid node name"),
        ("myapp", "", "invalid node name"),
    ],
)
def test_format_node_name_refuses(app_name, address, rule):
    with pytest.raises(NodeNameError, match=rule):
        format_node_name(app_name, address)


@pytest.mark.parametrize("app_name", ["myapp", "my_app", "a", "rabbit", "app-1", "_hidden", "-x", "9"])
def test_validate_app_name_accepts(app_name):
    assert validate_app_name(app_name) == app_name


@pytest.mark.parametrize(
    "app_name", ["", " ", ".x", "a.b", "a+b", "a b", "a@b", "a'b", "é", "a\n", 5, None, ["app"]]
)
def test_validate_app_name_refuses(app_name):
    with pytest.raises(NodeNameError, match="invalid app name") as caught:
        validate_app_name(app_name)
    assert caught.value.value == app_name


def test_normalize_deduplicates_canonical_spellings_and_sorts():
    given = [
        "app@node2.example",
        "app@10.0.0.10",
        "app@FD00::1",
        "app@10.0.0.9",
        "app@[fd00::1]",
        "app@Node2.Example",
        "app@10.0.0.9",
        "app@fd00::0:1",
        "app@::1",
        "app@10.1.0.1",
        "app@alpha.example",
    ]
    assert normalize_node_names(given) == [
        "app@10.0.0.9",
        "app@10.0.0.10",
        "app@10.1.0.1",
        "app@::1",
        "app@fd00::1",
        "app@alpha.example",
        "app@Node2.Example",
        "app@node2.example",
    ]


def test_normalize_orders_by_name_before_host():
    given = ["b@10.0.0.1", "a@zeta.example", "a@fd00::1", "a@10.0.0.2"]
    assert normalize_node_names(given) == ["a@10.0.0.2", "a@fd00::1", "a@zeta.example", "b@10.0.0.1"]


def test_normalize_order_does_not_depend_on_input_order():
    names = ["app@10.0.%d.%d" % (i // 7, i % 250) for i in range(60)] + ["app@h%d" % i for i in range(20)]
    names += ["app@fd00::%x" % i for i in range(30)]
    expected = normalize_node_names(names)
    shuffler = random.Random(7)
    for _round in range(5):
        shuffled = list(names)
        shuffler.shuffle(shuffled)
        assert normalize_node_names(shuffled) == expected
    assert len(expected) == len(set(names))


def test_normalize_accepts_any_iterable_and_returns_a_new_list():
    given = ("app@10.0.0.2", "app@10.0.0.1")
    result = normalize_node_names(iter(given))
    assert result == ["app@10.0.0.1", "app@10.0.0.2"]
    assert normalize_node_names(set(given)) == result
    assert normalize_node_names([]) == []


def test_normalize_refuses_the_first_invalid_name():
    with pytest.raises(NodeNameError) as caught:
        normalize_node_names(["app@10.0.0.1", "app@bad host", "app@also bad"])
    assert caught.value.value == "app@bad host"


def test_numeric_not_text_order_of_addresses():
    assert node_sort_key("app@10.0.0.9") < node_sort_key("app@10.0.0.10")
    assert node_sort_key("app@fd00::9") < node_sort_key("app@fd00::10")
    # Every IPv4 address sorts before every IPv6 address, and those before hostnames.
    assert node_sort_key("app@255.255.255.255") < node_sort_key("app@::")
    assert node_sort_key("app@ffff::") < node_sort_key("app@0.example")


def test_node_sort_key_refuses_invalid_names():
    with pytest.raises(NodeNameError):
        node_sort_key("nonsense")


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("app@10.0.0.5", "10.0.0.5"),
        ("app@[fd00::5]", "fd00::5"),
        ("app@Host.Example", "Host.Example"),
    ],
)
def test_node_host(value, host):
    assert node_host(value) == host


def test_normalize_refuses_a_single_string_instead_of_walking_its_characters():
    with pytest.raises(NodeNameError, match="expected a list of node names, not the single string 'app@h'"):
        normalize_node_names("app@h")


@pytest.mark.parametrize("value", ["app\n", "app\r"])
def test_app_name_refuses_a_trailing_line_break(value):
    with pytest.raises(NodeNameError, match="invalid app name"):
        validate_app_name(value)


def test_hostnames_differing_in_case_are_two_nodes():
    # Node names are atoms: the BEAM compares app@Web1 and app@web1 exactly.
    assert normalize_node_names(["app@web1", "app@Web1", "app@web1"]) == ["app@Web1", "app@web1"]


# ------------------------------------------------------------- properties

NAME = st.from_regex(r"\A[A-Za-z0-9_-]{1,12}\Z")
LABEL = st.from_regex(r"\A[A-Za-z0-9_]([A-Za-z0-9_-]{0,8}[A-Za-z0-9_])?\Z")
HOSTNAME = st.lists(LABEL, min_size=1, max_size=3).map(".".join).filter(
    lambda host: not all(label.isdigit() for label in host.split("."))
)
IPV4 = st.ip_addresses(v=4).map(str)
# Any spelling of an IPv6 address: Python's own, exploded, upper case, bracketed, IPv4-mapped.
IPV6 = st.ip_addresses(v=6).flatmap(
    lambda address: st.sampled_from(
        [str(address), address.exploded, str(address).upper(), "[%s]" % address]
        + (["::ffff:%s" % address.ipv4_mapped] if address.ipv4_mapped else [])
    )
)
MAPPED = st.ip_addresses(v=4).map(lambda address: "::ffff:%s" % address)
NODE = st.builds("{}@{}".format, NAME, st.one_of(IPV4, IPV6, MAPPED, HOSTNAME))


@given(st.lists(NODE, max_size=30))
def test_normalizing_is_idempotent(names):
    once = normalize_node_names(names)
    assert normalize_node_names(once) == once
    assert [validate_node_name(name) for name in once] == once


@given(st.lists(NODE, max_size=30), st.randoms(use_true_random=False))
def test_normalizing_does_not_depend_on_order_or_repeats(names, shuffler):
    shuffled = names + names[: len(names) // 2]
    shuffler.shuffle(shuffled)
    result = normalize_node_names(shuffled)
    assert result == normalize_node_names(names)
    assert len(result) == len(set(result))
    assert result == sorted(result, key=node_sort_key)


@given(NAME, st.one_of(IPV4, IPV6, MAPPED))
def test_addresses_have_one_text(name, address):
    text = validate_node_name("%s@%s" % (name, address))
    host = text.partition("@")[2]
    assert ipaddress.ip_address(host) == ipaddress.ip_address(address.strip("[]"))
    # Lower-case hex, dotted IPv4 inside mapped addresses, whatever the Python version.
    assert host == host.lower()
    if host.startswith("::ffff:") and "." not in host:
        pytest.fail("IPv4-mapped address not in dotted form: %s" % host)


@given(NAME, HOSTNAME)
def test_hostnames_are_kept_as_written(name, host):
    assert validate_node_name("%s@%s" % (name, host)) == "%s@%s" % (name, host)


@given(st.text(max_size=20))
def test_validation_accepts_exactly_erlangs_name_characters(name):
    value = "%s@10.0.0.1" % name
    allowed = bool(name) and all(char in ERLANG_NAME_CHARS for char in name)
    try:
        validate_node_name(value)
    except NodeNameError:
        assert not allowed
    else:
        assert allowed


ERLANG_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_-")
