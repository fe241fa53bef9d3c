# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files in folders no other user can redirect: the checks and writes the beacon and the run cache share."""

from __future__ import annotations

import os
import pwd
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils import safe_files
from ansible_collections.peerage.peerage.plugins.module_utils.safe_files import UnsafePath


def victim_in(folder):
    path = os.path.join(str(folder), "victim")
    with open(path, "w") as handle:
        handle.write("precious\n")
    os.chmod(path, 0o644)
    return path


def test_a_private_folder_may_not_be_readable_by_others(tmp_path):
    folder = tmp_path / "private"
    folder.mkdir(mode=0o700)
    assert stat.S_ISDIR(safe_files.check_folder(str(folder), private=True).st_mode)
    folder.chmod(0o750)
    with pytest.raises(UnsafePath, match=r"with mode 0750; allowed: .* no other user may read or write \(mode 0700\)$"):
        safe_files.check_folder(str(folder), private=True)
    assert safe_files.check_folder(str(folder))  # not private: others may read


def test_a_link_in_place_of_a_folder_is_refused(tmp_path):
    (tmp_path / "real").mkdir(mode=0o755)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(UnsafePath, match=r"link is not safe to use: it is a symbolic link;"):
        safe_files.check_folder(str(tmp_path / "link"))
    with pytest.raises(UnsafePath, match=r"the folder %s above it is a symbolic link" % (tmp_path / "link")):
        safe_files.check_ancestors(str(tmp_path / "link" / "state"))


def test_a_folder_above_owned_by_another_user_is_refused(tmp_path):
    nobody = pwd.getpwnam("nobody")
    above = tmp_path / "theirs"
    above.mkdir(mode=0o755)
    os.chown(above, nobody.pw_uid, nobody.pw_gid)
    with pytest.raises(UnsafePath, match=r"the folder %s above it is owned by nobody \(uid 65534\)" % above):
        safe_files.check_ancestors(str(above / "state"))


def test_make_folder_makes_every_missing_folder_with_its_mode(tmp_path):
    path = str(tmp_path / "a" / "b" / "c")
    previous = os.umask(0o077)
    try:
        assert safe_files.make_folder(path, 0o755)
        assert not safe_files.make_folder(path, 0o755)
    finally:
        os.umask(previous)
    for folder in ("a", "a/b", "a/b/c"):
        assert stat.S_IMODE(os.stat(str(tmp_path / folder)).st_mode) == 0o755
    os.chmod(path, 0o700)
    assert not safe_files.make_folder(path, 0o755)  # an existing folder keeps its mode...
    assert safe_files.make_folder(path, 0o755, exact_mode=True)  # ...unless told
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755


def test_reading_through_a_link_is_refused(tmp_path):
    victim = victim_in(tmp_path)
    link = str(tmp_path / "link")
    os.symlink(victim, link)
    with pytest.raises(OSError):
        safe_files.read_bytes(link)
    assert safe_files.read_bytes(str(tmp_path / "missing")) is None
    assert safe_files.read_bytes(victim) == b"precious\n"


def test_write_file_replaces_a_link_and_never_writes_through_it(tmp_path):
    victim = victim_in(tmp_path)
    path = str(tmp_path / "config.json")
    os.symlink(victim, path)
    safe_files.write_file(path, b"secret", 0o600)
    with open(victim) as handle:
        assert handle.read() == "precious\n"
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert safe_files.read_bytes(path) == b"secret"
    assert sorted(os.listdir(str(tmp_path))) == ["config.json", "victim"]


def test_write_file_gives_owner_and_mode_from_the_start(tmp_path):
    nobody = pwd.getpwnam("nobody")
    path = str(tmp_path / "config.json")
    safe_files.write_file(path, b"secret", 0o600, owner=(nobody.pw_uid, nobody.pw_gid))
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (nobody.pw_uid, nobody.pw_gid, 0o600)


def test_write_file_without_replace_keeps_the_first(tmp_path):
    path = str(tmp_path / "key")
    safe_files.write_file(path, b"first", 0o600, replace=False)
    with pytest.raises(FileExistsError):
        safe_files.write_file(path, b"second", 0o600, replace=False)
    assert safe_files.read_bytes(path) == b"first"
    assert os.listdir(str(tmp_path)) == ["key"]


def test_write_if_changed_compares_content_mode_and_owner(tmp_path):
    nobody = pwd.getpwnam("nobody")
    path = str(tmp_path / "file")
    assert safe_files.write_if_changed(path, b"a", 0o644)
    assert not safe_files.write_if_changed(path, b"a", 0o644)
    assert safe_files.write_if_changed(path, b"a", 0o600)
    assert safe_files.write_if_changed(path, b"a", 0o600, owner=(nobody.pw_uid, nobody.pw_gid))
    assert not safe_files.write_if_changed(path, b"a", 0o600, owner=(nobody.pw_uid, nobody.pw_gid))
    assert safe_files.write_if_changed(path, b"b", 0o600, owner=(nobody.pw_uid, nobody.pw_gid))


def test_create_new_removes_a_planted_link_not_its_target(tmp_path):
    victim = victim_in(tmp_path)
    path = str(tmp_path / "beacon.log")
    os.symlink(victim, path)
    descriptor = safe_files.create_new(path, 0o600)
    try:
        os.write(descriptor, b"log line\n")
    finally:
        os.close(descriptor)
    with open(victim) as handle:
        assert handle.read() == "precious\n"
    assert not os.path.islink(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@given(mode=st.integers(0, 0o7777))
def test_check_folder_allows_exactly_the_modes_no_other_user_may_write(tmp_path_factory, mode):
    folder = tmp_path_factory.mktemp("mode")
    os.chmod(str(folder), mode)
    writable_by_others = bool(mode & 0o022)
    try:
        safe_files.check_folder(str(folder))
    except UnsafePath as exc:
        assert writable_by_others, exc
        assert "with mode %04o;" % mode in str(exc)
    else:
        assert not writable_by_others
