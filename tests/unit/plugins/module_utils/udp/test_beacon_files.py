# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The beacon's files and user: planted links, unsafe state folders, and a beacon started by root.

Real files, real folders owned by other users (the tests run as root) and
real beacon processes on loopback.
"""

from __future__ import annotations

import os
import pwd
import stat
import time

import pytest

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import beacon_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.control import BeaconControl
from ansible_collections.peerage.peerage.tests.unit.plugins.beacon_lab import (
    APP,
    free_port,
    loopback_options,
    probe_loopback,
    process_ids,
    wait_for,
)

SECRET = "s3cret-Sw0rdfish"
PRECIOUS = "a file the beacon must never touch\n"


@pytest.fixture
def nobody():
    assert os.geteuid() == 0, "these tests run as root, as scripts/test runs them"
    return pwd.getpwnam("nobody")


def plant_victim(folder, mode=0o644):
    """A file of someone else's that a planted link points at."""
    victim = os.path.join(folder, "victim")
    with open(victim, "w") as handle:
        handle.write(PRECIOUS)
    os.chmod(victim, mode)
    return victim


def assert_untouched(victim, mode=0o644):
    with open(victim) as handle:
        assert handle.read() == PRECIOUS
    assert stat.S_IMODE(os.stat(victim).st_mode) == mode


def started_config(control, options, **extra):
    return control.config(beacon_settings(dict(options, **extra)), time.time() + 600)


# ------------------------------------------------------------- planted links


def test_a_link_planted_at_the_log_name_is_replaced_never_followed(loopback, beacon_base):
    options, control = loopback
    victim = plant_victim(beacon_base)
    os.mkdir(control.state_dir, 0o755)
    os.symlink(victim, control.log_path)
    pid = control.start(started_config(control, options))
    assert_untouched(victim)
    assert not os.path.islink(control.log_path)
    assert stat.S_IMODE(os.lstat(control.log_path).st_mode) == 0o600
    assert wait_for(lambda: "serving myapp@127.0.0.1" in open(control.log_path).read())
    assert control.running_pid() == pid


def test_a_link_planted_at_a_temporary_name_is_never_followed(beacon_base):
    """The config holds the secret: a link at the name it is written under must not receive it."""
    state = os.path.join(beacon_base, "state")
    os.mkdir(state, 0o755)
    control = BeaconControl(state, APP, free_port())
    victim = plant_victim(beacon_base)
    # The names a writer that numbered its temporary files by pid would use.
    for path in (control.config_path, control.service_config_path, control.launcher):
        os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
        os.symlink(victim, "%s.%d.tmp" % (path, os.getpid()))
    options = loopback_options(free_port())
    control.install_service(beacon_settings(dict(options, secret=SECRET)))
    control.renew(started_config(control, options, secret=SECRET))
    assert_untouched(victim)
    for path in (control.config_path, control.service_config_path):
        info = os.lstat(path)
        assert stat.S_ISREG(info.st_mode)
        assert stat.S_IMODE(info.st_mode) == 0o600
        with open(path) as handle:
            assert SECRET in handle.read()


# ------------------------------------------------------ unsafe state folders


@pytest.mark.parametrize(
    ("owner", "mode", "found"),
    [
        ("nobody", 0o755, r"owned by nobody \(uid 65534\) with mode 0755"),
        ("root", 0o775, r"owned by root \(uid 0\) with mode 0775"),
        ("root", 0o757, r"owned by root \(uid 0\) with mode 0757"),
        ("root", 0o1777, r"owned by root \(uid 0\) with mode 1777"),
    ],
    ids=["another-users", "group-writable", "world-writable", "sticky-like-tmp"],
)
def test_a_state_dir_another_user_owns_or_may_write_is_refused(beacon_base, nobody, owner, mode, found):
    state = os.path.join(beacon_base, "state")
    os.mkdir(state)
    uid = nobody.pw_uid if owner == "nobody" else 0
    os.chown(state, uid, uid and nobody.pw_gid)
    os.chmod(state, mode)
    victim = plant_victim(beacon_base)
    port = free_port()
    control = BeaconControl(state, APP, port)
    # Another user's link, planted where the log would go.
    os.symlink(victim, control.log_path)
    os.lchown(control.log_path, nobody.pw_uid, nobody.pw_gid)
    message = (
        r"^state_dir %s is not safe to use: it is %s; allowed: a folder owned by root \(uid 0\) that no other user"
        r" may write \(no group or other write bit, e\.g\. 0755\)$" % (state, found)
    )
    options = loopback_options(port)
    with pytest.raises(PeerageError, match=message):
        control.start(started_config(control, options))
    with pytest.raises(PeerageError, match=message):
        control.install_service(beacon_settings(options))
    assert_untouched(victim)
    assert os.listdir(state) == [os.path.basename(control.log_path)]
    assert control.running_pid() is None


def test_a_folder_above_the_state_dir_that_others_may_write_is_refused(beacon_base):
    shared = os.path.join(beacon_base, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    state = os.path.join(shared, "state")
    os.mkdir(state, 0o755)
    control = BeaconControl(state, APP, free_port())
    message = (
        r"^state_dir %s is not safe to use: the folder %s above it is owned by root \(uid 0\) with mode 0777;"
        r" allowed: folders above it owned by root that no other user may write, unless they are sticky like /tmp$"
        % (state, shared)
    )
    with pytest.raises(PeerageError, match=message):
        control.install_service(beacon_settings(loopback_options(free_port())))
    # Sticky, as /tmp is: others may not rename or remove what they do not own.
    os.chmod(shared, 0o1777)
    assert control.install_service(beacon_settings(loopback_options(free_port())))


def test_files_and_folders_get_their_modes_whatever_the_umask(beacon_base):
    state = os.path.join(beacon_base, "new", "state")
    control = BeaconControl(state, APP, free_port())
    previous = os.umask(0o077)
    try:
        control.install_service(beacon_settings(dict(loopback_options(free_port()), secret=SECRET)))
    finally:
        os.umask(previous)
    # The beacon's user must reach the program: every folder 0755, the launcher 0755, the rest 0644.
    for folder, folders, files in os.walk(os.path.join(beacon_base, "new")):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755, folder
        for name in files:
            path = os.path.join(folder, name)
            expected = {"peerage-beacon.py": 0o755, os.path.basename(control.service_config_path): 0o600}
            assert stat.S_IMODE(os.stat(path).st_mode) == expected.get(name, 0o644), path
        assert not [name for name in folders + files if name.endswith(".tmp")]


# ------------------------------------------------------ the beacon's user


def test_a_beacon_started_by_root_runs_as_nobody_with_no_other_group(loopback, nobody):
    options, control = loopback
    pid = control.start(started_config(control, options, secret=SECRET))
    ids = process_ids(pid)
    assert ids["Uid"] == [nobody.pw_uid] * 4  # real, effective, saved, filesystem
    assert ids["Gid"] == [nobody.pw_gid] * 4
    assert ids["Groups"] == []
    assert probe_loopback(options, secret=SECRET).peers == ["myapp@127.0.0.1"]
    # It reads its config (the secret) as its own user; nobody else may. Its log and pid stay root's.
    config = os.stat(control.config_path)
    assert (config.st_uid, config.st_gid, stat.S_IMODE(config.st_mode)) == (nobody.pw_uid, nobody.pw_gid, 0o600)
    for path in (control.log_path, control.pid_path):
        assert os.stat(path).st_uid == 0
    # Renewed, the config stays its user's, and the beacon reads it.
    control.renew(dict(started_config(control, options, secret=SECRET), expires_at=time.time() + 900))
    assert os.stat(control.config_path).st_uid == nobody.pw_uid
    assert wait_for(lambda: "lifetime renewed" in open(control.log_path).read())


def test_a_beacon_runs_as_the_user_named(beacon_base):
    daemon = pwd.getpwnam("daemon")
    port = free_port()
    options = loopback_options(port)
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, port, user="daemon")
    try:
        config = control.config(beacon_settings(options), time.time() + 600, transient=True)
        assert config["user"] == "daemon"
        pid = control.start(config)
        assert process_ids(pid)["Uid"] == [daemon.pw_uid] * 4
        assert process_ids(pid)["Gid"] == [daemon.pw_gid] * 4
        assert os.stat(control.config_path).st_uid == daemon.pw_uid
    finally:
        control.stop()


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("root", r"^invalid user 'root': it has uid 0, and the beacon, which reads packets from the network, never"
                 r" runs as root; expected an unprivileged user \(default nobody\)$"),
        ("no-such-user-x", r"^invalid user 'no-such-user-x': expected the name of a user of this host"
                           r" \(default nobody\)$"),
    ],
)
def test_a_root_or_unknown_user_is_refused_naming_it(beacon_base, user, message):
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, free_port(), user=user)
    with pytest.raises(OptionError, match=message):
        control.start(started_config(control, loopback_options(free_port())))
    assert control.running_pid() is None


def test_a_state_dir_the_beacons_user_cannot_reach_fails_naming_the_file(beacon_base, nobody):
    private = os.path.join(beacon_base, "private")
    os.mkdir(private, 0o700)
    port = free_port()
    control = BeaconControl(os.path.join(private, "state"), APP, port)
    message = (
        r"^the beacon did not start: error: the beacon runs as user nobody \(uid %d\), which cannot read %s: that"
        r" user must be able to read it and search every folder above it" % (nobody.pw_uid, control.launcher)
    )
    with pytest.raises(DiscoveryFailed, match=message):
        control.start(started_config(control, loopback_options(port)))
    assert control.running_pid() is None
    assert not os.path.exists(control.config_path)


def test_an_interpreter_the_beacons_user_cannot_run_fails_naming_it(beacon_base, nobody):
    private = os.path.join(beacon_base, "private")
    os.mkdir(private, 0o700)
    python = os.path.join(private, "python3")
    os.symlink("/usr/bin/python3", python)
    port = free_port()
    control = BeaconControl(os.path.join(beacon_base, "state"), APP, port)
    message = r"user nobody \(uid %d\), which cannot run %s:" % (nobody.pw_uid, python)
    with pytest.raises(DiscoveryFailed, match=message):
        control.start(started_config(control, loopback_options(port)), python=python)
    assert control.running_pid() is None
