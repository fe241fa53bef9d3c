# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Option values: lists from strings, numbers in range, each refusal naming the value."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_bool, as_list, as_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        (" , ,", []),
        ("a@10.0.0.1", ["a@10.0.0.1"]),
        ("a@10.0.0.1,a@10.0.0.2", ["a@10.0.0.1", "a@10.0.0.2"]),
        ("a@10.0.0.1 a@10.0.0.2", ["a@10.0.0.1", "a@10.0.0.2"]),
        (" a@10.0.0.1,\n\ta@fd00::1 ,, a@h3 ", ["a@10.0.0.1", "a@fd00::1", "a@h3"]),
        (["a@10.0.0.2", "a@10.0.0.1"], ["a@10.0.0.2", "a@10.0.0.1"]),
        (("a@10.0.0.1",), ["a@10.0.0.1"]),
        ([], []),
        # ansible-core splits env and ini lists at commas only; whitespace inside an item still separates.
        (["a@h1 a@h2", "a@h3"], ["a@h1", "a@h2", "a@h3"]),
    ],
)
def test_as_list(value, expected):
    assert as_list(value, "node_list") == expected


@pytest.mark.parametrize("value", [5, {"a@h1": 1}, {"a@h1"}])
def test_as_list_refuses_other_values_naming_option_and_value(value):
    with pytest.raises(OptionError) as caught:
        as_list(value, "node_list")
    assert str(caught.value) == (
        "invalid node_list %r: expected a list, or a string of items separated by commas" % (value,)
    )


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [(None, float, 2.0), ("1.5", float, 1.5), (3, int, 3), ("4", int, 4), (2.0, int, 2)],
)
def test_as_number_accepts(value, kind, expected):
    assert as_number(value, "timeout", 2.0, 0, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "maximum", "expected"),
    [
        ("nan", float, None, "a number >= 0"),
        (float("inf"), float, None, "a number >= 0"),
        (-1, float, None, "a number >= 0"),
        (2.7, int, None, "a whole number >= 0"),
        ("x", int, None, "a whole number >= 0"),
        (True, int, None, "a whole number >= 0"),
        (70000, int, 65535, "a whole number from 0 to 65535"),
    ],
)
def test_as_number_refuses_naming_value_and_range(value, kind, maximum, expected):
    with pytest.raises(OptionError) as caught:
        as_number(value, "retries", 1, 0, kind, maximum)
    assert str(caught.value) == "invalid retries %r: expected %s" % (value, expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, True), (True, True), (False, False), ("yes", True), ("Off", False), ("1", True), (0, False)],
)
def test_as_bool_reads_the_words_ansible_reads(value, expected):
    assert as_bool(value, "include_self", True) is expected


def test_as_bool_refuses_other_words_naming_option_and_value():
    with pytest.raises(OptionError) as caught:
        as_bool("maybe", "include_self", True)
    assert str(caught.value) == "invalid include_self 'maybe': expected a boolean (true or false)"


# ----------------------------------------------------------- one set of checks


@pytest.mark.parametrize("value", ["\u0663", "9\u0663", "\u00b2", "1_000", "0x10", " ", True])
def test_numbers_as_text_are_ascii_decimals_only(value):
    # float() would read '\u0663' (an Arabic-Indic three) and int() '1_000'; a config file would not.
    with pytest.raises(OptionError, match="invalid port"):
        as_number(value, "port", None, 1, int, 65535)


@pytest.mark.parametrize(("value", "expected"), [("4369", 4369), (" 53 ", 53), (25672, 25672), ("2.0", 2)])
def test_numbers_as_text_are_read(value, expected):
    assert as_number(value, "port", None, 1, int, 65535) == expected


@pytest.mark.parametrize("value", [2, -1, 1.0, [], "maybe"])
def test_as_bool_refuses_numbers_other_than_0_and_1(value):
    with pytest.raises(OptionError, match="expected a boolean"):
        as_bool(value, "mandatory", None)


def test_the_renderers_and_the_reachability_check_refuse_as_option_values_does():
    from ansible_collections.peerage.peerage.plugins.module_utils.health import reachability
    from ansible_collections.peerage.peerage.plugins.module_utils.render import formats as render

    with pytest.raises(OptionError) as by_render:
        render.render_peers(["a@10.0.0.1"], "elasticsearch", port="9\u0663")
    with pytest.raises(OptionError) as by_reachability:
        reachability.check_port("9\u0663")
    expected = "expected a whole number from 1 to 65535"
    assert str(by_render.value) == "invalid elasticsearch option port '9\u0663': " + expected
    assert str(by_reachability.value) == "invalid port '9\u0663': expected a whole number from 1 to 65535"
    assert render.render_peers(["a@10.0.0.1"], "csv", hosts_only="yes", port="4369") == "10.0.0.1:4369\n"
    assert reachability.parse_require("2", 3) == 2
