# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Imports between the core's modules run one way, and a shared helper is written once."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from ansible_collections.peerage.peerage.plugins.module_utils import errors

MODULE_UTILS = Path(errors.__file__).parent
PACKAGE = "ansible_collections.peerage.peerage.plugins.module_utils"


def imports_of(path):
    """The module_utils modules ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            if node.module == PACKAGE:
                found.update(alias.name for alias in node.names)
            else:
                found.add(node.module.rsplit(".", 1)[-1])
    return found


GRAPH = {path.stem: imports_of(path) for path in MODULE_UTILS.glob("*.py")}


def test_no_module_imports_one_that_imports_it_back():
    # graphlib refuses a cycle, naming it.
    order = list(graphlib.TopologicalSorter(GRAPH).static_order())
    assert order.index("errors") < order.index("node_names") < order.index("render")


def test_the_renderers_share_quoting_and_checks_without_importing_each_other():
    assert "render" not in GRAPH["render_elixir"]
    assert {"render_quoting", "render_options"} <= GRAPH["render_elixir"]
    assert {"render_quoting", "render_options", "render_elixir"} <= GRAPH["render"]
    assert not {"render", "render_elixir"} & (GRAPH["render_quoting"] | GRAPH["render_options"])


def test_the_option_records_import_nothing_of_the_core():
    assert GRAPH["provider_options"] == set()
    assert GRAPH["errors"] == set()


def test_a_refused_value_is_described_by_one_function():
    definitions = [
        (path.stem, node.name)
        for path in MODULE_UTILS.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in ("_describe", "describe_value")
    ]
    assert definitions == [("errors", "describe_value")]
    assert errors.describe_value("a\nb") == "'a\\nb'"
    assert errors.describe_value("x" * 100) == repr("x" * 100)[:77] + "..."
    assert len(errors.describe_value("x" * 100)) == 80
