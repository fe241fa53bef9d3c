# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""How a play moves its hosts: does a task finish on every host before the next starts, in one batch?

UDP discovery on the hosts starts every host's beacon in one task and probes
in the next, so it relies on the linear strategy (and the strategies built
on it, such as ``debug``) finishing the first task on all hosts before any
starts the second. Under ``free``, ``host_pinned`` or any other strategy a
fast host probes before a slow host's beacon runs. With ``serial``, the
hosts of an earlier batch have finished the play, their play beacons
stopped, before a later batch probes.

Runs on the controller only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ansible.plugins.loader import strategy_loader
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy
from ansible.utils.helpers import pct_to_int


def moves_together(strategy: str) -> bool:
    """Whether ``strategy`` finishes each task on every host before the next: linear, or a strategy built on it."""
    # ansible-core's own strategies by their short names: the same classes a play loads.
    for prefix in ("ansible.builtin.", "ansible.legacy."):
        if strategy.startswith(prefix):
            strategy = strategy[len(prefix):]
    loaded = strategy_loader.get(strategy, class_only=True)
    return loaded is not None and issubclass(loaded, LinearStrategy)


def in_batches(serial: Sequence[Any] | None, host_count: int) -> bool:
    """Whether ``serial`` splits ``host_count`` hosts into more than one batch (Ansible's own arithmetic)."""
    if not serial or host_count == 0:
        return False
    first = pct_to_int(serial[0], host_count)
    return 0 < first < host_count
