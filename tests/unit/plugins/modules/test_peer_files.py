# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The peer_files module, run in-process on files under a temporary folder."""

from __future__ import annotations

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from ansible_collections.peerage.peerage.plugins.modules import peer_files


def run_module(capsys, args):
    with patch_module_args(args), pytest.raises(SystemExit):
        peer_files.main()
    return json.loads(capsys.readouterr().out)


def args_for(tmp_path, names, **extra):
    files = [{"dest": str(tmp_path / "peers.txt"), "content": "\n".join(names) + "\n", "names": names}]
    return dict({"files": files, "peers": names, "state_dir": str(tmp_path / "state")}, **extra)


def test_writes_the_files_and_reports_the_contract_keys(capsys, tmp_path):
    result = run_module(capsys, args_for(tmp_path, ["app@10.0.0.1"], service="app"))
    assert not result.get("failed")
    assert (result["changed"], result["pending"], result["added"], result["removed"]) == (
        True,
        "start",
        ["app@10.0.0.1"],
        [],
    )
    assert result["files"] == [
        {"dest": str(tmp_path / "peers.txt"), "changed": True, "new": True, "added": ["app@10.0.0.1"], "removed": []}
    ]
    assert result["updated_not_restarted"] is False
    assert (tmp_path / "state" / "app.pending").read_text() == "start\n"


def test_the_shrink_guard_fails_the_task_naming_the_peers(capsys, tmp_path):
    run_module(capsys, args_for(tmp_path, ["app@10.0.0.1", "app@10.0.0.2", "app@10.0.0.3"]))
    result = run_module(capsys, args_for(tmp_path, ["app@10.0.0.1"]))
    assert result["failed"] and result["reason"] == "failed"
    assert "would lose 2 of its 3 peers (app@10.0.0.2, app@10.0.0.3)" in result["msg"]
    assert (tmp_path / "peers.txt").read_text() == "app@10.0.0.1\napp@10.0.0.2\napp@10.0.0.3\n"


def test_validate_runs_the_command_on_the_new_file(capsys, tmp_path):
    (tmp_path / "peers.txt").write_text("old\n")
    files = [{"dest": str(tmp_path / "peers.txt"), "content": "new\n", "validate": "grep -q old %s"}]
    result = run_module(capsys, args_for(tmp_path, ["app@10.0.0.1"], files=files))
    assert result["failed"] and "validate refused the new file (grep -q old %s, exit 1)" in result["msg"]
    assert (tmp_path / "peers.txt").read_text() == "old\n"


def test_no_result_key_has_a_meaning_ansible_gives_it():
    reserved = {"unreachable", "failed", "changed", "skipped", "ansible_facts", "invocation"}
    documented = set(yaml.safe_load(peer_files.RETURN))
    assert documented == {"peers", "pending", "files", "added", "removed", "updated_not_restarted"}
    assert not documented & reserved
