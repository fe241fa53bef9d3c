# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.


"""The beacon program: run a :class:`Beacon` detached, until its lifetime is over.

``python3 peerage-beacon.py --config FILE`` (the launcher that
:mod:`.control` installs) or ``python3 -m ...module_utils.udp.program``.
It serves until its lifetime is over, its config file is removed, or
SIGTERM; when the config file changes it renews its lifetime or, if the
settings changed, restarts itself with them.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import signal
import sys
import time

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.provider_options import record
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import CHECK_EVERY, Beacon, beacon_settings
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import BEACON_DEFAULTS, describe_group
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import GroupTransport

# The exit status that asks a service manager for a restart (EX_TEMPFAIL; the unit has Restart=on-failure).
EXIT_RESTART = 75


def _log(message):
    sys.stderr.write("%s peerage-beacon[%d]: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.getpid(), message))
    sys.stderr.flush()


def read_config(path):
    with open(path) as handle:
        config = json.load(handle)
    if not isinstance(config, dict) or not isinstance(config.get("options"), dict):
        raise OptionError("%s is not a beacon config file (no 'options' mapping)" % path)
    return config


_ARGUMENT_TYPES = {"str": str, "int": int, "float": float}


def _parser():
    parser = argparse.ArgumentParser(
        prog="peerage-beacon",
        description="Answer peerage.peerage UDP probes and announce this host's node name.",
    )
    parser.add_argument("--config", help="JSON file written by the peerage.peerage.beacon module")
    # Every beacon setting by its record's type; the secret only from a file, never on the command line.
    for name in BEACON_DEFAULTS:
        if name == "secret":
            continue
        kind = record(name, "beacon").type
        if kind == "bool":
            parser.add_argument("--" + name.replace("_", "-"), dest=name, action="store_true", default=None)
        else:
            parser.add_argument("--" + name.replace("_", "-"), dest=name, type=_ARGUMENT_TYPES[kind])
    parser.add_argument("--secret-file", help="file holding the shared secret (not given on the command line)")
    return parser


def credential_copy(path):
    """The copy of ``path`` that systemd passed as a credential (``LoadCredential=<file name>:<path>``), or None.

    A service with ``DynamicUser=yes`` cannot read its config file (mode 0600,
    it may hold the secret); systemd reads it as root and hands the service a
    private copy in ``$CREDENTIALS_DIRECTORY``.
    """
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None
    copy = os.path.join(directory, os.path.basename(path))
    return copy if os.path.isfile(copy) else None


def _config_source(path):
    """Where to read ``path``'s settings: the file itself, or, if this user may not read it, its credential copy."""
    if os.access(path, os.R_OK):
        return path
    return credential_copy(path) or path


def _options(args):
    """Options from the config file, overridden by the command line; and the config itself."""
    config = read_config(_config_source(args.config)) if args.config else {"options": {}}
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
        # Read through a credential copy, the program cannot reread the file: on a change it exits for a restart.
        self.from_copy = bool(path) and _config_source(path) != path
        self.signalled = None
        self.restart = False
        self.exit_status = 0
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
        if self.from_copy:
            self.reason = "config file %s changed; exiting so that the service manager restarts the beacon" % self.path
            self.exit_status = EXIT_RESTART
            return
        try:
            config = read_config(self.path)
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
    try:
        # Ready means working: the first announcement was built and sent.
        beacon.announce(strict=True)
    except PeerageError as exc:
        transport.close()
        _answer("error: %s" % exc)
        return 2
    if expires_at:
        until = "until %s" % time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(expires_at))
    else:
        until = "with no time limit (lifetime 0: until stopped)"
    _log("serving %s on %s, %s" % (settings["node_name"], describe_group(settings), until))
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
    return watch.exit_status


if __name__ == "__main__":
    # A program entry point (python3 -m ...), not a module: plain exit status.
    raise SystemExit(main())
