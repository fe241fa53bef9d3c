# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's records on a host: previous node names per file, pending-restart markers."""

from __future__ import annotations

import os

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.write import state


def test_node_names_are_found_in_the_text_of_any_format():
    erlang = "[{kernel, [{sync_nodes_optional, ['app@10.0.0.2', 'app@10.0.0.10']}]}].\n"
    assert state.names_in_text(erlang) == ["app@10.0.0.2", "app@10.0.0.10"]
    assert state.names_in_text('["app@fd00::1","app@web1.example.com"]') == ["app@fd00::1", "app@web1.example.com"]
    assert state.names_in_text("RELEASE_NODE=app@10.0.0.1\n") == ["app@10.0.0.1"]
    # A file that names hosts only (hosts_erlang, a members list): nothing known.
    assert state.names_in_text("'10.0.0.1'.\n'10.0.0.2'.\n") == []


def test_a_record_is_read_back_only_for_its_own_file(tmp_path):
    folder = tmp_path / "state" / state.RECORD_FOLDER
    folder.mkdir(parents=True)
    path = state.record_path(str(tmp_path / "state"), "/etc/app/sys.config")
    with open(path, "wb") as handle:
        handle.write(state.record_bytes("/etc/app/sys.config", ["app@10.0.0.1"], True))
    assert state.read_record(str(tmp_path / "state"), "/etc/app/sys.config") == {
        "dest": "/etc/app/sys.config",
        "names": ["app@10.0.0.1"],
        "secret": True,
    }
    assert state.read_record(str(tmp_path / "state"), "/etc/app/other") is None
    with open(path, "wb") as handle:
        handle.write(b"not json")
    assert state.read_record(str(tmp_path / "state"), "/etc/app/sys.config") is None


@pytest.mark.parametrize("service", ["../etc/passwd", "a/b", ".hidden", ""[:0] + "."])
def test_a_service_name_that_leaves_the_state_folder_is_refused(service):
    with pytest.raises(OptionError, match=r"invalid peerage_service .*may not contain '/' or start with '.'"):
        state.check_service_name(service)


def test_start_wins_over_restart_which_wins_over_none(tmp_path):
    assert state.stronger(None, None) is None
    assert state.stronger("restart", None) == "restart"
    assert state.stronger("restart", "start") == "start"
    assert state.stronger("start", "restart") == "start"
    assert state.read_marker(str(tmp_path), "app") is None
    with open(os.path.join(str(tmp_path), "app.pending"), "w") as handle:
        handle.write("start\n")
    assert state.read_marker(str(tmp_path), "app") == "start"
