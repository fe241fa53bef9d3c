# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Leave the role's internal filters out of the site's plugin indexes; scripts/docs runs it.

A filter whose description begins with ``Internal to the peerage role`` is
called by the role's tasks only. antsibull-docs lists every plugin; this
removes those filters from the collection's index page and the filter index,
so the site presents only what playbooks may use. Their own pages stay (they
are ``:orphan:``), so ``ansible-doc`` and links to them keep working, and
they say at the top that they are internal.

Usage: leave_out_internal_plugins.py COLLECTION_ROOT RST_DIR
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

MARK = "Internal to the peerage role"


def internal_filters(collection: Path) -> list[str]:
    """The names of the filters whose documentation says they are internal to the role."""
    names = []
    for path in sorted((collection / "plugins" / "filter").glob("*.yml")):
        description = yaml.safe_load(path.read_text())["DOCUMENTATION"]["description"]
        first = description[0] if isinstance(description, list) else description
        if first.startswith(MARK):
            names.append(path.stem)
    return names


def without_entries(text: str, names: list[str]) -> str:
    """``text`` (an index page) without the list items and toctree entries of filters ``names``."""
    lines = []
    for line in text.splitlines(keepends=True):
        listed = re.match(r"\* :ansplugin:`(?:(\w+) filter <)?peerage\.peerage\.(\w+)#filter", line)
        in_toctree = re.fullmatch(r"\s+(\w+)_filter\n?", line)
        name = (listed and listed.group(2)) or (in_toctree and in_toctree.group(1))
        if name not in names:
            lines.append(line)
    return "".join(lines)


def main(collection: str, rst: str) -> int:
    names = internal_filters(Path(collection))
    collections = Path(rst, "collections")
    indexes = [collections / "index_filter.rst", collections / "peerage" / "peerage" / "index.rst"]
    for index in indexes:
        text = index.read_text()
        kept = without_entries(text, names)
        for name in names:
            if "peerage.peerage.%s#filter" % name not in text:
                sys.exit("%s does not list the filter %s: antsibull-docs' index changed" % (index, name))
            if "peerage.peerage.%s#filter" % name in kept:
                sys.exit("%s still lists the filter %s" % (index, name))
        index.write_text(kept)
    print("left out of the plugin indexes, as internal to the role: %s" % ", ".join(names))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
