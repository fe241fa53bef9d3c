# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A real Erlang node per lab host, behind an init script, for tests of restarts on a running cluster.

``install`` writes ``/etc/init.d/NAME``: an LSB init script that starts one
Erlang node (``NODE``, ``-config DIR/sys.config`` or the ``--config`` and
``--args-file`` given, distribution on the fixed ``PORT``) in the namespace
it runs in, after ``DELAY`` seconds (a service that takes a moment to
start). ``service NAME start|stop|restart|status`` (ansible.legacy.service,
over SSH into the lab host's namespace) runs it.
Lab hosts share the file system, so NAME and DIR carry the host's name.

A file ``DIR/fault`` makes the next start launch nothing: a host that does
not come back after a restart.

Command line (as root)::

    python3 node_service.py install --name NAME --node app@ADDR --dir DIR --port P --cookie C [--delay S]
                                    [--config FILE] [--args-file FILE]   # --config '' for none
    python3 node_service.py remove  --name NAME --dir DIR      # stops the node, removes the script
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time

INIT_DIR = "/etc/init.d"
# The script's own check that it is ours before `remove` deletes it.
SIGNATURE = "# peerage lab node service"

SCRIPT = """#!/bin/sh
{signature}
### BEGIN INIT INFO
# Provides:          {name}
# Required-Start:
# Required-Stop:
# Default-Start:
# Default-Stop:
# Short-Description: Erlang node {node} of the peerage lab
### END INIT INFO
NAME={name}
DIR={dir}
PIDFILE="$DIR/node.pid"
export HOME="$DIR"

running() {{
    [ -f "$PIDFILE" ] || return 1
    pid=$(cat "$PIDFILE")
    [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = beam.smp ]
}}

start() {{
    running && return 0
    rm -f "$PIDFILE"
    [ -e "$DIR/fault" ] && {{ echo "$NAME: fault file present, nothing started"; return 0; }}
    # The subshell execs erl, which execs beam.smp: the pid stays the node's.
    setsid sh -c 'sleep {delay}; exec erl -name {node} -setcookie {cookie} "$@" \\
        -kernel inet_dist_listen_min {port} inet_dist_listen_max {port} -noshell -noinput' node {erl_args} \\
        >"$DIR/node.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    # The process exists once this returns; it listens on {port} a moment later.
    for _ in $(seq 50); do running && return 0; sleep 0.1; done
    echo "$NAME: the node did not start"; return 1
}}

stop() {{
    if running; then
        pid=$(cat "$PIDFILE")
        kill "$pid"
        for _ in $(seq 100); do running || break; sleep 0.05; done
        running && kill -9 "$pid"
    fi
    rm -f "$PIDFILE"
    return 0
}}

case "$1" in
    start) start ;;
    stop) stop ;;
    restart|force-reload) stop && start ;;
    status)
        if running; then echo "$NAME is running"; exit 0; fi
        echo "$NAME is not running"; exit 3 ;;
    *) echo "Usage: $0 {{start|stop|restart|status}}"; exit 2 ;;
esac
"""


def script_path(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise SystemExit("node_service: bad service name %r" % name)
    return os.path.join(INIT_DIR, name)


def erl_args(args: argparse.Namespace) -> str:
    """The node's config files as erl's words, quoted for the script."""
    config = os.path.join(args.dir, "sys.config") if args.config is None else args.config
    words = (["-config", config] if config else []) + (["-args_file", args.args_file] if args.args_file else [])
    return " ".join(shlex.quote(word) for word in words)


def install(args: argparse.Namespace) -> None:
    text = SCRIPT.format(signature=SIGNATURE, name=args.name, dir=shlex.quote(args.dir), node=args.node,
                         cookie=args.cookie, port=args.port, delay=args.delay, erl_args=erl_args(args))
    path = script_path(args.name)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path + ".tmp", 0o755)
    os.replace(path + ".tmp", path)


def stop_node(folder: str) -> None:
    try:
        with open(os.path.join(folder, "node.pid"), encoding="utf-8") as handle:
            pid = int(handle.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        for _attempt in range(40):
            if not os.path.exists("/proc/%d" % pid):
                return
            time.sleep(0.05)


def remove(args: argparse.Namespace) -> None:
    stop_node(args.dir)
    path = script_path(args.name)
    try:
        with open(path, encoding="utf-8") as handle:
            ours = SIGNATURE in handle.read()
    except FileNotFoundError:
        return
    if ours:
        os.unlink(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("install")
    one.add_argument("--name", required=True)
    one.add_argument("--node", required=True)
    one.add_argument("--dir", required=True)
    one.add_argument("--port", type=int, required=True)
    one.add_argument("--cookie", required=True)
    one.add_argument("--delay", type=float, default=1.0)
    one.add_argument("--config", help="the node's -config file (default DIR/sys.config; '' for none)")
    one.add_argument("--args-file", help="a vm.args file the node reads with -args_file")
    gone = sub.add_parser("remove")
    gone.add_argument("--name", required=True)
    gone.add_argument("--dir", required=True)
    args = parser.parse_args(argv)
    {"install": install, "remove": remove}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
