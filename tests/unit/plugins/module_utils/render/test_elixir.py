# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Elixir formats: exact output, options, refusals, and properties over any node names."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import normalize_node_names
from ansible_collections.peerage.peerage.plugins.module_utils.render.elixir import (
    ELIXIR_FORMATS,
    quote_elixir_atom,
)
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS, render_peers

# Unsorted, with a duplicate and non-canonical spellings.
PEERS = ["app@10.0.0.10", "app@FD00:0::1", "my-app@Host-1.Example.com", "app@10.0.0.2", "app@10.0.0.10"]
NAMES = ["app@10.0.0.2", "app@10.0.0.10", "app@fd00::1", "my-app@Host-1.Example.com"]
ERLANG_LIST = "['app@10.0.0.2', 'app@10.0.0.10', 'app@fd00::1', 'my-app@Host-1.Example.com']"

PEERAGE_ELIXIR = """\
# Managed by peerage.peerage
import Config

config :peerage,
  via: Peerage.Via.List,
  node_list: [
    :"app@10.0.0.2",
    :"app@10.0.0.10",
    :"app@fd00::1",
    :"my-app@Host-1.Example.com"
  ]
"""

LIBCLUSTER_ELIXIR = """\
# Managed by peerage.peerage
import Config

config :libcluster,
  topologies: [
    peerage: [
      strategy: Cluster.Strategy.Epmd,
      config: [
        hosts: [
          :"app@10.0.0.2",
          :"app@10.0.0.10",
          :"app@fd00::1",
          :"my-app@Host-1.Example.com"
        ],
        timeout: 5000
      ]
    ]
  ]
"""


def test_elixir_formats_are_registered_in_the_format_table():
    assert ELIXIR_FORMATS == ("peerage", "libcluster", "release_env")
    assert FORMATS[-3:] == ELIXIR_FORMATS


# --- peerage -------------------------------------------------------------------


def test_peerage_elixir_default():
    assert render_peers(PEERS, "peerage") == PEERAGE_ELIXIR


def test_peerage_erlang_default():
    assert render_peers(PEERS, "peerage", syntax="erlang") == (
        "%% Managed by peerage.peerage\n"
        "[{peerage, [{via, 'Elixir.Peerage.Via.List'}, {node_list, " + ERLANG_LIST + "}]}].\n"
    )


def test_peerage_optional_settings_are_written_only_when_set():
    text = render_peers(["a@10.0.0.1"], "peerage", log_results="yes", interval="15", comment="")
    assert text == (
        'import Config\n\nconfig :peerage,\n  via: Peerage.Via.List,\n  node_list: [\n    :"a@10.0.0.1"\n  ],\n'
        "  log_results: true,\n  interval: 15\n"
    )
    text = render_peers(["a@10.0.0.1"], "peerage", syntax="erlang", log_results=False, interval=2, comment="")
    assert text == (
        "[{peerage, [{via, 'Elixir.Peerage.Via.List'}, {node_list, ['a@10.0.0.1']}, {log_results, false},"
        " {interval, 2}]}].\n"
    )


def test_peerage_empty():
    assert render_peers([], "peerage").endswith("  node_list: []\n")
    assert render_peers([], "peerage", syntax="erlang", comment="") == (
        "[{peerage, [{via, 'Elixir.Peerage.Via.List'}, {node_list, []}]}].\n"
    )


# --- libcluster ----------------------------------------------------------------


def test_libcluster_elixir_default():
    assert render_peers(PEERS, "libcluster") == LIBCLUSTER_ELIXIR


def test_libcluster_erlang_default():
    assert render_peers(PEERS, "libcluster", syntax="erlang") == (
        "%% Managed by peerage.peerage\n"
        "[{libcluster, [{topologies, [{peerage, [{strategy, 'Elixir.Cluster.Strategy.Epmd'}, {config, [{hosts, "
        + ERLANG_LIST
        + "}, {timeout, 5000}]}]}]}]}].\n"
    )


def test_libcluster_topology_and_timeout():
    text = render_peers(["a@10.0.0.1"], "libcluster", topology="my_app", timeout="infinity")
    assert "\n    my_app: [\n" in text
    assert "        timeout: :infinity\n" in text
    text = render_peers(["a@10.0.0.1"], "libcluster", syntax="erlang", topology="_x1", timeout=30000)
    assert "{topologies, [{'_x1', [" in text
    assert "{timeout, 30000}" in text
    text = render_peers([], "libcluster", syntax="erlang", timeout="infinity")
    assert "{config, [{hosts, []}, {timeout, infinity}]}" in text


@pytest.mark.parametrize("topology", ["My", "1st", "a-b", "a b", "", "a\n", "x" * 256, 5, None])
def test_libcluster_refuses_a_bad_topology_name(topology):
    if topology is None:
        # None takes the default, like every option.
        assert "    peerage: [\n" in render_peers([], "libcluster", topology=None)
        return
    with pytest.raises(OptionError, match=r"invalid libcluster option topology .*: expected a topology name: 1 to 255"):
        render_peers([], "libcluster", topology=topology)


@pytest.mark.parametrize("timeout", [0, -5, "5s", 1.5, True, "Infinity"])
def test_libcluster_refuses_a_bad_timeout(timeout):
    with pytest.raises(OptionError, match=r"invalid libcluster option timeout .*milliseconds from 1, or 'infinity'"):
        render_peers([], "libcluster", timeout=timeout)


# --- both syntaxes ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["peerage", "libcluster"])
@pytest.mark.parametrize("syntax", ["Elixir", "exs", "sys.config", "", 1])
def test_a_bad_syntax_is_refused_naming_the_choices(fmt, syntax):
    with pytest.raises(OptionError, match=r"option syntax .*: expected one of: elixir, erlang"):
        render_peers([], fmt, syntax=syntax)


@pytest.mark.parametrize(("fmt", "option", "value"), [("peerage", "interval", 0), ("peerage", "log_results", "maybe")])
def test_bad_peerage_settings_are_refused(fmt, option, value):
    with pytest.raises(OptionError, match="invalid peerage option %s %r" % (option, value)):
        render_peers([], fmt, **{option: value})


@pytest.mark.parametrize("fmt", ELIXIR_FORMATS)
def test_unknown_options_are_refused(fmt):
    with pytest.raises(OptionError, match="unknown option"):
        render_peers(["a@10.0.0.1"], fmt, hosts=["a@10.0.0.1"])


@pytest.mark.parametrize("fmt", ELIXIR_FORMATS)
@pytest.mark.parametrize("bad", ["app@", "a@b@c", "a@10.0.0.1'", 'a@h"', "a#{x}@h", 7])
def test_invalid_node_names_are_refused(fmt, bad):
    with pytest.raises(NodeNameError):
        render_peers([bad], fmt)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app@fd00::1", ':"app@fd00::1"'),
        ("a", ':"a"'),
        ('a"b', ':"a\\"b"'),
        ("a\\b", ':"a\\\\b"'),
        ("a#{b}", ':"a\\#{b}"'),
        ("caf\u00e9\n", ':"caf\\u{E9}\\u{A}"'),
    ],
)
def test_quote_elixir_atom_always_quotes_and_escapes(text, expected):
    assert quote_elixir_atom(text) == expected


# --- release_env -------------------------------------------------------------------


def test_release_env():
    assert render_peers(["app@10.0.0.5"], "release_env") == (
        '# Managed by peerage.peerage\nRELEASE_DISTRIBUTION="name"\nRELEASE_NODE="app@10.0.0.5"\n'
    )


def test_release_env_ipv6_node_selects_ipv6_distribution():
    assert render_peers(["app@FD00::0:1"], "release_env", comment="", cookie="c00kie") == (
        'RELEASE_DISTRIBUTION="name"\nRELEASE_NODE="app@fd00::1"\nRELEASE_COOKIE="c00kie"\n'
        'ELIXIR_ERL_OPTIONS="-proto_dist inet6_tcp"\n'
    )


@pytest.mark.parametrize("peers", [[], ["a@10.0.0.1", "a@10.0.0.2"]])
def test_release_env_takes_exactly_one_node(peers):
    with pytest.raises(OptionError, match="list of exactly one name .*not %d" % len(peers)):
        render_peers(peers, "release_env")


def test_release_env_counts_distinct_names():
    # The same node spelled twice is one node.
    assert "RELEASE_NODE=\"a@fd00::1\"" in render_peers(["a@fd00::1", "a@FD00:0::1"], "release_env")


@pytest.mark.parametrize("cookie", ["", "has space", 'quote"', "dollar$HOME", "back`tick`", "x" * 256, "nl\n", 42])
def test_release_env_refuses_a_bad_cookie_without_showing_it(cookie):
    with pytest.raises(OptionError) as caught:
        render_peers(["a@10.0.0.1"], "release_env", cookie=cookie)
    message = str(caught.value)
    assert "release_env option cookie" in message
    assert "value not shown" in message
    if isinstance(cookie, str) and len(cookie) > 3:
        assert cookie not in message


def _sourced(text, tmp_path, names):
    env_file = tmp_path / "release.env"
    env_file.write_text(text)
    script = '. "$1" && ' + " && ".join('printf "%%s\\n" "$%s"' % name for name in names)
    result = subprocess.run(
        ["sh", "-c", script, "sh", str(env_file)], cwd=str(tmp_path), check=True, capture_output=True, text=True
    )
    return result.stdout.split("\n")[:-1]


# --- properties --------------------------------------------------------------------

_NAME = st.from_regex(r"\A[A-Za-z0-9_-]{1,13}\Z")
_IPV4 = st.ip_addresses(v=4).map(str)
_IPV6 = st.ip_addresses(v=6).filter(lambda a: not a.ipv4_mapped).map(str)
_HOSTNAME = st.lists(st.from_regex(r"\A[a-z][a-z0-9-]{0,8}[a-z0-9]\Z"), min_size=1, max_size=3).map(".".join)
NODE_NAMES = st.builds(lambda name, host: "%s@%s" % (name, host), _NAME, st.one_of(_IPV4, _IPV6, _HOSTNAME))
COOKIES = st.from_regex(r"\A[A-Za-z0-9_.+/=@:~-]{1,40}\Z")


def _elixir_atoms(text):
    """The atoms of quote_elixir_atom's form in ``text``, unescaped."""
    return [re.sub(r"\\(.)", r"\1", body) for body in re.findall(r':"((?:[^"\\]|\\.)*)"', text)]


def _erlang_node_atoms(text):
    """The single-quoted atoms in ``text`` that are node names (they hold '@')."""
    atoms = [re.sub(r"\\(.)", r"\1", body) for body in re.findall(r"'((?:[^'\\]|\\.)*)'", text)]
    return [atom for atom in atoms if "@" in atom]


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(NODE_NAMES, max_size=8))
def test_elixir_syntax_lists_exactly_the_normalised_names_in_order(peers):
    expected = normalize_node_names(peers)
    for fmt in ("peerage", "libcluster"):
        assert _elixir_atoms(render_peers(peers, fmt)) == expected
        assert _erlang_node_atoms(render_peers(peers, fmt, syntax="erlang")) == expected


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(NODE_NAMES, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_order_or_duplicates(peers, random):
    shuffled = peers + peers[: len(peers) // 2]
    random.shuffle(shuffled)
    for fmt in ("peerage", "libcluster"):
        for syntax in ("elixir", "erlang"):
            assert render_peers(shuffled, fmt, syntax=syntax) == render_peers(peers, fmt, syntax=syntax)


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(max_size=20))
def test_quote_elixir_atom_never_leaves_an_unescaped_quote_or_interpolation(text):
    quoted = quote_elixir_atom(text)
    body = quoted[2:-1]
    assert quoted.startswith(':"') and quoted.endswith('"')
    # Outside escapes, the body holds no quote, no '#' and nothing but printable ASCII.
    assert re.fullmatch(r'(?:[ !$-\[\]-~]|\\["\\#]|\\u\{[0-9A-F]+\})*', body)


@settings(max_examples=25, deadline=None, database=None)
@given(NODE_NAMES, st.one_of(st.none(), COOKIES))
def test_release_env_sourced_by_a_shell_gives_the_node_and_cookie(tmp_path_factory, node, cookie):
    tmp_path = tmp_path_factory.mktemp("release_env")
    text = render_peers([node], "release_env", cookie=cookie)
    values = _sourced(text, tmp_path, ["RELEASE_DISTRIBUTION", "RELEASE_NODE", "RELEASE_COOKIE"])
    assert values == ["name", normalize_node_names([node])[0], cookie or ""]
