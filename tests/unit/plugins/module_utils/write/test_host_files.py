# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One host's peer files written in one go: shrink guard first, atomic writes, records, marker, secret diffs."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils import safe_files
from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.write import state
from ansible_collections.peerage.peerage.plugins.module_utils.write.host_files import (
    ShrinkRefused,
    write_host_files,
)


def nodes(*numbers):
    return ["app@10.0.0.%d" % number for number in numbers]


def entry(dest, names, **extra):
    text = "".join("%s\n" % name for name in names)
    return dict({"dest": str(dest), "content": text, "names": names}, **extra)


@pytest.fixture
def host(tmp_path):
    class Host:
        state_dir = str(tmp_path / "state")
        conf = tmp_path / "peers.txt"
        lines = tmp_path / "lines.txt"

        def write(self, *names, **options):
            files = [entry(self.conf, list(names)), entry(self.lines, list(names))]
            return write_host_files(files, self.state_dir, **options)

        def marker(self, service="app"):
            return state.read_marker(self.state_dir, service)

    return Host()


def test_a_first_deploy_writes_every_file_and_a_start_marker(host):
    result = host.write(*nodes(1, 2, 3), service="app")
    assert result["changed"] and result["pending"] == "start"
    assert host.conf.read_text() == "app@10.0.0.1\napp@10.0.0.2\napp@10.0.0.3\n"
    assert [item["new"] for item in result["files"]] == [True, True]
    assert result["added"] == nodes(1, 2, 3) and result["removed"] == []
    assert host.marker() == "start"
    assert stat.S_IMODE(os.stat(state.marker_path(host.state_dir, "app")).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(host.state_dir).st_mode) == 0o700
    assert not result["updated_not_restarted"]


def test_a_second_run_changes_nothing_and_keeps_the_marker(host):
    host.write(*nodes(1, 2, 3), service="app")
    before = os.stat(str(host.conf))
    result = host.write(*nodes(1, 2, 3), service="app")
    assert not result["changed"] and result["pending"] == "start"
    assert os.stat(str(host.conf)).st_ino == before.st_ino


@pytest.mark.parametrize(
    ("restart", "marker"), [("new_hosts", None), ("never", None), ("rolling", "restart"), ("all", "restart")]
)
def test_a_member_whose_file_changed_is_marked_per_restart_mode(host, restart, marker):
    host.write(*nodes(1, 2, 3))
    result = host.write(*nodes(1, 2, 3, 4), service="app", restart=restart)
    assert result["changed"] and host.marker() == marker
    assert result["pending"] == (marker or "none")
    assert result["updated_not_restarted"] is (marker is None)
    assert result["added"] == nodes(4)
    assert result["files"][0] == {
        "dest": str(host.conf),
        "changed": True,
        "new": False,
        "added": nodes(4),
        "removed": [],
    }


def test_a_new_host_is_not_started_under_never(host):
    result = host.write(*nodes(1), service="app", restart="never")
    assert result["pending"] == "none" and host.marker() is None


def test_check_mode_writes_no_file_record_or_marker(host):
    result = host.write(*nodes(1, 2), service="app", check_mode=True)
    assert result["changed"] and result["pending"] == "start"
    assert not host.conf.exists() and not os.path.exists(host.state_dir)


def test_the_shrink_guard_refuses_before_any_file_is_touched(host):
    host.write(*nodes(1, 2, 3, 4, 5))
    host.lines.write_text("app@10.0.0.1\n")  # one file already changed by hand: the record decides
    before = host.conf.read_bytes()
    with pytest.raises(ShrinkRefused) as refused:
        host.write(*nodes(1, 2), service="app")
    message = str(refused.value)
    assert "%s would lose 3 of its 5 peers (app@10.0.0.3, app@10.0.0.4, app@10.0.0.5)" % host.conf in message
    assert "set peerage_allow_shrink=true or raise peerage_max_removed; no file was changed." in message
    assert host.conf.read_bytes() == before and host.marker() is None
    assert host.write(*nodes(1, 2), allow_shrink=True)["removed"] == nodes(3, 4, 5)


def test_a_file_without_a_record_is_judged_by_the_names_in_its_text(host, tmp_path):
    host.conf.write_text("['app@10.0.0.1', 'app@10.0.0.2', 'app@10.0.0.3']\n")
    with pytest.raises(ShrinkRefused, match="would lose 2 of its 3 peers"):
        write_host_files([entry(host.conf, nodes(1))], host.state_dir)
    # A text that names no node: nothing known, nothing limited.
    host.conf.write_text("10.0.0.1\n10.0.0.2\n")
    result = write_host_files([entry(host.conf, nodes(1))], host.state_dir)
    assert result["changed"] and result["files"][0]["added"] == [] and result["files"][0]["removed"] == []


def test_a_secret_file_is_written_with_its_final_mode_from_the_start(host, monkeypatch):
    modes = []
    real_write = safe_files.write_file

    def spy(path, data, mode, owner=None, replace=True, check=None):
        def look(scratch):
            if path == str(conf):
                modes.append(stat.S_IMODE(os.stat(scratch).st_mode))
            if check:
                check(scratch)

        return real_write(path, data, mode, owner, replace, look)

    conf = host.conf
    monkeypatch.setattr(safe_files, "write_file", spy)
    host.conf.write_text("RELEASE_NODE=app@10.0.0.1\n")
    os.chmod(str(host.conf), 0o644)
    release = entry(host.conf, nodes(1), content='RELEASE_COOKIE="NEW"\n', sensitive=True, guarded=False)
    write_host_files([release], host.state_dir)
    assert modes == [0o600]
    assert stat.S_IMODE(os.stat(str(host.conf)).st_mode) == 0o600


def test_a_file_that_is_or_was_secret_shows_only_its_names_in_a_diff(host):
    cookie = entry(host.conf, ["app@10.0.0.1"], content='RELEASE_COOKIE="OLDSECRET"\n', sensitive=True, guarded=False)
    write_host_files([cookie], host.state_dir)
    # The cookie left the entry: the file is no longer secret, but it was.
    plain = entry(host.conf, ["other@10.0.0.1"], content="RELEASE_NODE=other@10.0.0.1\n", guarded=False)
    for check_mode in (True, False):
        result = write_host_files([plain], host.state_dir, diff_mode=True, check_mode=check_mode)
        (diff,) = result["diff"]
        assert "OLDSECRET" not in repr(diff)
        assert diff["prepared"] == (
            "%s: a secret file, its content is not shown\n"
            "node names added: other@10.0.0.1\nnode names removed: app@10.0.0.1\n" % host.conf
        )


def test_a_file_with_mode_0600_on_the_host_is_never_shown(host):
    host.conf.write_text("app@10.0.0.1\n")
    os.chmod(str(host.conf), 0o600)
    result = write_host_files([entry(host.conf, nodes(1, 2), mode="0644")], host.state_dir, diff_mode=True)
    assert "prepared" in result["diff"][0] and "app@10.0.0.1\n" not in repr(result["diff"])
    assert stat.S_IMODE(os.stat(str(host.conf)).st_mode) == 0o644


def test_a_plain_file_shows_its_text(host):
    result = write_host_files([entry(host.conf, nodes(1))], host.state_dir, diff_mode=True)
    assert result["diff"] == [
        {"before_header": str(host.conf), "after_header": str(host.conf), "before": "", "after": "app@10.0.0.1\n"}
    ]


def test_validate_refusing_a_file_leaves_it_as_it_was(host):
    host.conf.write_text("old\n")

    def validate(command, path):
        assert command == "check %s" and os.path.exists(path)
        raise PeerageError("refused")

    with pytest.raises(PeerageError, match="refused"):
        write_host_files([entry(host.conf, nodes(1), validate="check %s")], host.state_dir, validate=validate)
    assert host.conf.read_text() == "old\n"
    assert [name for name in os.listdir(str(host.conf.parent)) if name.endswith(".tmp")] == []


def test_backup_copies_the_previous_file(host, tmp_path):
    host.conf.write_text("old\n")
    copies = []

    def backup(path):
        copies.append(open(path).read())
        return path + ".bak"

    result = write_host_files([entry(host.conf, nodes(1), backup=True)], host.state_dir, backup=backup)
    assert copies == ["old\n"] and result["files"][0]["backup_file"] == str(host.conf) + ".bak"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mode": "rw-r--r--"}, r"invalid mode 'rw-r--r--': expected an octal mode"),
        ({"owner": "no-such-user-here"}, r"no such owner or group on this host \(owner 'no-such-user-here'"),
        ({"dest": "relative/path"}, r"'relative/path': dest must be an absolute path"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_value(host, change, message):
    with pytest.raises(OptionError, match=message):
        write_host_files([dict(entry(host.conf, nodes(1)), **change)], host.state_dir)
    assert not host.conf.exists()


def test_a_restart_mode_or_state_dir_that_is_not_allowed_is_refused(host):
    with pytest.raises(OptionError, match="invalid peerage_restart 'sometimes': expected one of new_hosts, rolling"):
        host.write(*nodes(1), restart="sometimes")
    with pytest.raises(OptionError, match="invalid peerage_state_dir 'state': expected an absolute path"):
        write_host_files([], "state")
