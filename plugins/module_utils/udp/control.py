# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Installing and controlling the beacon program on a host.

:class:`BeaconControl` installs the program (these module_utils files,
copied as source into a ``program`` directory, since the module's own
temporary files are removed when the module ends) and starts, renews and
stops a detached beacon process, keyed by app name and port.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import inspect
import json
import os
import pwd
import select
import signal
import sys
import time

from ansible_collections.peerage.peerage.plugins.module_utils import (
    errors,
    node_names,
    option_values,
    provider_options,
)
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import validate_app_name
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import default_of
from ansible_collections.peerage.peerage.plugins.module_utils.safe_files import (
    check_ancestors,
    check_folder,
    create_new,
    make_folder,
    read_bytes,
    remove,
    write_file,
    write_if_changed,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp import beacon, options, program, transport, wire
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import settings_to_options
from ansible_collections.peerage.peerage.plugins.module_utils.udp.program import read_config

READY_TIMEOUT = 10.0
# How long a beacon that said ready must keep running before its pid is recorded.
READY_GRACE = 0.2
# Descriptors above this are closed in the detached child (os.closerange is cheap on Linux).
MAX_INHERITED_FD = 65536
STOP_TIMEOUT = 5.0
# Who a transient beacon started by root runs as, unless told otherwise.
DEFAULT_USER = str(default_of("user", "beacon_module"))

PACKAGE = "ansible_collections.peerage.peerage.plugins.module_utils"
LAUNCHER = "peerage-beacon.py"
# Every module_utils file the beacon imports, directly or not; a unit test checks the program runs from them alone.
PROGRAM_MODULES = (errors, node_names, option_values, provider_options, wire, options, transport, beacon, program)
LAUNCHER_SOURCE = '''#!/usr/bin/env python3
# The peerage.peerage UDP beacon, installed by the peerage.peerage.beacon module.
# Usage: python3 peerage-beacon.py --config FILE  (see --help)
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from %s.udp.program import main  # noqa: E402

sys.exit(main())
''' % PACKAGE


def program_files():
    """``{relative path: text}`` of the program: the launcher and the module_utils it imports."""
    files = {LAUNCHER: LAUNCHER_SOURCE}
    for module in PROGRAM_MODULES:
        parts = module.__name__.split(".")
        # An empty __init__.py for every package above the file (the subpackages' own are empty too).
        for depth in range(1, len(parts)):
            files[os.path.join("lib", *parts[:depth], "__init__.py")] = ""
        files[os.path.join("lib", *parts[:-1], parts[-1] + ".py")] = inspect.getsource(module)
    return files


def program_digest(files):
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + files[path].encode("utf-8") + b"\0")
    return digest.hexdigest()


def _config_text(config):
    return json.dumps(config, indent=2, sort_keys=True) + "\n"


def _process_alive(pid):
    try:
        # Our own child (a beacon started by this process) must be reaped to stop counting as alive.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def beacon_account(user=DEFAULT_USER):
    """The account (a ``pwd`` entry) a transient beacon runs as: ``user`` when this process is root, else None.

    A beacon started by root never runs as root: it parses packets from the
    network. Not root, this process cannot change user, and the beacon runs
    as the module's user.
    """
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam(user)
    except (KeyError, TypeError):
        raise OptionError(
            "invalid user %r: expected the name of a user of this host (default %s)" % (user, DEFAULT_USER)
        )
    if account.pw_uid == 0:
        raise OptionError(
            "invalid user %r: it has uid 0, and the beacon, which reads packets from the network, never runs as"
            " root; expected an unprivileged user (default %s)" % (user, DEFAULT_USER)
        )
    return account


def _become(account):
    """Drop to ``account``: its primary group, no supplementary groups; the environment it gets."""
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("still root after switching to user %s" % account.pw_name)
    return dict(os.environ, HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)


def _unreachable(account, needs):
    """Why ``account`` cannot use the files it ``needs`` (``(path, os.X_OK or os.R_OK)``), or None.

    Called after the switch, so ``os.access`` answers for that user exactly.
    """
    for path, mode in needs:
        if not os.access(path, mode):
            verb = "run" if mode == os.X_OK else "read"
            return (
                "the beacon runs as user %s (uid %d), which cannot %s %s: that user must be able to %s it and search"
                " every folder above it (choose a state_dir and a Python interpreter it can reach, or name another"
                " user)" % (account.pw_name, account.pw_uid, verb, path, verb)
            )
    return None


def spawn_detached(argv, stdout_fd, stderr_fd, account=None, needs=()):
    """Run ``argv`` in a new session, detached from this process, as ``account`` if given; return its pid.

    A new session: no terminal, and no SIGHUP when the connection that ran
    the module closes. Done with fork and exec (the module API's
    run_command waits for its command to end); the child's stdin is
    /dev/null, its working directory /, and it inherits no other descriptor.
    With ``account``, the child drops to that user before it runs anything,
    and first checks that the user can use the files it ``needs``. What
    stops it is written as ``error: <why>`` to its stdout, where the starter
    waits for the program's first line, and to its stderr (the log).
    """
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: only exec or exit from here
        os.setsid()
        os.chdir("/")
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        os.closerange(3, MAX_INHERITED_FD)
        environment = os.environ
        if account is not None:
            environment = _become(account)
            problem = _unreachable(account, needs)
            if problem:
                _tell("error: %s\n" % problem)
                os._exit(126)
        os.execve(argv[0], argv, environment)
    except OSError as exc:
        _tell("error: cannot run %s: %s\n" % (argv[0], exc))
    os._exit(127)


def _tell(line):
    """Write ``line`` to the child's stdout (the starter) and stderr (the log), whatever happened to either."""
    data = line.encode("utf-8", "replace")
    for descriptor in (1, 2):
        try:
            os.write(descriptor, data)
        except OSError:
            pass


def _read_line(descriptor, timeout):
    """The first line written to ``descriptor`` within ``timeout`` seconds, stripped ('' if none)."""
    line = b""
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n") and time.monotonic() < deadline:
        ready, _w, _x = select.select([descriptor], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            break
        chunk = os.read(descriptor, 4096)
        if not chunk:
            break
        line += chunk
    return line.decode("utf-8", "replace").strip()


def _read_to_end(descriptor, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _w, _x = select.select([descriptor], [], [], max(deadline - time.monotonic(), 0))
        if not ready or not os.read(descriptor, 4096):
            return


def _stays_alive(pid, seconds):
    """True if ``pid`` still runs after ``seconds`` (a process that has just ended may not be reapable yet)."""
    deadline = time.monotonic() + seconds
    while _process_alive(pid):
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.02)
    return False


def _kill_and_reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


class BeaconControl:
    """The files and process of one beacon, keyed by app name and port, under ``state_dir``.

    ``<key>.json`` (mode 0600: it may hold the secret) configures the
    transient beacon and belongs to the user it runs as, who must read it;
    ``<key>.pid`` and ``<key>.log`` (written through a descriptor the
    beacon inherits) stay this user's. ``<key>.service.json`` configures a
    beacon run by a service manager, and ``program/`` holds the program
    both run. ``state_dir`` must be this user's and writable by no one
    else (:mod:`.safe_files`); it is made with mode 0755, so that the
    beacon's user can reach the program.
    """

    def __init__(self, state_dir, app_name, port, user=DEFAULT_USER):
        # Resolved: the folders checked are the folders used, whatever a link in the path points to later.
        self.state_dir = os.path.realpath(os.path.expanduser(state_dir))
        # The key names files: a valid app name cannot climb out of state_dir.
        self.key = "%s-%d" % (validate_app_name(app_name), int(port))
        self.user = user
        self._account = False  # not looked up yet
        self.config_path = self._path(self.key + ".json")
        self.service_config_path = self._path(self.key + ".service.json")
        self.pid_path = self._path(self.key + ".pid")
        self.log_path = self._path(self.key + ".log")
        self.program_dir = self._path("program")
        self.launcher = os.path.join(self.program_dir, LAUNCHER)

    def _path(self, name):
        return os.path.join(self.state_dir, name)

    def command(self, config_path, python=None):
        """The command line that runs the beacon with ``config_path``."""
        return [python or sys.executable, self.launcher, "--config", config_path]

    def account(self):
        """The account the transient beacon runs as (None: this process's own); see :func:`beacon_account`."""
        if self._account is False:
            self._account = beacon_account(self.user)
        return self._account

    def config(self, settings, expires_at=None, transient=False):
        """The config file's content for ``settings``; a transient beacon's names the user it runs as."""
        config = {
            "options": settings_to_options(settings),
            "program": program_digest(program_files()),
            "expires_at": expires_at,
        }
        account = self.account() if transient else None
        if account is not None:
            # Another user is another beacon: same_settings() then restarts it.
            config["user"] = account.pw_name
        return config

    def read_config(self, path=None):
        try:
            return read_config(path or self.config_path)
        except (OSError, ValueError, OptionError):
            return None

    def check_state_dir(self):
        """Refuse a ``state_dir`` (or a folder above it) that another user owns or may write."""
        check_ancestors(self.state_dir, "state_dir")
        if os.path.lexists(self.state_dir):
            check_folder(self.state_dir, "state_dir")

    def _ensure_state_dir(self):
        check_ancestors(self.state_dir, "state_dir")
        make_folder(self.state_dir, 0o755, "state_dir")

    def install(self):
        """Write the program (folders 0755, files 0644, whatever the umask); return True if any of it changed."""
        changed = False
        for relative, text in sorted(program_files().items()):
            path = os.path.join(self.program_dir, relative)
            folders = []
            folder = os.path.dirname(path)
            while folder != self.state_dir:
                folders.append(folder)
                folder = os.path.dirname(folder)
            for folder in reversed(folders):
                changed = make_folder(folder, 0o755, "the program folder", exact_mode=True) or changed
            mode = 0o755 if relative == LAUNCHER else 0o644
            changed = write_if_changed(path, text.encode("utf-8"), mode) or changed
        return changed

    def install_service(self, settings):
        """Write the program and the service's config (no time limit); return True if anything changed."""
        self._ensure_state_dir()
        changed = self.install()
        text = _config_text(self.config(settings)).encode("utf-8")
        return write_if_changed(self.service_config_path, text, 0o600) or changed

    def running_pid(self):
        """The pid of this key's transient beacon, or None if it is not running."""
        try:
            pid = int((read_bytes(self.pid_path) or b"").strip())
        except (OSError, ValueError):
            return None
        if pid <= 0 or not _process_alive(pid):
            return None
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                command = handle.read().split(b"\0")
        except OSError:
            return pid  # no /proc: trust the pid file
        # A recycled pid belongs to another program: it does not name our config file.
        return pid if self.config_path.encode() in command else None

    def same_settings(self, wanted):
        current = self.read_config()
        return current is not None and dict(current, expires_at=None) == dict(wanted, expires_at=None)

    def _write_config(self, config):
        """Write the transient config, readable by the beacon's user alone (0600, its owner)."""
        account = self.account()
        owner = None if account is None else (account.pw_uid, account.pw_gid)
        write_if_changed(self.config_path, _config_text(config).encode("utf-8"), 0o600, owner)

    def renew(self, config):
        """Give the running beacon a new expiry time; it reads the file within a second."""
        self._write_config(config)

    def start(self, config, python=None, ready_timeout=READY_TIMEOUT):
        """Start a detached beacon as :meth:`account`; return its pid once it is ready.

        Raises :class:`DiscoveryFailed` with the program's own words if it does not start.
        """
        self._ensure_state_dir()
        self.install()
        account = self.account()
        self._write_config(config)
        argv = self.command(self.config_path, python)
        # What the beacon's user must reach: its interpreter, the program and its config.
        needs = ((argv[0], os.X_OK), (self.launcher, os.R_OK), (self.config_path, os.R_OK))
        # A new file each time: whatever was at that name (a planted link) is removed, never followed.
        log_fd = create_new(self.log_path, 0o600)
        ready_fd, child_stdout = os.pipe()
        try:
            pid = spawn_detached(argv, child_stdout, log_fd, account, needs)
        finally:
            os.close(log_fd)
            os.close(child_stdout)
        try:
            answer = _read_line(ready_fd, ready_timeout)
            # The program closes its stdout right after "ready"; a program that dies closes it too.
            _read_to_end(ready_fd, ready_timeout)
        finally:
            os.close(ready_fd)
        # "ready" comes after the first announcement was built and sent; a pid is recorded only if it still runs.
        if answer.startswith("ready ") and _stays_alive(pid, READY_GRACE):
            write_file(self.pid_path, ("%d\n" % pid).encode("ascii"), 0o644)
            return pid
        _kill_and_reap(pid)
        remove(self.config_path)
        if answer.startswith("ready "):
            answer = "it exited right after it started; see %s" % self.log_path
        why = answer or "no answer within %gs; see %s" % (ready_timeout, self.log_path)
        raise DiscoveryFailed("the beacon did not start: %s" % why, reason="beacon")

    def stop(self, timeout=STOP_TIMEOUT):
        """Stop the transient beacon and remove its config; return True if it was running."""
        pid = self.running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _process_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        remove(self.pid_path)
        remove(self.config_path)
        return pid is not None
