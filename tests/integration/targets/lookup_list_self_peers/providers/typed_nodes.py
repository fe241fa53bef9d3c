# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A provider written as ordinary Python: a dataclass under postponed annotations."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    name: str
    host: str


def poll(options):
    nodes = [Node(options["app_name"], "10.0.0.31"), Node(options["app_name"], "10.0.0.30")]
    return ["%s@%s" % (node.name, node.host) for node in nodes]
