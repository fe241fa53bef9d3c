# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``list`` provider: node names given in the call or configuration (Peerage.Via.List)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import validate_node_name


def split_node_list(value):
    """Accept a list, or one string of names separated by commas or whitespace.

    Environment variables and ``ansible.cfg`` can only hold strings, so
    ``PEERAGE_NODE_LIST="a@h1,a@h2"`` must mean two names.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise OptionError("node_list must be a list of node names, not %s: %r" % (type(value).__name__, value))


def poll(options, report=None):
    """Return every name of ``node_list``, each validated."""
    names = [validate_node_name(name) for name in split_node_list(options.get("node_list"))]
    if report:
        report("list: %d name(s) given" % len(names), 3)
    return names
