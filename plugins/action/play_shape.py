# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The action behind peerage.peerage.play_shape: reads the running play, runs nothing on the host."""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.peerage.peerage.plugins.plugin_utils.play_shape import in_batches, moves_together


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        play = self._task.get_play()
        play_hosts = list(task_vars.get("ansible_play_hosts_all", []))
        serial = list(play.serial or [])
        result.update(
            changed=False,
            strategy=play.strategy,
            linear=moves_together(play.strategy),
            serial=serial,
            batches=in_batches(serial, len(play_hosts)),
            batch=list(task_vars.get("ansible_play_batch", [])),
            play_hosts=play_hosts,
        )
        return result
