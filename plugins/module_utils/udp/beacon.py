# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.


"""The UDP beacon's protocol: answer probes and announce this host's node name.

:class:`Beacon` joins the group, replies to every probe of its cluster
(unicast, to the prober's address and port, echoing the probe's nonce), and
announces itself every ``interval`` seconds, or less often in a large
cluster (see :meth:`Beacon.announce_gap`). A probe also brings the next
announcement forward: a multicast answer needs no neighbour (ARP/ND)
resolution, which under packet loss can hold a unicast reply back for
seconds, and one announcement serves every prober at once. So a probed
beacon announces at most twice a second, however many hosts probe.

A probe that gives a reply window (its receive buffer holds every reply it
expects) is answered by unicast alone, within that window: N beacons'
announcements would each be read by all N beacons, N*N datagrams woken for
in a large cluster. A prober gives a window only with its first probe, so
the probes it sends again, when replies are missing, bring the
announcements forward as before.

The program that runs it is :mod:`.program`; :mod:`.control`
installs, starts and stops that program.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import json
import random
import time
from collections import OrderedDict

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import format_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.udp.options import (
    BEACON_DEFAULTS,
    REPLY_SLOT,
    REPLY_SPREAD_MAX,
    check_peerage_traffic,
    resolve_options,
)
from ansible_collections.peerage.peerage.plugins.module_utils.udp.transport import address_host, default_address
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import (
    PacketFilter,
    check_packet_size,
    encode,
    encode_peerage,
)

# A prober re-sends about twice a second; this leaves room for several
# probers behind one address while bounding what a flood of probes costs.
REPLIES_PER_SECOND = 20
# Addresses whose reply counts are kept; beyond it the least recently seen is dropped.
RATE_TABLE_SIZE = 4096
# The shortest gap between two announcements that probes bring forward: a probe's default interval.
ANNOUNCE_GAP = 0.5
# Other beacons heard within this many seconds count towards the reply spread.
HEARD_FOR = 60.0
# Every beacon reads every announcement of its group, so N beacons announcing every ``interval``
# cost N*N/interval datagrams a second in all. As RTCP scales its report interval with the
# session's size (RFC 3550, 6.2), the periodic announcements of the whole group stay within
# this many a second: a beacon waits at least one second for every this many others it heard.
GROUP_ANNOUNCE_RATE = 10.0
# The gap never grows past half of HEARD_FOR, so every beacon of the group is heard again before
# it is forgotten and the count the gap comes from holds still.
ANNOUNCE_GAP_MAX = HEARD_FOR / 2
# Peerage's own Udp provider announces every 3 to 7 seconds; Peer: packets keep that pace.
PEERAGE_GAP = (3.0, 7.0)
# How often the program looks at its config file and lifetime.
CHECK_EVERY = 1.0


def beacon_settings(options):
    """Check the beacon's options; resolve its node name (default: ``app_name@`` the sending address)."""
    settings = resolve_options(options, BEACON_DEFAULTS)
    if settings["interval"] < 0.1:
        raise OptionError("interval must be at least 0.1 seconds, got %r" % settings["interval"])
    if settings["announce_peerage"]:
        check_peerage_traffic(settings, "announce_peerage")
    if settings["node_name"] is None:
        settings["node_name"] = format_node_name(settings["app_name"], default_address(settings))
    check_packet_size(settings["app_name"], settings["node_name"], settings["secret"])
    return settings


def settings_to_options(settings):
    """The options that resolve to ``settings`` again (JSON-safe), for the config file."""
    options = {key: settings[key] for key in BEACON_DEFAULTS if key in settings}
    options["interface"] = settings["interface"][1] if settings["interface"] else None
    return options


class Beacon:
    """Answer probes and announce, over a transport like :class:`GroupTransport`.

    ``rng`` draws the random delays (replies spread over a window, Peerage's pace).
    """

    def __init__(self, settings, transport, clock=time.monotonic, wallclock=time.time, log=None, rng=None):
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.wallclock = wallclock
        self.log = log or (lambda message: None)
        self.rng = rng or random.Random()
        self.packets = PacketFilter(settings["app_name"], settings["secret"], settings["max_age"], clock=wallclock)
        self.answered = 0
        self.announced = 0
        self.peerage_announced = 0
        self._last_announce = None
        self._announce_due = None  # an announcement a probe brought forward
        self._replies = []  # heap of (due, order, reply, address)
        self._order = 0
        self._heard = OrderedDict()  # other node names of the cluster -> when last announced, oldest first
        self._window = OrderedDict()  # address -> (window start, replies), least recently seen first
        self._last_error = ("", 0.0)
        self._peerage_packet = encode_peerage(settings["node_name"]) if settings["announce_peerage"] else None
        self._next_peerage = None

    def _allowed(self, host):
        """Per-address rate limit, in one-second windows; the least recently seen address is forgotten first."""
        now = self.clock()
        start, count = self._window.pop(host, (now, 0))
        if now - start >= 1.0:
            start, count = now, 0
        self._window[host] = (start, count + 1 if count < REPLIES_PER_SECOND else count)
        while len(self._window) > RATE_TABLE_SIZE:
            self._window.popitem(last=False)
        return count < REPLIES_PER_SECOND

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

    def announce(self, strict=False):
        """Announce to the group. ``strict``: raise what a send fails with, instead of logging it."""
        self._last_announce = self.clock()
        self._announce_due = None
        settings = self.settings
        packet = encode("announce", settings["app_name"], settings["node_name"], settings["secret"], self.wallclock())
        if strict:
            self.transport.send_group(packet)
            self.announced += 1
        elif self._send(self.transport.send_group, packet):
            self.announced += 1

    def _forget_unheard(self):
        now = self.clock()
        while self._heard and next(iter(self._heard.values())) < now - HEARD_FOR:
            self._heard.popitem(last=False)

    def announce_gap(self):
        """Seconds until the next periodic announcement: ``interval``, or more in a large group.

        The group's periodic announcements stay within GROUP_ANNOUNCE_RATE a second in all, so
        the gap grows with the number of other beacons heard, up to ANNOUNCE_GAP_MAX. Probes
        still bring an announcement forward at once; only the periodic pace slows down.
        """
        self._forget_unheard()
        return max(self.settings["interval"], min(len(self._heard) / GROUP_ANNOUNCE_RATE, ANNOUNCE_GAP_MAX))

    def reply_spread(self):
        """Seconds over which replies to one probe are spread: a slot per other beacon heard, bounded.

        Every beacon of the cluster answers the same probe; spread at random
        over this window, N beacons never answer in one burst. Alone, a
        beacon answers at once.
        """
        self._forget_unheard()
        return min(REPLY_SLOT * len(self._heard), REPLY_SPREAD_MAX)

    def _heard_from(self, node):
        if node != self.settings["node_name"]:
            self._heard.pop(node, None)
            self._heard[node] = self.clock()
            while len(self._heard) > RATE_TABLE_SIZE:
                self._heard.popitem(last=False)

    def handle(self, data, address):
        """Answer ``data`` if it is a probe of this cluster; return True if a reply was sent or scheduled.

        Replies, and the announcement a probe brings forward, go out at once
        or, with other beacons about, at a random moment within
        :meth:`reply_spread`; :meth:`send_due` sends them. A probe that
        gives a reply window is answered within that window (when shorter)
        and brings no announcement forward.
        """
        packet = self.packets.accept(data)
        if packet is None:
            return False
        if packet.kind == "announce":
            self._heard_from(packet.node)
        if packet.kind != "probe":
            return False
        if not self._allowed(address_host(address)):
            self.packets.count("rate")
            return False
        app_name, node_name, secret = self.settings["app_name"], self.settings["node_name"], self.settings["secret"]
        reply = encode("reply", app_name, node_name, secret, self.wallclock(), echo=packet.nonce)
        spread = self.reply_spread()
        now = self.clock()
        last = self._last_announce
        if packet.window is not None:
            # The prober can take every reply within its window: answered by unicast alone, no announcement,
            # which every beacon of the group would have to read. A probe it sends again carries no window.
            spread = min(spread, packet.window)
        elif self._announce_due is None and (last is None or now - last >= ANNOUNCE_GAP):
            self._announce_due = now + self.rng.uniform(0, spread)
        if spread:
            self._order += 1
            heapq.heappush(self._replies, (now + self.rng.uniform(0, spread), self._order, reply, address))
            self.send_due()
            return True
        sent = self._send(self.transport.send_to, reply, address)
        if sent:
            self.answered += 1
        self.send_due()
        return sent

    def next_due(self):
        """When :meth:`send_due` has something to send next (None: nothing pending)."""
        times = [self._replies[0][0]] if self._replies else []
        if self._announce_due is not None:
            times.append(self._announce_due)
        return min(times) if times else None

    def send_due(self):
        """Send the replies and the announcement whose time has come."""
        now = self.clock()
        while self._replies and self._replies[0][0] <= now:
            _due, _order, reply, address = heapq.heappop(self._replies)
            if self._send(self.transport.send_to, reply, address):
                self.answered += 1
        if self._announce_due is not None and self._announce_due <= now:
            self.announce()

    def _peerage_gap(self):
        return self.rng.uniform(*PEERAGE_GAP)

    def announce_peerage(self):
        """One ``Peer:`` packet to Peerage's group and port, then the next at Peerage's own pace (3-7 s)."""
        self._next_peerage = self.clock() + self._peerage_gap()
        if self._send(self.transport.send_peerage, self._peerage_packet):
            self.peerage_announced += 1

    def run(self, should_stop):
        """Serve until ``should_stop()`` is true; it is asked at least every second."""
        # A program that reported ready has announced once already.
        next_announce = self.clock() if self._last_announce is None else self._last_announce + self.announce_gap()
        if self._peerage_packet is not None:
            # A random first moment, like every later gap: beacons started together do not announce together.
            self._next_peerage = self.clock() + self.rng.uniform(0, PEERAGE_GAP[0])
        while not should_stop():
            now = self.clock()
            if now >= next_announce:
                self.announce()
                next_announce = now + self.announce_gap()
            if self._next_peerage is not None and now >= self._next_peerage:
                self.announce_peerage()
            wake = [next_announce, now + CHECK_EVERY]
            for when in (self.next_due(), self._next_peerage):
                if when is not None:
                    wake.append(when)
            for data, address in self.transport.receive(max(min(wake) - now, 0)):
                self.handle(data, address)
            self.send_due()

    def summary(self):
        return "answered %d probes, sent %d announcements%s, dropped %s" % (
            self.answered,
            self.announced,
            " and %d Peer: packets" % self.peerage_announced if self._peerage_packet is not None else "",
            json.dumps(self.packets.dropped, sort_keys=True),
        )
