# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rollout stop marks: the first stop wins, each rollout on its own, in a private folder of the run."""

from __future__ import annotations

import os
import stat

from ansible_collections.peerage.peerage.plugins.plugin_utils.rollout import FOLDER_NAME, Rollouts


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
