# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Rendering peer lists: exact output of every format, empty lists, options and refusals."""

from __future__ import annotations

import itertools
import json
import subprocess

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.render.elixir import ELIXIR_FORMATS
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS as ALL_FORMATS
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import host_port, render_peers
from ansible_collections.peerage.peerage.plugins.module_utils.render.options import DEFAULT_COMMENT
from ansible_collections.peerage.peerage.plugins.module_utils.render.quoting import (
    erlang_atom_list,
    quote_args_file,
    quote_atom,
    quote_shell_double,
)

# The formats of render/formats.py itself; test_elixir.py covers the Elixir ones.
FORMATS = tuple(fmt for fmt in ALL_FORMATS if fmt not in ELIXIR_FORMATS)

# Unsorted, with a duplicate and a non-canonical IPv6 spelling:
# every format must show the normalised list.
PEERS = [
    "app@10.0.0.10",
    "app@FD00:0::1",
    "my-app@host-1.example.com",
    "app@10.0.0.2",
    "other@10.0.0.2",
    "app@10.0.0.10",
]
NAMES = ["app@10.0.0.2", "app@10.0.0.10", "app@fd00::1", "my-app@host-1.example.com", "other@10.0.0.2"]

EXPECTED = {
    "erlang_config": (
        "%% Managed by peerage.peerage\n"
        "[{kernel, [{sync_nodes_optional, ['app@10.0.0.2', 'app@10.0.0.10', 'app@fd00::1',"
        " 'my-app@host-1.example.com', 'other@10.0.0.2']}, {sync_nodes_timeout, 30000}]}].\n"
    ),
    "hosts_erlang": "%% Managed by peerage.peerage\n'10.0.0.2'.\n'10.0.0.10'.\n'fd00::1'.\n'host-1.example.com'.\n",
    "vm_args": (
        "## Managed by peerage.peerage\n"
        "-kernel sync_nodes_optional \"['app@10.0.0.2', 'app@10.0.0.10', 'app@fd00::1',"
        " 'my-app@host-1.example.com', 'other@10.0.0.2']\"\n"
        "-kernel sync_nodes_timeout 30000\n"
    ),
    "lines": "app@10.0.0.2\napp@10.0.0.10\napp@fd00::1\nmy-app@host-1.example.com\nother@10.0.0.2\n",
    "json": '["app@10.0.0.2","app@10.0.0.10","app@fd00::1","my-app@host-1.example.com","other@10.0.0.2"]\n',
    "env": (
        "# Managed by peerage.peerage\n"
        'PEERS="app@10.0.0.2 app@10.0.0.10 app@fd00::1 my-app@host-1.example.com other@10.0.0.2"\n'
    ),
    "csv": "app@10.0.0.2,app@10.0.0.10,app@fd00::1,my-app@host-1.example.com,other@10.0.0.2\n",
    "rabbitmq": (
        "# Managed by peerage.peerage\n"
        "cluster_formation.peer_discovery_backend = classic_config\n"
        "cluster_formation.classic_config.nodes.1 = app@10.0.0.2\n"
        "cluster_formation.classic_config.nodes.2 = app@10.0.0.10\n"
        "cluster_formation.classic_config.nodes.3 = app@fd00::1\n"
        "cluster_formation.classic_config.nodes.4 = my-app@host-1.example.com\n"
        "cluster_formation.classic_config.nodes.5 = other@10.0.0.2\n"
    ),
    "elasticsearch": "# Managed by peerage.peerage\n10.0.0.2\n10.0.0.10\n[fd00::1]\nhost-1.example.com\n",
}

EXPECTED_EMPTY = {
    "erlang_config": (
        "%% Managed by peerage.peerage\n[{kernel, [{sync_nodes_optional, []}, {sync_nodes_timeout, 30000}]}].\n"
    ),
    "hosts_erlang": "%% Managed by peerage.peerage\n",
    "vm_args": '## Managed by peerage.peerage\n-kernel sync_nodes_optional "[]"\n-kernel sync_nodes_timeout 30000\n',
    "lines": "",
    "json": "[]\n",
    "env": '# Managed by peerage.peerage\nPEERS=""\n',
    "csv": "",
    "rabbitmq": "# Managed by peerage.peerage\ncluster_formation.peer_discovery_backend = classic_config\n",
    "elasticsearch": "# Managed by peerage.peerage\n",
}

# Formats that write a comment header, and their comment mark.
COMMENT_MARKS = {
    "erlang_config": "%%",
    "hosts_erlang": "%%",
    "vm_args": "##",
    "env": "#",
    "rabbitmq": "#",
    "elasticsearch": "#",
}


def test_formats_are_the_documented_ones():
    # The public API: the role's templates and docs/formats.md name these, in this order.
    assert FORMATS == tuple("erlang_config hosts_erlang vm_args lines json env csv rabbitmq elasticsearch".split())
    assert ALL_FORMATS == (*FORMATS, "peerage", "libcluster", "release_env")
    assert set(EXPECTED) == set(FORMATS) == set(EXPECTED_EMPTY)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_renders_the_normalised_peers(fmt):
    assert render_peers(PEERS, fmt) == EXPECTED[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_has_a_valid_empty_form(fmt):
    assert render_peers([], fmt) == EXPECTED_EMPTY[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_input_order_or_container(fmt):
    outputs = {render_peers(list(order), fmt) for order in itertools.permutations(PEERS[:4])}
    outputs.add(render_peers(tuple(PEERS[:4]), fmt))
    outputs.add(render_peers(iter(PEERS[:4]), fmt))
    assert len(outputs) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_empty_or_ends_with_one_newline(fmt):
    for peers in ([], ["a@10.0.0.1"], PEERS):
        for comment in ("", DEFAULT_COMMENT):
            options = {"comment": comment} if fmt in COMMENT_MARKS else {}
            text = render_peers(peers, fmt, **options)
            assert text == "" or (text.endswith("\n") and not text.endswith("\n\n"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_peers_and_no_header_is_empty_only_where_documented(fmt):
    options = {"comment": ""} if fmt in COMMENT_MARKS else {}
    empty = render_peers([], fmt, **options) == ""
    assert empty == (fmt in ("hosts_erlang", "lines", "csv", "elasticsearch"))


# --- Erlang ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("app@10.0.0.1", "'app@10.0.0.1'"),
        ("app@fd00::1", "'app@fd00::1'"),
        ("my-app@host-1.example.com", "'my-app@host-1.example.com'"),
        ("ok", "'ok'"),
        ("", "''"),
        ("it's", "'it\\'s'"),
        ("back\\slash", "'back\\\\slash'"),
        ("new\nline", "'new\\x{A}line'"),
        ("del\x7f", "'del\\x{7F}'"),
        ("caf\u00e9", "'caf\\x{E9}'"),
        ('say "hi"', "'say \"hi\"'"),
    ],
)
def test_quote_atom_always_quotes_and_escapes(text, expected):
    assert quote_atom(text) == expected


def test_erlang_atom_list():
    assert erlang_atom_list([]) == "[]"
    assert erlang_atom_list(["a@h", "b@h"]) == "['a@h', 'b@h']"


@pytest.mark.parametrize("fmt", ["erlang_config", "vm_args"])
def test_mandatory_writes_sync_nodes_mandatory(fmt):
    text = render_peers(["a@10.0.0.1"], fmt, mandatory=True, comment="")
    assert "sync_nodes_mandatory" in text
    assert "sync_nodes_optional" not in text
    assert render_peers(["a@10.0.0.1"], fmt, mandatory="no") == render_peers(["a@10.0.0.1"], fmt)


def test_erlang_config_options():
    text = render_peers(["a@10.0.0.1"], "erlang_config", mandatory="yes", sync_nodes_timeout="1", comment="")
    assert text == "[{kernel, [{sync_nodes_mandatory, ['a@10.0.0.1']}, {sync_nodes_timeout, 1}]}].\n"
    text = render_peers([], "erlang_config", sync_nodes_timeout=" infinity ", comment="")
    assert text == "[{kernel, [{sync_nodes_optional, []}, {sync_nodes_timeout, infinity}]}].\n"


def test_vm_args_options():
    text = render_peers(["a@fd00::1"], "vm_args", sync_nodes_timeout=60000, comment="peers\nof a")
    assert text == (
        "## peers\n## of a\n-kernel sync_nodes_optional \"['a@fd00::1']\"\n-kernel sync_nodes_timeout 60000\n"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("['a@h']", "\"['a@h']\""),
        ("", '""'),
        ('a"b', '"a"\\""b"'),
        ("# not a comment", '"# not a comment"'),
    ],
)
def test_quote_args_file(value, expected):
    assert quote_args_file(value) == expected


def test_quote_args_file_refuses_nul():
    with pytest.raises(OptionError, match="NUL"):
        quote_args_file("a\0b")


def test_hosts_erlang_has_one_line_per_host():
    text = render_peers(["a@10.0.0.1", "b@10.0.0.1", "a@h.example"], "hosts_erlang", comment="")
    assert text == "'10.0.0.1'.\n'h.example'.\n"


# --- env ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a b", '"a b"'),
        ("", '""'),
        ('$HOME `id` "q" \\', '"\\$HOME \\`id\\` \\"q\\" \\\\"'),
        ("'single'", "\"'single'\""),
    ],
)
def test_quote_shell_double(value, expected):
    assert quote_shell_double(value) == expected


def _sourced_cluster_nodes(text, tmp_path):
    """What a POSIX shell, run in ``tmp_path``, holds in CLUSTER_NODES after sourcing ``text``."""
    env_file = tmp_path / "peers.env"
    env_file.write_text(text)
    result = subprocess.run(
        ["sh", "-c", '. "$1" && printf %s "$CLUSTER_NODES"', "sh", str(env_file)],
        cwd=str(tmp_path),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


@pytest.mark.parametrize("separator", [" ", ",", '$(touch pwned) `id` "x" \\ '])
def test_env_value_reads_back_in_a_shell(separator, tmp_path):
    peers = ["a@10.0.0.1", "a@fd00::1", "b@host-1.example"]
    text = render_peers(peers, "env", variable="CLUSTER_NODES", separator=separator)
    assert _sourced_cluster_nodes(text, tmp_path) == separator.join(peers)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("variable", ["1PEERS", "PEER-S", "", "A B", "A\n", 5])
def test_env_refuses_a_bad_variable_name(variable):
    with pytest.raises(OptionError, match=r"option variable .*shell variable name"):
        render_peers([], "env", variable=variable)


@pytest.mark.parametrize("separator", ["", "\n", "a\tb", "\u2028", 1])
def test_env_refuses_a_bad_separator(separator):
    with pytest.raises(OptionError, match="option separator "):
        render_peers([], "env", separator=separator)


# --- csv, elasticsearch, rabbitmq --------------------------------------------


@pytest.mark.parametrize(
    ("host", "kind", "port", "bracket", "expected"),
    [
        ("10.0.0.1", "ipv4", None, False, "10.0.0.1"),
        ("10.0.0.1", "ipv4", 80, True, "10.0.0.1:80"),
        ("fd00::1", "ipv6", None, False, "fd00::1"),
        ("fd00::1", "ipv6", None, True, "[fd00::1]"),
        ("fd00::1", "ipv6", 4369, False, "[fd00::1]:4369"),
        ("h.example", "hostname", 9300, False, "h.example:9300"),
    ],
)
def test_host_port(host, kind, port, bracket, expected):
    assert host_port(host, kind, port, bracket_ipv6=bracket) == expected


def test_csv_hosts_only_dedupes_and_sorts_hosts_by_host():
    peers = ["b@10.0.0.1", "a@10.0.0.9", "a@10.0.0.1", "a@h.example", "z@::1"]
    assert render_peers(peers, "csv", hosts_only=True) == "10.0.0.1,10.0.0.9,::1,h.example\n"
    assert render_peers(peers, "csv", hosts_only=True, port=8301) == (
        "10.0.0.1:8301,10.0.0.9:8301,[::1]:8301,h.example:8301\n"
    )
    assert render_peers([], "csv", hosts_only=True, port=8301) == ""


def test_csv_port_needs_hosts_only():
    with pytest.raises(OptionError, match="port needs hosts_only=true"):
        render_peers(["a@10.0.0.1"], "csv", port=4369)


def test_elasticsearch_port_and_ipv6():
    text = render_peers(["es@fd00::2", "es@10.0.0.1", "x@10.0.0.1"], "elasticsearch", port="9300", comment="")
    assert text == "10.0.0.1:9300\n[fd00::2]:9300\n"


def test_rabbitmq_numbers_nodes_from_one_in_order():
    text = render_peers(["rabbit@10.0.0.3", "rabbit@10.0.0.1"], "rabbitmq", comment="")
    assert text.splitlines() == [
        "cluster_formation.peer_discovery_backend = classic_config",
        "cluster_formation.classic_config.nodes.1 = rabbit@10.0.0.1",
        "cluster_formation.classic_config.nodes.2 = rabbit@10.0.0.3",
    ]


def test_json_parses_back_to_the_normalised_list():
    assert json.loads(render_peers(PEERS, "json")) == NAMES


# --- comments ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(COMMENT_MARKS))
def test_comment_header(fmt):
    mark = COMMENT_MARKS[fmt]
    assert render_peers(["a@10.0.0.1"], fmt).startswith(mark + " Managed by peerage.peerage\n")
    custom = render_peers(["a@10.0.0.1"], fmt, comment="Ansible managed\n\nsee docs  ")
    assert custom.startswith("%s Ansible managed\n%s\n%s see docs\n" % (mark, mark, mark))
    bare = render_peers(["a@10.0.0.1"], fmt, comment="")
    assert not bare.startswith(mark)
    assert custom.endswith(bare)


@pytest.mark.parametrize("comment", ["tab\there", "cr\r", "nul\0", "nel\x85", "ls\u2028", "ps\u2029", 42, ["x"]])
def test_comment_refuses_control_characters_and_non_text(comment):
    with pytest.raises(OptionError, match="option comment "):
        render_peers([], "erlang_config", comment=comment)


@pytest.mark.parametrize("fmt", ["lines", "json", "csv"])
def test_formats_without_comment_syntax_refuse_a_comment(fmt):
    with pytest.raises(OptionError, match="unknown option"):
        render_peers([], fmt, comment="x")


# --- option checks -----------------------------------------------------------


def test_none_means_the_default():
    text = render_peers(PEERS, "erlang_config", mandatory=None, sync_nodes_timeout=None, comment=None)
    assert text == EXPECTED["erlang_config"]
    assert render_peers(PEERS, "csv", hosts_only=None, port=None) == EXPECTED["csv"]


@pytest.mark.parametrize(
    ("fmt", "options", "pattern"),
    [
        ("erlang_config", {"mandatory": "maybe"}, r"invalid erlang_config option mandatory 'maybe': .*boolean"),
        ("erlang_config", {"mandatory": 2}, "option mandatory 2: .*boolean"),
        # The kernel refuses a timeout of 0 at boot: {badopt, {sync_nodes_timeout, 0}}.
        ("vm_args", {"sync_nodes_timeout": 0}, "option sync_nodes_timeout 0: .*from 1, or 'infinity'"),
        ("vm_args", {"sync_nodes_timeout": -1}, "option sync_nodes_timeout -1: .*milliseconds"),
        ("vm_args", {"sync_nodes_timeout": True}, "option sync_nodes_timeout True: .*milliseconds"),
        ("vm_args", {"sync_nodes_timeout": 1.5}, "option sync_nodes_timeout 1.5: .*milliseconds"),
        ("vm_args", {"sync_nodes_timeout": "30s"}, "option sync_nodes_timeout '30s': .*milliseconds"),
        ("vm_args", {"sync_nodes_timeout": "\u00b2"}, "option sync_nodes_timeout '\u00b2': .*milliseconds"),
        ("elasticsearch", {"port": "9\u0663"}, "option port '9\u0663': .*whole number"),
        ("erlang_config", {"sync_nodes_timeout": "Infinity"}, "option sync_nodes_timeout 'Infinity': "),
        ("csv", {"hosts_only": True, "port": 0}, "option port 0: .*from 1 to 65535"),
        ("elasticsearch", {"port": 65536}, "option port 65536: .*from 1 to 65535"),
        ("csv", {"hosts_only": "sure"}, "option hosts_only 'sure': .*boolean"),
    ],
)
def test_bad_option_values_are_refused_with_name_and_value(fmt, options, pattern):
    with pytest.raises(OptionError, match=pattern):
        render_peers(["a@10.0.0.1"], fmt, **options)


def test_unknown_option_names_the_option_and_the_allowed_ones():
    with pytest.raises(OptionError) as caught:
        render_peers([], "erlang_config", mandatroy=True)
    message = str(caught.value)
    assert "mandatroy" in message
    assert "comment, mandatory, sync_nodes_timeout" in message
    with pytest.raises(OptionError, match="this format takes: no options"):
        render_peers([], "lines", port=1)


@pytest.mark.parametrize("fmt", ["yaml", "", "JSON", None, 3])
def test_unknown_format_names_the_value_and_the_formats(fmt):
    with pytest.raises(OptionError) as caught:
        render_peers(["a@10.0.0.1"], fmt)
    message = str(caught.value)
    assert repr(fmt) in message
    assert ", ".join(ALL_FORMATS) in message


def test_unknown_format_is_reported_before_the_peers_are_checked():
    with pytest.raises(OptionError, match="unknown peer list format"):
        render_peers("not a list", "yaml")


@pytest.mark.parametrize("peers", ["a@10.0.0.1", b"a@10.0.0.1", {"a@10.0.0.1": 1}, None])
def test_peers_must_be_a_list(peers):
    with pytest.raises(OptionError, match="must be a list of node names"):
        render_peers(peers, "lines")


@pytest.mark.parametrize("bad", ["app@", "no-at-sign", "a@b@c", "a b@10.0.0.1", "a@10.0.0.1'", 7])
@pytest.mark.parametrize("fmt", FORMATS)
def test_invalid_node_names_are_refused_in_every_format(fmt, bad):
    with pytest.raises(NodeNameError):
        render_peers(["ok@10.0.0.1", bad], fmt)
