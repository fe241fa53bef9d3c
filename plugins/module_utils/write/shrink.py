# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The shrink guard's rule: how many of a file's previous peers one run may remove.

A discovery answer that lost most of the cluster (a DNS flap, a half-filled
list) must not become every host's peer list. By default a run may remove
fewer than half of the previous peers, so a majority of the previous cluster
is still named after it; ``max_removed`` sets another limit and
``allow_shrink`` lifts it. A file with no previous peers (a first deploy)
is not limited.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.peerage.peerage.plugins.module_utils.node_names import node_sort_key


def removal_limit(previous_count, max_removed=None):
    """How many of ``previous_count`` peers one run may remove: ``max_removed``, or fewer than half."""
    if max_removed is not None:
        return max_removed
    return max(0, (previous_count - 1) // 2)


def removed_peers(previous, peers):
    """The node names of ``previous`` that ``peers`` no longer names, in node-name order."""
    return sorted(set(previous) - set(peers), key=node_sort_key)


def added_peers(previous, peers):
    """The node names of ``peers`` that ``previous`` did not name, in node-name order."""
    return sorted(set(peers) - set(previous), key=node_sort_key)


def refused_removals(previous, peers, max_removed=None, allow_shrink=False):
    """The peers a run may not remove: all those it would remove when they are too many, else ``[]``."""
    if allow_shrink or not previous:
        return []
    removed = removed_peers(previous, peers)
    if len(removed) > removal_limit(len(set(previous)), max_removed):
        return removed
    return []
