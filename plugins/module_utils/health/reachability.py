# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Check that peers answer on a TCP port, retrying until a deadline.

The check behind the ``wait_for_peers`` module: every round tries each peer
that has not answered yet (all at once, in threads, so fifty slow peers do
not cost fifty connect timeouts), and stops as soon as enough peers have
answered or the deadline has passed. A peer that answered once counts as
reachable; what each unreachable peer last failed with is kept for the
failure message. The ``health`` package holds the checks that running
nodes answer; they import only the base of the core.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    normalize_node_names,
    parse_node_name,
)
from ansible_collections.peerage.peerage.plugins.module_utils.option_values import as_number, as_port

EPMD_PORT = 4369
DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_INTERVAL = 1.0
# Enough threads to try a large cluster in one round, few enough to stay light.
MAX_WORKERS = 64


class PeersUnreachable(PeerageError):
    """Fewer peers than required answered before the deadline; ``result`` says which."""

    def __init__(self, message, result):
        super(PeersUnreachable, self).__init__(message)
        self.result = result


def parse_require(value, total):
    """Return how many of ``total`` peers must answer: ``all`` or a number from 0 to ``total``."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return total
    try:
        number = as_number(value, "require", None, 0, int)
    except OptionError:
        raise OptionError("invalid require %r: expected 'all' or a number of peers" % (value,))
    if number > total:
        raise OptionError("invalid require %d: only %d peer(s) were given" % (number, total))
    return number


def _seconds(name, value, default):
    return as_number(value, name, default, 0)


def check_port(port):
    return as_port(port, "port")


def peer_hosts(peers):
    """Map each peer (a node name) to the host to connect to, in the documented order."""
    return [(peer, parse_node_name(peer).host) for peer in normalize_node_names(peers)]


def describe_error(exc):
    if isinstance(exc, socket.timeout):
        return "no answer within the connect timeout"
    if isinstance(exc, socket.gaierror):
        return "name not resolved (%s)" % (exc.args[-1] if exc.args else exc)
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def try_connect(host, port, timeout, connect=socket.create_connection):
    """Return ``None`` if ``host:port`` accepts a TCP connection within ``timeout``, else the reason."""
    try:
        sock = connect((host, port), timeout)
    except (OSError, ValueError) as exc:
        return describe_error(exc)
    sock.close()
    return None


def wait_for_peers(peers, port=EPMD_PORT, timeout=DEFAULT_TIMEOUT, require="all",
                   connect_timeout=DEFAULT_CONNECT_TIMEOUT, interval=DEFAULT_INTERVAL,
                   connect=socket.create_connection, clock=time.monotonic, sleep=time.sleep):
    """Try the peers until ``require`` of them answered on ``port`` or ``timeout`` seconds passed.

    Returns a dict: ``reachable`` and ``not_reachable`` (node names in the
    documented order; not ``unreachable``, which Ansible reads as "this host
    could not be reached"), ``errors`` (the last failure of each peer not
    reached), ``required``, ``rounds`` and ``elapsed`` (seconds). Raises
    :class:`PeersUnreachable` carrying that dict when too few answered.
    """
    port = check_port(port)
    timeout = _seconds("timeout", timeout, DEFAULT_TIMEOUT)
    connect_timeout = _seconds("connect_timeout", connect_timeout, DEFAULT_CONNECT_TIMEOUT) or DEFAULT_CONNECT_TIMEOUT
    interval = _seconds("interval", interval, DEFAULT_INTERVAL)
    targets = peer_hosts(peers)
    required = parse_require(require, len(targets))

    started = clock()
    deadline = started + timeout
    reachable = set()
    errors = {}  # type: dict
    rounds = 0
    pending = list(targets)
    workers = max(1, min(MAX_WORKERS, len(targets)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # At least one round, so require=0 still reports who answers.
        while True:
            rounds += 1
            # The last round still gets a short try, so a timeout of 0 checks once.
            attempt_timeout = max(0.05, min(connect_timeout, deadline - clock()))
            count = len(pending)
            outcomes = list(pool.map(try_connect, [host for _peer, host in pending], [port] * count,
                                     [attempt_timeout] * count, [connect] * count))
            still = []
            for target, error in zip(pending, outcomes):
                if error is None:
                    reachable.add(target[0])
                    errors.pop(target[0], None)
                else:
                    errors[target[0]] = error
                    still.append(target)
            pending = still
            if len(reachable) >= required:
                break
            remaining = deadline - clock()
            if remaining <= 0:
                break
            sleep(min(interval, remaining))

    order = [peer for peer, _host in targets]
    result = {
        "reachable": [peer for peer in order if peer in reachable],
        "not_reachable": [peer for peer in order if peer not in reachable],
        "errors": {peer: errors[peer] for peer in order if peer in errors},
        "required": required,
        "port": port,
        "rounds": rounds,
        "elapsed": round(clock() - started, 3),
    }
    if len(reachable) < required:
        raise PeersUnreachable(describe_failure(result, timeout), result)
    return result


def describe_failure(result, timeout):
    """Name the peers that did not answer and why, for a failure message."""
    total = len(result["reachable"]) + len(result["not_reachable"])
    wanted = "all of them" if result["required"] == total else "at least %d" % result["required"]
    reasons = ", ".join("%s (%s)" % (peer, result["errors"].get(peer, "not tried")) for peer in result["not_reachable"])
    return "%d of %d peer(s) answered on TCP port %d within %ss, %s required; unreachable: %s" % (
        len(result["reachable"]), total, result["port"], timeout, wanted, reasons)


class PortUnreachable(PeerageError):
    """One address did not accept a TCP connection before the deadline; ``waited`` and ``error`` say more."""

    def __init__(self, message, waited, error):
        super(PortUnreachable, self).__init__(message)
        self.waited = waited
        self.error = error


def wait_for_port(host, port, timeout, connect_timeout=DEFAULT_CONNECT_TIMEOUT, interval=0.2,
                  connect=socket.create_connection, clock=time.monotonic, sleep=time.sleep):
    """Try ``host:port`` until it accepts a TCP connection; return the seconds waited.

    The health gate after a service (re)start: a service that takes a moment
    to start refuses connections at first, so a refusal is retried every
    ``interval`` seconds until ``timeout`` seconds passed. Raises
    :class:`PortUnreachable` naming the address, the port and the time waited.
    """
    port = check_port(port)
    timeout = _seconds("timeout", timeout, DEFAULT_TIMEOUT)
    connect_timeout = _seconds("connect_timeout", connect_timeout, DEFAULT_CONNECT_TIMEOUT) or DEFAULT_CONNECT_TIMEOUT
    started = clock()
    deadline = started + timeout
    while True:
        error = try_connect(host, port, max(0.05, min(connect_timeout, deadline - clock())), connect)
        waited = round(clock() - started, 3)
        if error is None:
            return waited
        remaining = deadline - clock()
        if remaining <= 0:
            raise PortUnreachable("%s did not answer on TCP port %d within %gs (waited %ss; last error: %s)" % (
                host, port, timeout, waited, error), waited, error)
        sleep(min(interval, remaining))
