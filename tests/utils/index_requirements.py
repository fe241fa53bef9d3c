# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make ansible-test's own requirements installable from the package index.

ansible-test installs the tools of each sanity test from the requirement
files of its package (``ansible_test/_data/requirements/*.txt``). A release
may pin one of them to a source archive on a code host (``NAME @ URL``),
which this network cannot reach. Run with the Python of a venv that has
ansible-test and the file of replacements (``tests/matrix/ansible-test-requirements.txt``),
this writes the replacement for NAME in place of each such line and keeps
the line it replaced in a comment after it, so that a later run (with other
replacements) starts again from ansible-test's own text. It fails, naming the
file and the line, when a URL requirement has no replacement.
"""

from __future__ import annotations

import pathlib
import re
import sys

import ansible_test

MARK = "  # in place of: "
URL_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*@\s*\S+")


def read_replacements(path: pathlib.Path) -> dict[str, str]:
    """Requirement lines of ``path`` by normalized name."""
    replacements = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]
            replacements[normalize(name)] = line
    return replacements


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def rewrite(text: str, replacements: dict[str, str], where: str) -> tuple[str, list[str]]:
    """``text`` with each URL requirement replaced; also the problems found."""
    lines, missing = [], []
    for line in text.splitlines():
        original = line.split(MARK, 1)[1] if MARK in line else line
        match = URL_REQUIREMENT.match(original)
        if not match:
            lines.append(original)
        elif normalize(match.group(1)) in replacements:
            lines.append(replacements[normalize(match.group(1))] + MARK + original)
        else:
            lines.append(original)
            missing.append("%s: %s" % (where, original))
    return "".join(line + "\n" for line in lines), missing


def main() -> int:
    replacements = read_replacements(pathlib.Path(sys.argv[1]))
    folder = pathlib.Path(ansible_test.__file__).parent / "_data" / "requirements"
    problems = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text()
        new_text, missing = rewrite(text, replacements, str(path))
        problems.extend(missing)
        if new_text != text:
            path.write_text(new_text)
            if MARK in new_text:
                print("%s: %s installs from the package index" % (sys.argv[1], path.name))
    for problem in problems:
        print(
            "ansible-test's requirement needs a host this network may not reach, and %s names no release to use"
            " instead: %s" % (sys.argv[1], problem),
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
