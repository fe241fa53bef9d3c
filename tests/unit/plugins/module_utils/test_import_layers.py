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


def module_name(path):
    """``path``'s module name below module_utils: ``errors``, ``udp.wire``."""
    return ".".join(path.relative_to(MODULE_UTILS).with_suffix("").parts)


MODULES = {module_name(path): path for path in MODULE_UTILS.rglob("*.py") if path.name != "__init__.py"}


def imports_of(path):
    """The module_utils modules ``path`` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            base = node.module[len(PACKAGE) + 1 :]
            for alias in node.names:
                # ``from PACKAGE.udp import wire`` imports a module, ``from PACKAGE.udp.wire import encode`` a name.
                name = "%s.%s" % (base, alias.name) if base else alias.name
                found.add(name if name in MODULES else base)
    return found


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_no_module_imports_one_that_imports_it_back():
    # graphlib refuses a cycle, naming it.
    order = list(graphlib.TopologicalSorter(GRAPH).static_order())
    assert order.index("errors") < order.index("node_names") < order.index("render.formats")


def test_the_renderers_share_quoting_and_checks_without_importing_each_other():
    assert "render.formats" not in GRAPH["render.elixir"]
    assert {"render.quoting", "render.options"} <= GRAPH["render.elixir"]
    assert {"render.quoting", "render.options", "render.elixir"} <= GRAPH["render.formats"]
    assert not {"render.formats", "render.elixir"} & (GRAPH["render.quoting"] | GRAPH["render.options"])


def test_the_option_records_import_nothing_of_the_core():
    assert GRAPH["provider_options"] == set()
    assert GRAPH["errors"] == set()


def test_a_refused_value_is_described_by_one_function():
    definitions = [
        (path.stem, node.name)
        for path in MODULES.values()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name in ("_describe", "describe_value")
    ]
    assert definitions == [("errors", "describe_value")]
    assert errors.describe_value("a\nb") == "'a\\nb'"
    assert errors.describe_value("x" * 100) == repr("x" * 100)[:77] + "..."
    assert len(errors.describe_value("x" * 100)) == 80


def test_every_file_of_the_core_and_the_controller_helpers_says_it_is_private():
    private = "# Private to the peerage.peerage collection: not an interface for other collections, plugins or\n"
    folders = (MODULE_UTILS, MODULE_UTILS.parent / "plugin_utils")
    files = [path for folder in folders for path in folder.rglob("*.py") if path.name != "__init__.py"]
    assert len(files) > len(MODULES)
    assert [path.name for path in files if private not in path.read_text()] == []
