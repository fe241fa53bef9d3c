# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rollout stop marks: the first stop wins, each rollout on its own (one per role call, over all serial
batches), in a private folder of the run."""

from __future__ import annotations

import os
import stat

from ansible.playbook.block import Block
from ansible.playbook.loop_control import LoopControl
from ansible.playbook.role_include import IncludeRole
from ansible.playbook.task import Task
from ansible.playbook.task_include import TaskInclude

from ansible_collections.peerage.peerage.plugins.plugin_utils.rollout import FOLDER_NAME, Rollouts, rollout_of


def test_the_first_stop_wins_and_rollouts_are_separate(tmp_path):
    rollouts = Rollouts(str(tmp_path))
    assert rollouts.stopped_at("call-1|app") is None
    assert rollouts.stop("call-1|app", "h2") == "h2"
    assert rollouts.stop("call-1|app", "h4") == "h2"
    assert rollouts.stopped_at("call-1|app") == "h2"
    assert rollouts.stopped_at("call-2|app") is None


def test_the_marks_live_in_a_private_folder_of_the_run(tmp_path, monkeypatch):
    from ansible import constants as C

    run_folder = tmp_path / "ansible-local-1"
    run_folder.mkdir()
    monkeypatch.setattr(C, "DEFAULT_LOCAL_TMP", str(run_folder), raising=False)
    rollouts = Rollouts.for_this_run()
    assert rollouts.folder == os.path.join(str(run_folder), FOLDER_NAME)
    assert stat.S_IMODE(os.stat(rollouts.folder).st_mode) == 0o700
    rollouts.stop("x", "h1")
    assert Rollouts.for_this_run().stopped_at("x") == "h1"


def loaded(cls: type, uuid: str, path: str, parent: object = None, loop: list[str] | None = None) -> Task:
    """A task as Ansible loads it: its id, its place in a file, and the block it sits in."""
    task = cls()
    task._uuid = uuid
    task._parent = Block()
    task._parent._parent = parent
    task.loop = loop
    task.loop_control = LoopControl()
    task.get_path = lambda: path  # type: ignore[method-assign]
    return task


def restart_task(outermost: TaskInclude, batch: str, vars_: dict[str, str] | None = None) -> tuple[Task, dict]:
    """The restart task of one serial batch: the role's include and restart.yml loaded again, with new ids."""
    include = loaded(TaskInclude, "include-" + batch, "roles/peerage/tasks/main.yml:80", outermost)
    return loaded(Task, "restart-" + batch, "roles/peerage/tasks/restart.yml:4", include), vars_ or {}


def test_the_batches_of_a_serial_play_share_their_rollout():
    # A roles: entry's include sits in the play; each batch loads restart.yml again.
    role_include = loaded(TaskInclude, "roles-entry-1", "roles/peerage/tasks/main.yml:80")
    first = loaded(Task, "restart-1", "roles/peerage/tasks/restart.yml:4", role_include)
    second = loaded(Task, "restart-2", "roles/peerage/tasks/restart.yml:4", role_include)
    assert rollout_of(first, {}) == rollout_of(second, {})
    # Another roles: entry of the same role rolls out on its own.
    other_include = loaded(TaskInclude, "roles-entry-2", "roles/peerage/tasks/main.yml:80")
    other = loaded(Task, "restart-3", "roles/peerage/tasks/restart.yml:4", other_include)
    assert rollout_of(other, {}) != rollout_of(first, {})


def test_include_role_loop_items_roll_out_on_their_own_over_all_batches():
    include_role = loaded(IncludeRole, "include-role", "site.yml:7", loop=["app", "two"])
    app_batch1 = rollout_of(*restart_task(include_role, "1", {"item": "app"}))
    app_batch2 = rollout_of(*restart_task(include_role, "2", {"item": "app"}))
    two_batch1 = rollout_of(*restart_task(include_role, "3", {"item": "two"}))
    assert app_batch1 == app_batch2
    assert two_batch1 != app_batch1
    # Another include_role task is another role call.
    other = loaded(IncludeRole, "include-role-2", "site.yml:12", loop=["app", "two"])
    assert rollout_of(*restart_task(other, "4", {"item": "app"})) != app_batch1
