# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check that every link between the pages of a built HTML site resolves.

Usage: check_site_links.py SITE_DIR

Every relative href and src of every page must name a file of the site, and
a #fragment must name an id (or an anchor's name) on the page it points at.
Links with a scheme (https:, mailto:) leave the site and are not followed.
Prints each broken link and exits 1 when there is one.
"""

from __future__ import annotations

import posixpath
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src"}


class PageParser(HTMLParser):
    """Collect a page's anchors (id and name) and its outgoing links."""

    def __init__(self) -> None:
        super().__init__()
        self.anchors: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for anchor_attribute in ("id", "name") if tag == "a" else ("id",):
            if values.get(anchor_attribute):
                self.anchors.add(str(values[anchor_attribute]))
        link = values.get(LINK_ATTRIBUTES.get(tag, ""))
        if link:
            self.links.append(link)


def parse(page: Path) -> PageParser:
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    pages = {page.relative_to(site).as_posix(): parse(page) for page in sorted(site.rglob("*.html"))}
    broken = []
    for name, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                continue
            target = name
            if parts.path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path)))
            if not (site / target).is_file():
                broken.append("%s: %s (no file %s)" % (name, link, target))
                continue
            fragment = unquote(parts.fragment)
            if fragment and target in pages and fragment not in pages[target].anchors:
                broken.append("%s: %s (no anchor #%s in %s)" % (name, link, fragment, target))
    return broken


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    site = Path(sys.argv[1])
    pages = list(site.rglob("*.html"))
    if not pages:
        print("no HTML pages in %s" % site, file=sys.stderr)
        return 1
    broken = broken_links(site)
    for link in broken:
        print("broken link: %s" % link, file=sys.stderr)
    print("%d pages, %d broken links" % (len(pages), len(broken)))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
