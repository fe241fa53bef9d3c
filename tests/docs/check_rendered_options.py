# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Render a plugin's page of the docs site in headless Chromium and check
that it shows the plugin's options table.

Usage: check_rendered_options.py PAGE SCREENSHOT --plugin-type TYPE --plugin FQCN

Chromium loads PAGE from disk (no network: the site needs none) twice: once
to save SCREENSHOT (a PNG for people to look at), once to print the DOM as
the browser built it. The check passes when that DOM's option tables
(antsibull-docs' tables of terms, parameters and return values) hold one
row per top-level option that ansible-doc reports for the plugin, terms
included, and the screenshot is a PNG of the window's size that is not
blank.
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

WINDOW = (1280, 2400)
OPTION_TABLE_CLASS = "ansible-option-table"
OPTION_ANCHOR_PREFIX = "parameter-"
# Flags for a browser that runs as root in a build, talks to no one and keeps
# no state: sandboxing needs user namespaces a root build may not have.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=%d,%d" % WINDOW,
)


class OptionTableParser(HTMLParser):
    """Count the option tables and collect the option anchors in their rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.depth = 0  # open <table> elements inside an option table
        self.options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif OPTION_TABLE_CLASS in (values.get("class") or "").split():
                self.tables += 1
                self.depth = 1
        element_id = values.get("id") or ""
        if self.depth and element_id.startswith(OPTION_ANCHOR_PREFIX):
            self.options.append(element_id[len(OPTION_ANCHOR_PREFIX):])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1


def run_chromium(chromium: str, page: Path, *flags: str) -> str:
    with tempfile.TemporaryDirectory(prefix="peerage-chromium-") as profile:
        result = subprocess.run(
            [chromium, *CHROMIUM_FLAGS, "--user-data-dir=%s" % profile, *flags, page.resolve().as_uri()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            timeout=120,
            check=False,
        )
    if result.returncode:
        raise SystemExit("chromium failed (%d):\n%s" % (result.returncode, result.stderr))
    return result.stdout


def expected_options(plugin_type: str, plugin: str) -> list[str]:
    output = subprocess.run(
        ["ansible-doc", "--json", "-t", plugin_type, plugin],
        stdout=subprocess.PIPE,
        universal_newlines=True,
        check=True,
    ).stdout
    return sorted(json.loads(output)[plugin]["doc"]["options"])


def png_problems(path: Path) -> list[str]:
    """Say what is wrong with the screenshot: not a PNG, wrong size, blank."""
    data = path.read_bytes() if path.is_file() else b""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return ["%s is not a PNG file" % path]
    width, height = struct.unpack(">II", data[16:24])
    problems = []
    if (width, height) != WINDOW:
        problems.append("the screenshot is %dx%d, not the window's %dx%d" % (width, height, WINDOW[0], WINDOW[1]))
    pixels = bytearray()
    offset = 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            pixels += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    # A blank page filters to rows of nearly one byte value; a page with
    # text, a table and colours to many.
    if len(set(zlib.decompress(bytes(pixels)))) < 32:
        problems.append("the screenshot looks blank")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("screenshot", type=Path)
    parser.add_argument("--plugin-type", required=True)
    parser.add_argument("--plugin", required=True)
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium is not installed (Debian package chromium, see tests/apt-packages.txt)", file=sys.stderr)
        return 1
    if not args.page.is_file():
        print("no page %s" % args.page, file=sys.stderr)
        return 1

    args.screenshot.parent.mkdir(parents=True, exist_ok=True)
    args.screenshot.unlink(missing_ok=True)
    run_chromium(chromium, args.page, "--screenshot=%s" % args.screenshot.resolve())
    table = OptionTableParser()
    table.feed(run_chromium(chromium, args.page, "--dump-dom"))

    expected = expected_options(args.plugin_type, args.plugin)
    problems = png_problems(args.screenshot)
    if not table.tables:
        problems.append("no options table rendered")
    rendered = sorted(option for option in table.options if "/" not in option)
    if rendered != expected:
        problems.append(
            "options rendered in option tables: %s; options of %s: %s"
            % (", ".join(rendered) or "none", args.plugin, ", ".join(expected))
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print("%s: the options table shows all %d options of %s; screenshot %s" % (
            args.page.name, len(expected), args.plugin, args.screenshot))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
