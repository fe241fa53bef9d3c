# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


"""The UDP beacon's protocol: answer probes and announce this host's node name.

:class:`Beacon` joins the group, replies to every probe of its cluster
(unicast, to the prober's address and port, echoing the probe's nonce), and
announces itself every ``interval`` seconds. A probe also brings the next
announcement forward: a multicast answer needs no neighbour (ARP/ND)
resolution, which under packet loss can hold a unicast reply back for
seconds, and one announcement serves every prober at once. So a probed
beacon announces at most twice a second, however many hosts probe.

The program that runs it is :mod:`.beacon_program`; :mod:`.beacon_control`
installs, starts and stops that program.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
from collections import OrderedDict

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import format_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.udp_options import BEACON_DEFAULTS, resolve_options
from ansible_collections.peerage.peerage.plugins.module_utils.udp_transport import address_host, default_address
from ansible_collections.peerage.peerage.plugins.module_utils.udp_wire import (
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
# How often the program looks at its config file and lifetime.
CHECK_EVERY = 1.0


def beacon_settings(options):
    """Check the beacon's options; resolve its node name (default: ``app_name@`` the sending address)."""
    settings = resolve_options(options, BEACON_DEFAULTS)
    if settings["interval"] < 0.1:
        raise OptionError("interval must be at least 0.1 seconds, got %r" % settings["interval"])
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
        self._window = OrderedDict()  # address -> (window start, replies), least recently seen first
        self._last_error = ("", 0.0)

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
        settings = self.settings
        packet = encode("announce", settings["app_name"], settings["node_name"], settings["secret"], self.wallclock())
        if strict:
            self.transport.send_group(packet)
            self.announced += 1
        elif self._send(self.transport.send_group, packet):
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
        # A program that reported ready has announced once already.
        next_announce = self.clock() if self._last_announce is None else self._last_announce + self.settings["interval"]
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

