# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The folders show the layers, imports run one way, and a shared helper is written once."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from ansible_collections.peerage.peerage.plugins.module_utils import errors

MODULE_UTILS = Path(errors.__file__).parent
PLUGINS = MODULE_UTILS.parent
COLLECTION = "ansible_collections.peerage.peerage.plugins"
PACKAGE = COLLECTION + ".module_utils"

# The layers of module_utils, lowest first ("" is the base: the files at the top of
# module_utils). A file may import the files of its own package and of lower layers,
# never a package of its own layer or of a higher one. docs/architecture.md shows the same.
LAYERS = (
    ("",),
    ("udp", "render", "health", "write"),
    ("providers",),
)
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}

# Which plugin folders may import which (module_utils from anywhere; plugin_utils only on the controller).
MAY_IMPORT = {
    "module_utils": {"module_utils"},
    "modules": {"module_utils"},
    "plugin_utils": {"module_utils", "plugin_utils"},
    "lookup": {"module_utils", "plugin_utils"},
    "filter": {"module_utils", "plugin_utils"},
    "doc_fragments": {"plugin_utils"},
}


def module_name(path):
    """``path``'s module name below module_utils: ``errors``, ``udp.wire``."""
    return ".".join(path.relative_to(MODULE_UTILS).with_suffix("").parts)


MODULES = {module_name(path): path for path in MODULE_UTILS.rglob("*.py") if path.name != "__init__.py"}


def collection_imports(path):
    """The ``ansible_collections.peerage.peerage.plugins.*`` modules or names ``path`` imports, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(COLLECTION + "."):
            found.extend((node.module, alias.name) for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names if alias.name.startswith(COLLECTION + "."))
    return found


def imports_of(path):
    """The module_utils modules ``path`` imports, at its top or inside a function."""
    found = set()
    for module, name in collection_imports(path):
        if module == PACKAGE or module.startswith(PACKAGE + "."):
            base = module[len(PACKAGE) + 1 :]
            # ``from PACKAGE.udp import wire`` imports a module, ``from PACKAGE.udp.wire import encode`` a name.
            candidate = "%s.%s" % (base, name) if base else name
            found.add(candidate if candidate in MODULES else base)
    return found


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def package_of(module):
    return module.rpartition(".")[0]


def test_every_package_of_the_core_has_a_layer_and_an_empty_init():
    # Ansible packs a module_utils package into a module's payload only with its __init__.py, and packs
    # all of it: an empty one keeps importing one file of a package from bringing in the others.
    packages = {path.parent for path in MODULE_UTILS.rglob("*.py")} - {MODULE_UTILS}
    assert {package.name for package in packages} == set(RANK) - {""}
    for package in packages:
        assert (package / "__init__.py").read_text() == "", package
    assert all(package_of(module).count(".") == 0 for module in MODULES), "one level of packages"


def layer_faults(graph):
    """Each import of ``graph`` that reaches a package of the importer's own layer or of a higher one."""
    return [
        "%s imports %s" % (module, imported)
        for module, imports in sorted(graph.items())
        for imported in sorted(imports)
        if package_of(imported) != package_of(module) and RANK[package_of(imported)] >= RANK[package_of(module)]
    ]


def test_no_package_imports_one_of_its_own_layer_or_a_higher_one():
    assert layer_faults(GRAPH) == []


def test_the_layer_check_refuses_an_import_upwards_or_sideways():
    graph = {
        "discovery": {"errors", "providers.registry"},
        "udp.wire": {"render.quoting", "udp.options", "node_names"},
        "providers.udp": {"udp.options", "providers.registry"},
    }
    assert layer_faults(graph) == ["discovery imports providers.registry", "udp.wire imports render.quoting"]


def test_no_module_imports_one_that_imports_it_back():
    # graphlib refuses a cycle, naming it.
    order = list(graphlib.TopologicalSorter(GRAPH).static_order())
    assert order.index("errors") < order.index("node_names") < order.index("render.formats")
    assert order.index("udp.wire") < order.index("udp.options") < order.index("udp.transport")
    assert order.index("udp.transport") < order.index("udp.beacon") < order.index("udp.program")
    assert order.index("udp.program") < order.index("udp.control")


def test_plugin_folders_import_only_what_their_side_may():
    wrong = []
    for folder, allowed in MAY_IMPORT.items():
        for path in (PLUGINS / folder).rglob("*.py"):
            for module, _name in collection_imports(path):
                imported_folder = module[len(COLLECTION) + 1 :].partition(".")[0]
                if imported_folder != folder and imported_folder not in allowed:
                    wrong.append("%s imports %s" % (path.relative_to(PLUGINS), module))
    assert wrong == []


def test_names_inside_a_package_do_not_repeat_it():
    assert [module for module in MODULES if module.partition(".")[2].startswith(package_of(module) + "_")] == []


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
    files = [path for folder in ("module_utils", "plugin_utils") for path in (PLUGINS / folder).rglob("*.py")]
    files = [path for path in files if path.name != "__init__.py"]
    assert len(files) > len(MODULES)
    assert [path.name for path in files if private not in path.read_text()] == []
