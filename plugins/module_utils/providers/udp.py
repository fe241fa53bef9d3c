# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The ``udp`` provider: probe the hosts' own network for beacons.

A probe sends a ``probe`` packet to the multicast group, re-sends it every
``interval`` seconds (each with a fresh nonce, so a lost probe or a lost
reply costs one interval, not the whole run), collects the ``reply`` and
``announce`` packets of the same cluster, and returns as soon as ``expect``
peers are known, the set has been stable for ``settle`` seconds, or
``timeout`` runs out. Beacons (``module_utils/udp/beacon.py``) answer.

``poll(options)`` returns node names, as every provider does; ``probe(options)``
returns the whole :class:`ProbeResult`; ``wait_for_beacon`` probes until one
node answers (the health gate of a beacon service, which has no TCP port).
Options live in ``module_utils/udp/options.py``, sockets in
``module_utils/udp/transport.py``.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from collections import namedtuple

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NoPeersFound, OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import normalize_node_names
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import (
    REPLY_SPREAD_MAX,
    describe_group,
    probe_settings,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import (
    GroupTransport,
    address_host,
    is_local_address,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import PacketFilter, encode, new_nonce

_ProbeResultFields = namedtuple(
    "_ProbeResultFields", ["peers", "sources", "dropped", "elapsed", "complete", "stopped_by", "probes_sent"]
)


class ProbeResult(_ProbeResultFields):
    """What a probe found.

    ``peers``: sorted node names; ``sources``: node name -> address the packet
    came from; ``dropped``: reason -> count; ``elapsed``: seconds;
    ``complete``: at least ``expect`` peers (and at least one) were found;
    ``stopped_by``: ``expect``, ``settle``, ``until`` or ``timeout``.
    """

    __slots__ = ()

    def to_dict(self):
        return dict(self._asdict())


class _SelfFilter:
    """Tells this host's own node name apart.

    With ``node_name`` (or ``address``) set, exactly that name is self;
    otherwise any packet sent from one of this host's addresses is.
    """

    def __init__(self, node_name):
        self.node_name = node_name
        self._local = {}

    def __call__(self, node, host):
        if self.node_name is not None:
            return node == self.node_name
        if host not in self._local:
            self._local[host] = is_local_address(host)
        return self._local[host]


def reply_window(expect, capacity):
    """The reply window of a first probe: 0 (answer at once) when the receive buffer holds every expected reply.

    None (no window: the beacons spread their replies over up to REPLY_SPREAD_MAX and announce) when the
    probe does not know how many answer, or its buffer could not be made large enough for them.
    """
    return 0.0 if expect and capacity >= expect else None


def _run(settings, transport, packets, clock, wallclock, until=None):
    start = clock()
    deadline = start + settings["timeout"]
    expect, settle, interval = settings["expect"], settings["settle"], settings["interval"]
    # Beacons spread their replies over up to REPLY_SPREAD_MAX seconds: settle never ends a probe sooner.
    settle = max(settle, REPLY_SPREAD_MAX) if settle else 0.0
    is_self = None if settings["include_self"] else _SelfFilter(settings["node_name"])
    first_window = reply_window(expect, getattr(transport, "reply_capacity", 0))
    found = {}  # type: dict
    solicited = set()  # type: set
    last_change = start  # when the last new peer came; read only once one has
    next_send = start
    stopped_by = "timeout"
    while True:
        now = clock()
        if expect and len(found) >= expect:
            stopped_by = "expect"
            break
        if until is not None and until(found):
            stopped_by = "until"
            break
        if settle and found and now - last_change >= settle:
            stopped_by = "settle"
            break
        if now >= deadline:
            break
        if now >= next_send:
            nonce = new_nonce()
            # Only the first probe: one sent again means replies are missing, and then the beacons also announce.
            window = first_window if not solicited else None
            solicited.add(nonce)
            transport.send_group(
                encode(
                    "probe", settings["app_name"], settings["node_name"], settings["secret"], wallclock(), nonce,
                    window=window,
                )
            )
            next_send = now + interval
        wake = min(next_send, deadline)
        if settle and found:
            wake = min(wake, last_change + settle)
        for data, address in transport.receive(wake - now):
            packet = packets.accept(data, solicited)
            if packet is None or packet.kind == "probe":
                continue
            host = address_host(address)
            if is_self is not None and is_self(packet.node, host):
                packets.count("self")
                continue
            if packet.node not in found:
                found[packet.node] = host
                last_change = clock()
    peers = normalize_node_names(found)
    return ProbeResult(
        peers=peers,
        sources={node: found[node] for node in peers},
        dropped=dict(packets.dropped),
        elapsed=round(clock() - start, 3),
        complete=bool(peers) and len(peers) >= expect,
        stopped_by=stopped_by,
        probes_sent=len(solicited),
    )


def describe_result(result, settings):
    """One line on what a probe saw: for reports and for the "no peers" message."""
    dropped = ", ".join("%s %d" % item for item in sorted(result.dropped.items())) or "none"
    return "%d peer(s) of %s on %s in %.2fs (%d probes sent, stopped by %s; dropped: %s)" % (
        len(result.peers),
        settings["app_name"],
        describe_group(settings),
        result.elapsed,
        result.probes_sent,
        result.stopped_by,
        dropped,
    )


def describe_empty(result, options):
    """Why a probe found no peers, for the error message."""
    return "no beacon answered: %s; is a beacon running?" % describe_result(result, probe_settings(options))


def probe(options, report=None, transport=None, clock=time.monotonic, wallclock=time.time, until=None):
    """Probe the group; return a :class:`ProbeResult`.

    Raises :class:`OptionError` for bad options and :class:`DiscoveryFailed`
    when the sockets cannot be set up or used. Finding no peers is not an
    error here: the result is empty and the caller decides.
    ``report(message, verbosity)`` hears what was found and from where (1)
    and the probe's detail (3). ``until(found)``, given the node names heard
    so far, ends the probe early when it returns true (``stopped_by`` "until").
    """
    settings = probe_settings(options)
    packets = PacketFilter(
        settings["app_name"], settings["secret"], settings["max_age"], settings["peerage_compat"], clock=wallclock
    )
    own_transport = transport is None
    if own_transport:
        transport = GroupTransport(settings, listen_peerage=settings["peerage_compat"], expected=settings["expect"])
    try:
        result = _run(settings, transport, packets, clock, wallclock, until)
    finally:
        if own_transport:
            transport.close()
    if report:
        found = ", ".join("%s (from %s)" % (node, result.sources[node]) for node in result.peers)
        report("udp: found %s" % (found or "no peers"), 1)
        report("udp: " + describe_result(result, settings), 3)
    return result


def poll(options, report=None):
    """The provider entry point: the node names a probe finds; :class:`NoPeersFound` for none."""
    result = probe(options, report)
    if not result.peers:
        raise NoPeersFound(describe_empty(result, options))
    return result.peers


class BeaconSilent(PeerageError):
    """The beacon was not heard before the deadline; ``waited`` and ``heard`` (other node names) say more."""

    def __init__(self, message, waited, heard):
        super(BeaconSilent, self).__init__(message)
        self.waited = waited
        self.heard = heard


def wait_for_beacon(options, node_name, timeout, run_probe=None, clock=time.monotonic):
    """Probe with ``options`` (the ``udp`` provider's) until ``node_name`` answers; return the seconds waited.

    A beacon is up once a probe on its group hears its own node name. The
    probe re-sends every ``interval`` seconds, so a beacon that takes a
    moment to start is heard as soon as it answers, and other beacons of the
    cluster answering first do not end it. Raises :class:`BeaconSilent`
    naming the node, the seconds waited and what the probe heard instead.
    ``run_probe`` stands in for :func:`probe` in tests.
    """
    if not node_name:
        raise OptionError("the beacon health gate needs the beacon's node name")
    if timeout is None or timeout <= 0:
        raise OptionError("the beacon health gate needs a timeout of more than 0 seconds, got %r" % (timeout,))
    # Its own answer is the one wanted; no count or quiet spell ends the probe before it.
    settings = dict(options or {}, include_self=True, expect=0, settle=0, timeout=timeout)
    started = clock()
    result = (run_probe or probe)(settings, until=lambda found: node_name in found)
    waited = round(clock() - started, 3)
    if node_name in result.peers:
        return waited
    heard = [name for name in result.peers if name != node_name]
    raise BeaconSilent(
        "no beacon answered a probe as %s within %gs (waited %ss; the probe heard: %s)"
        % (node_name, timeout, waited, ", ".join(heard) or "nobody"),
        waited,
        heard,
    )
