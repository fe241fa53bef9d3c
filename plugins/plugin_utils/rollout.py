# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Where a rolling restart stopped: one mark per rollout, shared by the worker processes of one run.

Ansible does not stop a ``throttle: 1`` task at its first failed host: it
goes on to the next one (``any_errors_fatal`` is checked only after the task
ran on every host). So the restart action keeps the stop itself: the first
host that fails writes a mark naming itself, and every later host of the
same rollout reads it before restarting anything and is left pending.

A rollout is one restart task of one role call, whatever per-host service
name: two role calls in one play, the items of an ``include_role`` loop, or
the next play each roll out on their own, and the batches of a ``serial``
play share theirs, so a host that did not come back in one batch leaves the
later batches pending (see ``rollout_of``). Marks live in a private folder ``peerage-rollouts`` inside
Ansible's local temporary folder of this run (as the run cache's answers
do), so the next run starts with none.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Mapping

from ansible_collections.peerage.peerage.plugins.module_utils.safe_files import read_bytes, write_file
from ansible_collections.peerage.peerage.plugins.plugin_utils.run_cache import open_folder

FOLDER_NAME = "peerage-rollouts"


def rollout_of(task: Any, task_vars: Mapping[str, Any]) -> str:
    """The id of the rollout that ``task`` (the restart task of a role call) belongs to.

    Ansible loads an included file's tasks again, with new task ids, for every
    ``serial`` batch and every loop item, so the restart task's own id would
    start a new rollout in each batch. The outermost task above it sits in the
    play itself (a ``roles:`` entry's include, an ``include_role`` task) and
    keeps its id over the batches; below it, each included task is named by
    its place in its file, and each looping include by its item.
    """
    # Imported here: ansible-core's playbook objects are loaded by then in every Ansible process.
    from ansible.playbook.task import Task

    tasks = []
    node = task
    while node is not None:
        if isinstance(node, Task):
            tasks.append(node)
        node = getattr(node, "_parent", None)
    outermost = tasks[-1]
    parts: list[Any] = [str(outermost._uuid)]
    for included in reversed(tasks[:-1]):
        parts.append(included.get_path())
    for include in reversed(tasks[1:]):
        if include.loop is not None or include.loop_with:
            loop_var = include.loop_control.loop_var if include.loop_control else "item"
            parts.append(task_vars.get(loop_var))
    return json.dumps(parts, sort_keys=True, default=str)


class Rollouts:
    """The stop marks of one run, in ``folder``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    @classmethod
    def for_this_run(cls) -> Rollouts:
        # Imported here: ansible-core's constants are loaded by then in every Ansible process.
        from ansible import constants as C

        run_folder = getattr(C, "DEFAULT_LOCAL_TMP", None)
        if not run_folder or not os.path.isdir(run_folder):
            raise OSError("Ansible's local temporary folder %r does not exist" % (run_folder,))
        return cls(open_folder(run_folder, FOLDER_NAME, "the run's rollout folder"))

    def _path(self, rollout: str) -> str:
        # A file name from any id: the id's digest.
        return os.path.join(self.folder, hashlib.sha256(rollout.encode("utf-8")).hexdigest() + ".stopped")

    def stopped_at(self, rollout: str) -> str | None:
        """The host at which ``rollout`` stopped, or None while it goes on."""
        data = read_bytes(self._path(rollout))
        return None if data is None else data.decode("utf-8")

    def stop(self, rollout: str, host: str) -> str:
        """Stop ``rollout`` at ``host``; return the host it stopped at (an earlier stop wins)."""
        try:
            # Linked into place, never replaced: the first host that failed stays named.
            write_file(self._path(rollout), host.encode("utf-8"), 0o600, replace=False)
        except FileExistsError:
            pass
        return self.stopped_at(rollout) or host
