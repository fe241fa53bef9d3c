# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where the docs list what the code defines, they list exactly that.

The built-in formats (``FORMATS``) and each format's options and defaults
(``format_options``), the role's variables (its argument spec) and the
provider options (the option records) are named in prose guides as well as
in the plugins' docs. Each list is read back out of the document here and
compared with the code, so a format, option or variable added, renamed or
removed in one place and not in the other fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import OPTIONS
from ansible_collections.peerage.peerage.plugins.module_utils.render.formats import FORMATS, format_options

ROOT = Path(__file__).resolve().parents[3]
FILTERS = ROOT / "plugins" / "filter"
ROLE_SPEC = yaml.safe_load((ROOT / "roles" / "peerage" / "meta" / "argument_specs.yml").read_text())
ROLE_VARIABLES = ROLE_SPEC["argument_specs"]["peerage"]["options"]
# What the role sets for templates and later tasks, besides the variables it takes.
ROLE_OUTPUTS = {"peerage_peers", "peerage_changes", "peerage_file"}
OPTION_NAMES = {option.name for option in OPTIONS}
# Every document that names role variables or lookup variables (peerage_<option>).
GUIDES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md", ROOT / "roles" / "peerage" / "README.md"]

BACKTICKED = re.compile(r"`([a-z_]+)`")


def read(relative):
    return (ROOT / relative).read_text()


def sections(markdown):
    """``{heading: text}`` for each ``## heading`` of ``markdown``, its code blocks left out.

    A code block's ``## `` line (a ``vm.args`` comment) is no heading.
    """
    prose = re.sub(r"^```.*?^```$", "", markdown, flags=re.MULTILINE | re.DOTALL)
    parts = re.split(r"^## (.+)$", prose, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def table_rows(text, header):
    """The rows (lists of cells) of the Markdown table whose first cell is ``header``."""
    rows, inside = [], False
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] == header:
            inside = True
        elif inside and line.startswith("|"):
            if not set(cells[0]) <= {"-", ":"}:
                rows.append(cells)
        elif inside:
            break
    return rows


# --- docs/formats.md ----------------------------------------------------------


def formats_table(markdown):
    """``(format, filter)`` of each row of the guide's table of formats, in order."""
    return [
        (BACKTICKED.fullmatch(fmt).group(1), filter_name.strip("`"))
        for fmt, filter_name, _reader in table_rows(markdown, "Format")
    ]


def format_sections(markdown):
    """``{format: text}`` for each section whose heading is a format's name alone."""
    return {heading: text for heading, text in sections(markdown).items() if re.fullmatch(r"[a-z_]+", heading)}


def documented_defaults(section):
    """``{option: default cell}`` of a format's section: its options table, or the sentence that names them.

    A section says ``No options.``, ``Option: `comment` ...``, ``Options: `a`, `b` and `comment` ...``
    or has a table ``| Option | Default | Meaning |``; options of a sentence are listed without a default.
    """
    found = {BACKTICKED.fullmatch(name).group(1): default for name, default, _meaning in table_rows(section, "Option")}
    for sentence in re.findall(r"\bOptions?: (.*?)[.(]", section, flags=re.DOTALL):
        found.update(dict.fromkeys(BACKTICKED.findall(sentence)))
    return found


def default_in_words(value):
    """How docs/formats.md writes default ``value`` in its options tables."""
    if value is None:
        return {"none", "not written"}
    if value == " ":
        return {"one space"}
    if isinstance(value, bool):
        return {"`%s`" % str(value).lower()}
    return {"`%s`" % value}


def format_differences(markdown):
    """What docs/formats.md says about the formats and their options that the code does not define."""
    found = []
    table = formats_table(markdown)
    if [fmt for fmt, _filter in table] != list(FORMATS):
        found.append(("table of formats", [fmt for fmt, _filter in table], list(FORMATS)))
    found.extend(
        ("filter of %s" % fmt, filter_name, "peerage.peerage.to_" + fmt)
        for fmt, filter_name in table
        if filter_name != "peerage.peerage.to_" + fmt
    )
    by_format = format_sections(markdown)
    if list(by_format) != list(FORMATS):
        found.append(("sections", list(by_format), list(FORMATS)))
    for fmt in FORMATS:
        if fmt not in by_format:
            continue
        documented = documented_defaults(by_format[fmt])
        options = format_options(fmt)
        if set(documented) != set(options) and not (not options and "No options." in by_format[fmt]):
            found.append(("options of %s" % fmt, sorted(documented), sorted(options)))
        for name, cell in documented.items():
            if cell is not None and name in options and cell not in default_in_words(options[name]):
                found.append(("default of %s option %s" % (fmt, name), cell, options[name]))
    listed = re.search(r"use one of: ([a-z_, ]+)`", markdown)
    if listed is None or listed.group(1).split(", ") != list(FORMATS):
        found.append(("formats the error names", listed and listed.group(1), ", ".join(FORMATS)))
    return found


def test_formats_md_lists_every_format_its_filter_and_its_options():
    assert format_differences(read("docs/formats.md")) == []


def test_the_formats_check_sees_a_format_missing_from_the_guide():
    markdown = read("docs/formats.md")
    csv_row = "| `csv` | `peerage.peerage.to_csv` | `--join`, `retry_join` and other comma-separated options |\n"
    without_csv = markdown.replace(csv_row, "")
    assert without_csv != markdown
    assert [what for what, _documented, _code in format_differences(without_csv)] == ["table of formats"]


def test_the_formats_check_sees_a_wrong_option_or_default():
    markdown = read("docs/formats.md")
    renamed = markdown.replace("| `topology` | `peerage` |", "| `topology_name` | `peerage` |")
    other_default = markdown.replace("| `timeout` | `5000` |", "| `timeout` | `3000` |")
    rabbitmq_option = "Option: `comment` (behind `#`). **No peers:** the header"
    sentence = markdown.replace(rabbitmq_option, "No options. **No peers:** the header")
    assert renamed != markdown and other_default != markdown and sentence != markdown
    assert [what for what, _documented, _code in format_differences(renamed)] == ["options of libcluster"]
    assert format_differences(other_default) == [("default of libcluster option timeout", "`3000`", 5000)]
    assert [what for what, _documented, _code in format_differences(sentence)] == ["options of rabbitmq"]


# --- the filters' docs ----------------------------------------------------------


def filter_options(name):
    """``{option: default}`` of filter ``name``'s documentation, its input left out."""
    options = yaml.safe_load((FILTERS / ("%s.yml" % name)).read_text())["DOCUMENTATION"]["options"]
    return {option: spec.get("default") for option, spec in options.items() if not option.startswith("_")}


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_filter_documents_the_formats_options_and_defaults(fmt):
    assert filter_options("to_" + fmt) == format_options(fmt)


def test_render_peers_documents_every_format_and_every_option():
    documented = filter_options("render_peers")
    options = yaml.safe_load((FILTERS / "render_peers.yml").read_text())["DOCUMENTATION"]["options"]
    assert options["format"]["choices"] == list(FORMATS)
    every_option = {}
    for fmt in FORMATS:
        every_option.update(format_options(fmt))
    assert set(documented) - {"format"} == set(every_option)


# --- the role -----------------------------------------------------------------


def role_md_formats(markdown):
    """The formats docs/role.md names for an entry of ``peerage_files``."""
    listed = re.search(r"^`format` is one of the renderers of .*?: (.*?); `options`", markdown, re.M | re.DOTALL)
    return BACKTICKED.findall(listed.group(1)) if listed else []


def test_role_md_names_every_format_the_role_takes():
    assert role_md_formats(read("docs/role.md")) == list(FORMATS)


def test_the_role_md_check_sees_a_missing_format():
    markdown = read("docs/role.md")
    assert role_md_formats(markdown.replace("`rabbitmq`,", "")) == [fmt for fmt in FORMATS if fmt != "rabbitmq"]


def test_the_role_spec_names_every_format_the_role_takes():
    description = " ".join(ROLE_VARIABLES["peerage_files"]["options"]["format"]["description"])
    assert re.findall(r"V\(([a-z_]+)\)", description) == list(FORMATS)


def test_role_md_mentions_every_role_variable():
    markdown = read("docs/role.md")
    assert [name for name in ROLE_VARIABLES if not re.search(r"\b%s\b" % name, markdown)] == []


def unknown_variables(text):
    """The ``peerage_*`` names of ``text`` that are no role variable, role output or lookup variable."""
    names = set(re.findall(r"\bpeerage_[a-z0-9_]+\b", text))
    # A lookup reads option X from the variable peerage_X; options may themselves start with peerage_.
    known = set(ROLE_VARIABLES) | ROLE_OUTPUTS | OPTION_NAMES | {"peerage_" + name for name in OPTION_NAMES}
    return sorted(names - known)


@pytest.mark.parametrize("guide", GUIDES, ids=[str(path.relative_to(ROOT)) for path in GUIDES])
def test_guides_name_only_variables_that_exist(guide):
    assert unknown_variables(guide.read_text()) == []


def test_the_variable_check_sees_a_misspelt_variable():
    assert unknown_variables("set `peerage_min_peer: 2` and `peerage_min_peers: 2`") == ["peerage_min_peer"]


# --- README.md ----------------------------------------------------------------


def test_readme_options_table_names_only_options_that_exist():
    rows = table_rows(read("README.md"), "option")
    named = {name for first, *_rest in rows for name in BACKTICKED.findall(first)}
    assert rows
    assert sorted(named - OPTION_NAMES) == []
