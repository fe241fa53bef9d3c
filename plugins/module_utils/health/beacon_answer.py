# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""Wait until a UDP beacon answers a probe as the node it serves: the health gate of a beacon service.

A beacon has no TCP port: it is up once a probe on its group hears its own
node name. The probe (the ``udp`` provider's) re-sends every ``interval``
seconds, so a beacon that takes a moment to start is heard as soon as it
answers, and other beacons of the cluster answering first do not end it.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError, PeerageError
from ansible_collections.peerage.peerage.plugins.module_utils.providers import udp


class BeaconSilent(PeerageError):
    """The beacon was not heard before the deadline; ``waited`` and ``heard`` (other node names) say more."""

    def __init__(self, message, waited, heard):
        super(BeaconSilent, self).__init__(message)
        self.waited = waited
        self.heard = heard


def wait_for_beacon(options, node_name, timeout, probe=udp.probe, clock=time.monotonic):
    """Probe with ``options`` (the ``udp`` provider's) until ``node_name`` answers; return the seconds waited.

    Raises :class:`BeaconSilent` naming the node, the seconds waited and
    what the probe heard instead.
    """
    if not node_name:
        raise OptionError("the beacon health gate needs the beacon's node name")
    if timeout is None or timeout <= 0:
        raise OptionError("the beacon health gate needs a timeout of more than 0 seconds, got %r" % (timeout,))
    # Its own answer is the one wanted; no count or quiet spell ends the probe before it.
    settings = dict(options or {}, include_self=True, expect=0, settle=0, timeout=timeout)
    started = clock()
    result = probe(settings, until=lambda found: node_name in found)
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
