# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which strategies move hosts together, and when serial makes batches: what UDP discovery on the hosts relies on."""

from __future__ import annotations

import pytest

from ansible_collections.peerage.peerage.plugins.plugin_utils.play_shape import in_batches, moves_together


@pytest.mark.parametrize("strategy, together", [
    ("linear", True),
    ("ansible.builtin.linear", True),
    # debug is linear with a debugger: it still finishes each task on every host first.
    ("debug", True),
    ("free", False),
    ("host_pinned", False),
    ("ansible.builtin.free", False),
])
def test_moves_together(strategy, together):
    assert moves_together(strategy) is together


@pytest.mark.parametrize("serial, hosts, batched", [
    ([], 3, False),
    ([2], 3, True),
    (["2"], 3, True),
    ([3], 3, False),
    ([5], 3, False),
    (["100%"], 3, False),
    (["50%"], 4, True),
    # Ansible's own rule: a value below 1 means every host in one batch.
    ([0], 3, False),
    ([1, "100%"], 3, True),
    ([2], 0, False),
])
def test_in_batches(serial, hosts, batched):
    assert in_batches(serial, hosts) is batched
