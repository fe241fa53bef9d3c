# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The UDP beacon: answers probes and announces this host's node name.

Three layers:

- :class:`Beacon` joins the group, replies to every probe of its cluster
  (unicast, to the prober's address and port, echoing the probe's nonce),
  and announces itself every ``interval`` seconds. A probe also brings the
  next announcement forward: a multicast answer
  needs no neighbour (ARP/ND) resolution, which under packet loss can hold
  a unicast reply back for seconds, and one announcement serves every
  prober at once. So a probed beacon announces at most twice a second,
  however many hosts probe.
- :func:`main` is the beacon *program* (``python3 peerage-beacon.py --config
  FILE`` or ``python3 -m ...module_utils.beacon``). It serves until its
  lifetime is over, its config file is removed, or SIGTERM; when the config
  file changes it renews its lifetime or, if the settings changed, restarts
  itself with them.
- :class:`BeaconControl` installs the program (these module_utils files,
  copied as source into a ``program`` directory, since the module's own
  temporary files are removed when the module ends) and starts, renews and
  stops a detached beacon process, keyed by app name and port.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import hashlib
import inspect
import json
import os
import select
import signal
import subprocess
import sys
import time

from ansible_collections.peerage.peerage.plugins.module_utils import (
    errors,
    node_names,
    option_values,
    udp_wire,
    via_udp,
)
from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import format_node_name, validate_app_name
from ansible_collections.peerage.peerage.plugins.module_utils.udp_wire import PacketFilter, encode, encode_peerage
from ansible_collections.peerage.peerage.plugins.module_utils.via_udp import (
    COMMON_DEFAULTS,
    GroupTransport,
    address_host,
    default_address,
    resolve_options,
)

BEACON_DEFAULTS = dict(COMMON_DEFAULTS, interval=5.0, lifetime=600, announce_peerage=False)

# A prober re-sends about twice a second; this leaves room for several
# probers behind one address while bounding what a flood of probes costs.
REPLIES_PER_SECOND = 20
# The shortest gap between two announcements that probes bring forward: a probe's default interval.
ANNOUNCE_GAP = 0.5
# How often the program looks at its config file and lifetime.
CHECK_EVERY = 1.0
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

PACKAGE = "ansible_collections.peerage.peerage.plugins.module_utils"
LAUNCHER = "peerage-beacon.py"
LAUNCHER_SOURCE = '''#!/usr/bin/env python3
# The peerage.peerage UDP beacon, installed by the peerage.peerage.beacon module.
# Usage: python3 peerage-beacon.py --config FILE  (see --help)
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from %s.beacon import main  # noqa: E402

sys.exit(main())
''' % PACKAGE


def beacon_settings(options):
    """Check the beacon's options; resolve its node name (default: ``app_name@`` the sending address)."""
    settings = resolve_options(options, BEACON_DEFAULTS)
    if settings["interval"] < 0.1:
        raise OptionError("interval must be at least 0.1 seconds, got %r" % settings["interval"])
    if settings["node_name"] is None:
        settings["node_name"] = format_node_name(settings["app_name"], default_address(settings))
    return settings


def settings_to_options(settings):
    """The options that resolve to ``settings`` again (JSON-safe), for the config file."""
    options = {key: settings[key] for key in BEACON_DEFAULTS if key in settings}
    options["interface"] = settings["interface"][1] if settings["interface"] else None
    return options


class Beacon:
    """Answer probes and announce, over a transport like :class:`GroupTransport`."""

    def __init__(self, settings, transport, clock=time.monotonic, wallclock=time.time, log=None):
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.wallclock = wallclock
        self.log = log or (lambda message: None)
        self.packets = PacketFilter(settings["app_name"], settings["secret"], settings["max_age"], clock=wallclock)
        self.answered = 0
        self.announced = 0
        self._last_announce = None
        self._window = {}
        self._last_error = ("", 0.0)

    def _allowed(self, host):
        """Per-address rate limit, in one-second windows."""
        now = self.clock()
        start, count = self._window.get(host, (now, 0))
        if now - start >= 1.0:
            start, count = now, 0
        if count >= REPLIES_PER_SECOND:
            return False
        if len(self._window) > 4096:
            self._window.clear()
        self._window[host] = (start, count + 1)
        return True

    def _send(self, send, data, address=None):
        try:
            if address is None:
                send(data)
            else:
                send(data, address)
            return True
        except DiscoveryFailed as exc:
            # Keep serving: an interface may come back. Log each new error, and a repeat once a minute.
            message, when = self._last_error
            if str(exc) != message or self.clock() - when >= 60:
                self.log(str(exc))
                self._last_error = (str(exc), self.clock())
            return False

    def announce(self):
        self._last_announce = self.clock()
        settings = self.settings
        packet = encode("announce", settings["app_name"], settings["node_name"], settings["secret"], self.wallclock())
        if self._send(self.transport.send_group, packet):
            self.announced += 1
        if settings["announce_peerage"]:
            self._send(self.transport.send_group, encode_peerage(settings["node_name"]))

    def handle(self, data, address):
        """Answer ``data`` if it is a probe of this cluster; return True if a reply was sent."""
        packet = self.packets.accept(data)
        if packet is None or packet.kind != "probe":
            return False
        if not self._allowed(address_host(address)):
            self.packets.count("rate")
            return False
        app_name, node_name, secret = self.settings["app_name"], self.settings["node_name"], self.settings["secret"]
        reply = encode("reply", app_name, node_name, secret, self.wallclock(), echo=packet.nonce)
        sent = self._send(self.transport.send_to, reply, address)
        if sent:
            self.answered += 1
        if self._last_announce is None or self.clock() - self._last_announce >= ANNOUNCE_GAP:
            self.announce()
        return sent

    def run(self, should_stop):
        """Serve until ``should_stop()`` is true; it is asked at least every second."""
        next_announce = self.clock()
        while not should_stop():
            now = self.clock()
            if now >= next_announce:
                self.announce()
                next_announce = now + self.settings["interval"]
            for data, address in self.transport.receive(min(next_announce - now, CHECK_EVERY)):
                self.handle(data, address)

    def summary(self):
        return "answered %d probes, sent %d announcements, dropped %s" % (
            self.answered,
            self.announced,
            json.dumps(self.packets.dropped, sort_keys=True),
        )


# The beacon program.


def _log(message):
    sys.stderr.write("%s peerage-beacon[%d]: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), message))
    sys.stderr.flush()


def _read_config(path):
    with open(path) as handle:
        config = json.load(handle)
    if not isinstance(config, dict) or not isinstance(config.get("options"), dict):
        raise OptionError("%s is not a beacon config file (no 'options' mapping)" % path)
    return config


def _parser():
    parser = argparse.ArgumentParser(
        prog="peerage-beacon",
        description="Answer peerage.peerage UDP probes and announce this host's node name.",
    )
    parser.add_argument("--config", help="JSON file written by the peerage.peerage.beacon module")
    for name in ("app_name", "node_name", "address", "family", "group", "interface"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name)
    for name, kind in (("port", int), ("ttl", int), ("max_age", int), ("lifetime", int), ("interval", float)):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=kind)
    parser.add_argument("--announce-peerage", dest="announce_peerage", action="store_true", default=None)
    parser.add_argument("--secret-file", help="file holding the shared secret (not given on the command line)")
    return parser


def _options(args):
    """Options from the config file, overridden by the command line; and the config itself."""
    config = _read_config(args.config) if args.config else {"options": {}}
    options = dict(config["options"])
    for key in BEACON_DEFAULTS:
        value = getattr(args, key, None)
        if value is not None:
            options[key] = value
    if args.secret_file:
        with open(args.secret_file) as handle:
            options["secret"] = handle.read().rstrip("\r\n")
    return options, config


class _Watch:
    """Decides, once a second, whether the program goes on, stops or restarts."""

    def __init__(self, path, config, expires_at):
        self.path = path
        self.config = config
        self.expires_at = expires_at
        self.signalled = None
        self.restart = False
        self.reason = None
        self._checked = 0.0
        self._stamp = self._stat()

    def _stat(self):
        if not self.path:
            return None
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _reload(self):
        stamp = self._stat()
        if stamp is None:
            self.reason = "config file %s removed" % self.path
            return
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            config = _read_config(self.path)
        except (OSError, ValueError, OptionError) as exc:
            _log("ignoring unreadable config file: %s" % exc)
            return
        self.expires_at = config.get("expires_at")
        same = dict(config, expires_at=None) == dict(self.config, expires_at=None)
        if not same:
            self.reason = "config file %s changed" % self.path
            self.restart = True
        else:
            _log("lifetime renewed")

    def __call__(self):
        if self.signalled:
            self.reason = "signal %d" % self.signalled
            return True
        now = time.time()
        if now - self._checked >= CHECK_EVERY:
            self._checked = now
            if self.path:
                self._reload()
            if self.reason is None and self.expires_at and now >= self.expires_at:
                self.reason = "lifetime over"
        return self.reason is not None


def _answer(line):
    """The one line on stdout that whoever started the program waits for."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _restart_argv():
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name:
        return [sys.executable, "-m", spec.name, *sys.argv[1:]]
    return [sys.executable, *sys.argv]


def main(argv=None):
    """Run the beacon program. Prints one line on stdout: ``ready <node>`` or ``error: <why>``."""
    args = _parser().parse_args(argv)
    try:
        options, config = _options(args)
        settings = beacon_settings(options)
        transport = GroupTransport(settings)
        # The module writes an absolute expiry time; run by hand or as a service, lifetime counts from now.
        expires_at = config.get("expires_at")
        if expires_at is None and settings["lifetime"]:
            expires_at = time.time() + settings["lifetime"]
    except (PeerageError, OSError, ValueError) as exc:
        _answer("error: %s" % exc)
        return 2
    watch = _Watch(args.config, config, expires_at)

    def on_signal(signum, _frame):
        watch.signalled = signum

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    beacon = Beacon(settings, transport, log=_log)
    until = "until %s" % time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(expires_at)) if expires_at else None
    where = via_udp.describe_group(settings)
    _log("serving %s on %s, %s" % (settings["node_name"], where, until or "with no time limit"))
    _answer("ready %s" % settings["node_name"])
    # Whoever waited for that line may be gone; a later write (after a restart in place) must not hit a closed pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    try:
        beacon.run(watch)
    finally:
        transport.close()
    _log("stopping (%s); %s" % (watch.reason, beacon.summary()))
    if watch.restart:
        argv = _restart_argv()
        os.execv(argv[0], argv)
    return 0


# Installing and controlling the program.


def program_files():
    """``{relative path: text}`` of the program: the launcher and the module_utils it imports."""
    files = {LAUNCHER: LAUNCHER_SOURCE}
    parts = PACKAGE.split(".")
    for depth in range(1, len(parts) + 1):
        files[os.path.join("lib", *([*parts[:depth], "__init__.py"]))] = ""
    # Every module_utils file the beacon imports, directly or not; a unit test checks the program runs.
    for module in (errors, node_names, option_values, udp_wire, via_udp, sys.modules[__name__]):
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
            return _read_config(path or self.config_path)
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
            # A new session: no terminal, no SIGHUP when the connection that ran the module closes.
            process = subprocess.Popen(
                self.command(self.config_path, python),
                stdin=subprocess.DEVNULL,
                stdout=child_stdout,
                stderr=log_fd,
                cwd="/",
                close_fds=True,
                start_new_session=True,
            )
        finally:
            os.close(log_fd)
            os.close(child_stdout)
        line = b""
        deadline = time.monotonic() + ready_timeout
        try:
            while not line.endswith(b"\n") and time.monotonic() < deadline:
                ready, _w, _x = select.select([ready_fd], [], [], max(deadline - time.monotonic(), 0))
                if not ready:
                    break
                chunk = os.read(ready_fd, 4096)
                if not chunk:
                    break
                line += chunk
        finally:
            os.close(ready_fd)
        answer = line.decode("utf-8", "replace").strip()
        if answer.startswith("ready "):
            _write_if_changed(self.pid_path, "%d\n" % process.pid, 0o644)
            return process.pid
        if process.poll() is None:
            process.kill()
        process.wait()
        self._remove(self.config_path)
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


if __name__ == "__main__":
    # A program entry point (python3 -m ...), not a module: plain exit status.
    raise SystemExit(main())
