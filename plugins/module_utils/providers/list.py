# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The ``list`` provider: node names given in the call or configuration (Peerage.Via.List)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.node_names import validate_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_list


def poll(options, report=None):
    """Return every name of ``node_list``, each validated."""
    names = [validate_node_name(name) for name in as_list(options.get("node_list"), "node_list")]
    if report:
        report("list: %d name(s) given" % len(names), 3)
    return names
