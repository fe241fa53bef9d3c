# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter plugins: names, delegation to the core, and errors as filter errors."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.peerage.peerage.plugins.filter import role_plan
from ansible_collections.peerage.peerage.plugins.filter.peers import FilterModule
from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS, render_peers
from ansible_collections.peerage.peerage.plugins.plugin_utils.core_compat import AnsibleFilterError

FILTERS = FilterModule().filters()
PEERS = ["app@10.0.0.2", "app@fd00::1", "app@10.0.0.1", "app@10.0.0.2"]


def test_filter_names():
    assert set(FILTERS) == {"render_peers", "node_name", "node_host"} | {"to_" + fmt for fmt in FORMATS}


def test_every_filter_has_a_documentation_file():
    folder = pathlib.Path(__file__).parents[4] / "plugins" / "filter"
    assert {path.stem for path in folder.glob("*.yml")} == set(FILTERS) | set(role_plan.FilterModule().filters())


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_filters_equal_render_peers(fmt):
    # release_env writes one node, this host's own.
    peers = PEERS[:1] if fmt == "release_env" else PEERS
    assert FILTERS["to_" + fmt](peers) == FILTERS["render_peers"](peers, fmt) == render_peers(peers, fmt)


def test_options_reach_the_core():
    text = FILTERS["render_peers"](PEERS, "erlang_config", mandatory=True, sync_nodes_timeout=5, comment="")
    assert text == (
        "[{kernel, [{sync_nodes_mandatory, ['app@10.0.0.1', 'app@10.0.0.2', 'app@fd00::1']},"
        " {sync_nodes_timeout, 5}]}].\n"
    )
    assert FILTERS["to_csv"](PEERS, hosts_only=True, port=4369) == "10.0.0.1:4369,10.0.0.2:4369,[fd00::1]:4369\n"


@pytest.mark.parametrize(
    ("call", "core_error", "pattern"),
    [
        (lambda: FILTERS["render_peers"](PEERS, "yaml"), OptionError, "unknown peer list format 'yaml'; use one of"),
        (lambda: FILTERS["to_csv"](PEERS, port=1), OptionError, "port needs hosts_only=true"),
        (lambda: FILTERS["to_json"](PEERS, indent=2), OptionError, "unknown option"),
        (lambda: FILTERS["to_lines"](["app@"]), NodeNameError, "invalid node name 'app@'"),
        (lambda: FILTERS["node_name"]("10.0.0.1", "my app"), NodeNameError, "invalid app name 'my app'"),
        (lambda: FILTERS["node_name"]("not an address", "app"), NodeNameError, "invalid node name"),
        (lambda: FILTERS["node_host"]("app"), NodeNameError, "has no '@'"),
    ],
)
def test_core_errors_become_filter_errors_with_the_core_message(call, core_error, pattern):
    with pytest.raises(AnsibleFilterError, match=pattern) as caught:
        call()
    assert isinstance(caught.value.__cause__, core_error)
    # Said once: ansible-core 2.16 to 2.18 append an orig_exc's message to the error's own.
    assert str(caught.value) == str(caught.value.__cause__)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("10.0.0.5", "myapp@10.0.0.5"),
        ("[fd00::0:1]", "myapp@fd00::1"),
        ("fd00::1", "myapp@fd00::1"),
        ("Node-1.Example.com", "myapp@Node-1.Example.com"),
    ],
)
def test_node_name(address, expected):
    assert FILTERS["node_name"](address, "myapp") == expected


def test_node_name_without_an_app_name_takes_the_providers_default():
    assert FILTERS["node_name"]("10.0.0.5") == "nonode@10.0.0.5"
    assert FILTERS["node_name"]("10.0.0.5", None) == "nonode@10.0.0.5"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a@10.0.0.5", "10.0.0.5"), ("a@[fd00::1]", "fd00::1"), ("a@H.example", "H.example")],
)
def test_node_host(name, expected):
    assert FILTERS["node_host"](name) == expected
