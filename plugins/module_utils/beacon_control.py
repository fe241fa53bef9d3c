# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


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
import select
import signal
import sys
import time

from ansible_collections.peerage.peerage.plugins.module_utils import (
    beacon_program,
    errors,
    node_names,
    option_values,
    provider_options,
    udp_beacon,
    udp_options,
    udp_transport,
    udp_wire,
)
from ansible_collections.peerage.peerage.plugins.module_utils.beacon_program import read_config
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import validate_app_name
from ansible_collections.peerage.peerage.plugins.module_utils.udp_beacon import settings_to_options

READY_TIMEOUT = 10.0
# How long a beacon that said ready must keep running before its pid is recorded.
READY_GRACE = 0.2
# Descriptors above this are closed in the detached child (os.closerange is cheap on Linux).
MAX_INHERITED_FD = 65536
STOP_TIMEOUT = 5.0

PACKAGE = "ansible_collections.peerage.peerage.plugins.module_utils"
LAUNCHER = "peerage-beacon.py"
LAUNCHER_SOURCE = '''#!/usr/bin/env python3
# The peerage.peerage UDP beacon, installed by the peerage.peerage.beacon module.
# Usage: python3 peerage-beacon.py --config FILE  (see --help)
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from %s.beacon_program import main  # noqa: E402

sys.exit(main())
''' % PACKAGE


def program_files():
    """``{relative path: text}`` of the program: the launcher and the module_utils it imports."""
    files = {LAUNCHER: LAUNCHER_SOURCE}
    parts = PACKAGE.split(".")
    for depth in range(1, len(parts) + 1):
        files[os.path.join("lib", *([*parts[:depth], "__init__.py"]))] = ""
    # Every module_utils file the beacon imports, directly or not; a unit test checks the program runs.
    for module in (
        beacon_program, errors, node_names, option_values, provider_options, udp_beacon, udp_options, udp_transport,
        udp_wire,
    ):
        name = module.__name__.rsplit(".", 1)[-1] + ".py"
        files[os.path.join("lib", *([*parts, name]))] = inspect.getsource(module)
    return files


def program_digest(files):
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + files[path].encode("utf-8") + b"\0")
    return digest.hexdigest()


def _write_if_changed(path, text, mode):
    """Write ``text`` atomically unless the file already holds it; return True if written."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if handle.read() == data and (os.stat(path).st_mode & 0o777) == mode:
                return False
    except OSError:
        pass
    temporary = "%s.%d.tmp" % (path, os.getpid())
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return True


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


def spawn_detached(argv, stdout_fd, stderr_fd):
    """Run ``argv`` in a new session, detached from this process; return its pid.

    A new session: no terminal, and no SIGHUP when the connection that ran
    the module closes. Done with fork and exec (the module API's
    run_command waits for its command to end); the child's stdin is
    /dev/null, its working directory /, and it inherits no other descriptor.
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
        os.execv(argv[0], argv)
    except OSError as exc:
        os.write(2, ("cannot run %s: %s\n" % (argv[0], exc)).encode("utf-8", "replace"))
    os._exit(127)


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
    transient beacon, ``<key>.pid`` and ``<key>.log`` belong to its process,
    ``<key>.service.json`` configures a beacon run by a service manager, and
    ``program/`` holds the program both run.
    """

    def __init__(self, state_dir, app_name, port):
        self.state_dir = os.path.abspath(os.path.expanduser(state_dir))
        # The key names files: a valid app name cannot climb out of state_dir.
        self.key = "%s-%d" % (validate_app_name(app_name), int(port))
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

    def config(self, settings, expires_at=None):
        """The config file's content for ``settings``."""
        return {
            "options": settings_to_options(settings),
            "program": program_digest(program_files()),
            "expires_at": expires_at,
        }

    def read_config(self, path=None):
        try:
            return read_config(path or self.config_path)
        except (OSError, ValueError, OptionError):
            return None

    def install(self):
        """Write the program; return True if any file changed."""
        changed = False
        for relative, text in sorted(program_files().items()):
            path = os.path.join(self.program_dir, relative)
            directory = os.path.dirname(path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o755)
                changed = True
            changed = _write_if_changed(path, text, 0o755 if relative == LAUNCHER else 0o644) or changed
        return changed

    def install_service(self, settings):
        """Write the program and the service's config (no time limit); return True if anything changed."""
        self._ensure_state_dir()
        changed = self.install()
        return _write_if_changed(self.service_config_path, _config_text(self.config(settings)), 0o600) or changed

    def running_pid(self):
        """The pid of this key's transient beacon, or None if it is not running."""
        try:
            with open(self.pid_path) as handle:
                pid = int(handle.read().strip())
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

    def _ensure_state_dir(self):
        if not os.path.isdir(self.state_dir):
            os.makedirs(self.state_dir, 0o755)

    def renew(self, config):
        """Give the running beacon a new expiry time; it reads the file within a second."""
        _write_if_changed(self.config_path, _config_text(config), 0o600)

    def start(self, config, python=None, ready_timeout=READY_TIMEOUT):
        """Start a detached beacon; return its pid once it is ready, or raise :class:`DiscoveryFailed`."""
        self._ensure_state_dir()
        self.install()
        _write_if_changed(self.config_path, _config_text(config), 0o600)
        log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        ready_fd, child_stdout = os.pipe()
        try:
            pid = spawn_detached(self.command(self.config_path, python), child_stdout, log_fd)
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
            _write_if_changed(self.pid_path, "%d\n" % pid, 0o644)
            return pid
        _kill_and_reap(pid)
        self._remove(self.config_path)
        if answer.startswith("ready "):
            answer = "it exited right after it started; see %s" % self.log_path
        why = answer or "no answer within %gs; see %s" % (ready_timeout, self.log_path)
        raise DiscoveryFailed("the beacon did not start: %s" % why, reason="beacon")

    @staticmethod
    def _remove(path):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

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
        self._remove(self.pid_path)
        self._remove(self.config_path)
        return pid is not None
