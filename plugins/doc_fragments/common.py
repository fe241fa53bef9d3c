# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.peerage.peerage.plugins.plugin_utils.option_sources import plugin_config


class ModuleDocFragment:
    # Options every provider shares.
    DOCUMENTATION = r"""
options:
  app_name:
    description:
      - The name before C(@) in every node name the provider builds, as in C(myapp@10.0.0.5).
      - Peerage's default, C(nonode), is kept.
    type: str
    default: nonode
  allow_empty:
    description:
      - What to do when the provider answers but names no peers (for DNS, NXDOMAIN or no records).
      - When V(false), discovery fails with a message saying what was asked, where, and what came back.
      - When V(true), the result is an empty list.
      - A failed discovery (a timeout, a server failure) always fails, whatever this says.
    type: bool
    default: false
  log_results:
    description:
      - Show what was found and by which provider at C(-v), and the detail of every query at C(-vvv).
      - Peerage's O(log_results) option.
    type: bool
    default: true
notes:
  - Node names are validated (C(name@host), the name letters, digits, C(_) and C(-) as Erlang allows,
    the host an IPv4 address, an IPv6 address or a hostname, at most 255 characters, no whitespace,
    control characters or quotes), deduplicated, and sorted by the name before C(@), then IPv4 hosts
    in numeric order, then IPv6 hosts in numeric order, then hostnames alphabetically.
    The same peers always give the same list.
  - Hostnames are kept as written, since node names are compared exactly (C(app@Web1) is not C(app@web1));
    IP addresses get one canonical text (IPv4-mapped IPv6 as C(::ffff:10.0.0.1)).
"""


# For lookups, every option above may also come from ansible.cfg, the environment or a variable.
# Set after the class so sanity's yamllint, which reads only literal strings in the class, skips it.
ModuleDocFragment.PLUGIN_CONFIG = plugin_config(ModuleDocFragment.DOCUMENTATION)
