# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A simulated multicast segment for the UDP tests: endpoints, latency, loss and a clock.

Time passes only while an endpoint waits in ``receive``; every datagram is an
event on one queue, delivered in time order. Beacons attached to the network
are real :class:`Beacon` objects whose ``handle`` runs when a datagram
reaches them, so the probe and the beacon are tested against each other.
"""

from __future__ import annotations

import heapq
import itertools

from ansible_collections.peerage.peerage.plugins.module_utils.errors import DiscoveryFailed
from ansible_collections.peerage.peerage.plugins.module_utils.udp.beacon import Beacon

EPOCH = 1_700_000_000.0


class FakeClock:
    def __init__(self, start=1000.0):
        self.now = start

    def __call__(self):
        return self.now

    def wall(self):
        """The matching wall clock (seconds since the epoch), for packet timestamps."""
        return EPOCH + self.now


class Endpoint:
    """What a probe or a beacon sees of the network; same interface as GroupTransport."""

    def __init__(self, network, host, port, member=True):
        self.network = network
        self.address = (host, port)
        self.member = member
        self.inbox = []
        self.arrivals = []  # (time, data) of every datagram delivered to the inbox
        self.handler = None
        self.timer = None
        self.timers = set()
        self.sent = []
        self.group_sent_at = []  # the time of every datagram sent to the group
        self.fail_sends = None

    def _check(self):
        if self.fail_sends:
            raise DiscoveryFailed(self.fail_sends, reason="socket")

    def send_group(self, data):
        self._check()
        self.sent.append((data, None))
        self.group_sent_at.append(self.network.clock.now)
        self.network.send(self, data, None)

    def send_peerage(self, data):
        """To Peerage's group and port: recorded on the network, with the time, for the tests to judge."""
        self._check()
        self.sent.append((data, "peerage"))
        self.network.peerage_sent.append((self.network.clock.now, data))

    def send_to(self, data, address):
        self._check()
        self.sent.append((data, address))
        self.network.send(self, data, address)

    def receive(self, timeout):
        clock = self.network.clock
        # A nanosecond more: now + (wake - now) can round to just short of wake, and the caller would wait again.
        end = clock.now + max(timeout, 0) + 1e-9
        while not self.inbox:
            when = self.network.next_time()
            if when is None or when > end:
                clock.now = max(clock.now, end)
                return []
            clock.now = max(clock.now, when)
            self.network.step()
        packets, self.inbox = self.inbox, []
        return packets

    def close(self):
        pass


class FakeNetwork:
    """One segment: group datagrams reach every member (the sender too), unicast its addressee.

    ``latency`` is a number or a function of (source host, destination host);
    ``loss`` a function of (data, source host, destination host) that returns
    True to lose that datagram.
    """

    def __init__(self, latency=0.001, loss=None):
        self.clock = FakeClock()
        self.latency = latency
        self.loss = loss
        self.endpoints = []
        self.peerage_sent = []
        self.queue = []
        self._order = itertools.count()
        self._ports = itertools.count(40000)

    def endpoint(self, host, member=True):
        endpoint = Endpoint(self, host, next(self._ports), member)
        self.endpoints.append(endpoint)
        return endpoint

    def beacon(self, settings, host, rng=None):
        """A real Beacon on ``host``, answering as datagrams reach it and sending what it delays when due."""
        endpoint = self.endpoint(host)
        beacon = Beacon(settings, endpoint, clock=self.clock, wallclock=self.clock.wall, rng=rng)

        def handle(data, source):
            answered = beacon.handle(data, source)
            self._wake(endpoint, beacon)
            return answered

        def wake():
            beacon.send_due()
            self._wake(endpoint, beacon)

        endpoint.handler = handle
        endpoint.timer = wake
        return beacon

    def _wake(self, endpoint, beacon):
        """Queue a timer event for the beacon's next delayed send (one per distinct time)."""
        due = beacon.next_due()
        if due is not None and due not in endpoint.timers:
            endpoint.timers.add(due)
            heapq.heappush(self.queue, (due, next(self._order), endpoint, None, None))

    def _delay(self, source, destination):
        if callable(self.latency):
            return self.latency(source, destination)
        return self.latency

    def _queue(self, data, source, destination, delay=None):
        if self.loss and self.loss(data, source[0], destination.address[0]):
            return
        if delay is None:
            delay = self._delay(source[0], destination.address[0])
        heapq.heappush(self.queue, (self.clock.now + delay, next(self._order), destination, data, source))

    def send(self, sender, data, address):
        if address is None:
            for endpoint in self.endpoints:
                if endpoint.member:
                    self._queue(data, sender.address, endpoint)
            return
        for endpoint in self.endpoints:
            if endpoint.address == tuple(address[:2]):
                self._queue(data, sender.address, endpoint)

    def inject(self, data, source=("198.51.100.66", 45900), delay=0.0):
        """A datagram from a host outside the simulation, to every member."""
        for endpoint in self.endpoints:
            if endpoint.member:
                heapq.heappush(self.queue, (self.clock.now + delay, next(self._order), endpoint, data, source))

    def queue_at(self, when, action):
        """Run ``action()`` at ``when`` on the simulated clock (a host outside the beacons acting)."""
        endpoint = Endpoint(self, "0.0.0.0", 0, member=False)
        endpoint.timer = action
        heapq.heappush(self.queue, (when, next(self._order), endpoint, None, None))

    def next_time(self):
        return self.queue[0][0] if self.queue else None

    def step(self):
        when, _order, endpoint, data, source = heapq.heappop(self.queue)
        self.clock.now = max(self.clock.now, when)
        if data is None:
            endpoint.timers.discard(when)
            endpoint.timer()
        elif endpoint.handler is not None:
            endpoint.handler(data, source)
        else:
            endpoint.arrivals.append((self.clock.now, data))
            endpoint.inbox.append((data, source))

    def run_until(self, when):
        while self.queue and self.queue[0][0] <= when:
            self.step()
        self.clock.now = max(self.clock.now, when)
