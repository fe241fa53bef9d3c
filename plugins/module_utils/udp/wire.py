# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.

"""The UDP wire format: encode, sign, decode and verify discovery packets.

A packet is one line of ASCII, fields separated by single spaces::

    peerage/1 <kind> <app_name> <node|-> <timestamp> <nonce> <echo|-> [<mac>]

``kind`` is ``probe`` (who is there?), ``reply`` (an answer to one probe,
``echo`` holding that probe's nonce) or ``announce`` (sent unprompted by a
beacon). A probe has no nonce to echo; in its ``echo`` field it may carry a
reply window instead: milliseconds, as 16 hex digits, within which the
prober can take every reply (its receive buffer holds them), so a beacon
answers within that window by unicast alone. Decoders of this format that
predate the window accept such a probe (the field has the form of a nonce)
and answer it as any other. ``node`` is the sender's node name (``-`` in a probe that does not
name its sender), ``timestamp`` whole seconds since the Unix epoch, ``nonce``
16 random hex digits. With a shared secret the last field is the
HMAC-SHA256, in hex, of every byte before it (the separating space
included). At most :data:`MAX_PACKET` bytes.

Peerage's own ``Udp`` provider sends ``Peer:<node name>``; that form can be
read (opt-in) and written, for mixed clusters.

Decoding never raises on what the network sends: a packet is either
accepted or dropped, and every drop is counted under one reason word
(:data:`DROP_REASONS`), so nothing malformed reaches a caller.

Runs on targets too: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import hashlib
import heapq
import hmac
import os
import re
import time
from collections import namedtuple

from ansible_collections.peerage.peerage.plugins.module_utils.errors import NodeNameError, OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import (
    validate_app_name,
    validate_node_name,
)

MAGIC = "peerage"
VERSION = 1
# Small enough to never fragment, large enough for two 255-character names.
MAX_PACKET = 512
KINDS = ("probe", "reply", "announce")
PEERAGE_PREFIX = b"Peer:"
NONCE_HEX_DIGITS = 16
MAC_HEX_DIGITS = 64
NO_VALUE = "-"
# The longest reply window a probe may ask for, in seconds; a beacon never waits longer than its own spread.
MAX_WINDOW = 60.0

DROP_REASONS = (
    "oversized",  # longer than MAX_PACKET
    "malformed",  # not a packet of this format at all
    "version",  # our format, another version
    "peerage",  # a Peerage 'Peer:' packet while peerage_compat is off
    "cluster",  # another app_name, or a node name that does not start with it
    "mac",  # missing or wrong HMAC while a secret is set
    "stale",  # timestamp further than max_age from this host's clock
    "replay",  # a nonce already seen
    "flood",  # more fresh signed nonces than the replay guard holds
    "unsolicited",  # a signed reply to a probe this prober did not send
    "node_name",  # the node name is not a valid node name
    "self",  # this host's own node name while include_self is off
    "rate",  # a beacon's reply limit per prober address was reached
)

# \Z, not $: $ also matches before a trailing newline, which would let one through.
_NONCE_RE = re.compile(r"\A[0-9a-f]{%d}\Z" % NONCE_HEX_DIGITS)
_MAC_RE = re.compile(r"\A[0-9a-f]{%d}\Z" % MAC_HEX_DIGITS)
_TIMESTAMP_RE = re.compile(r"\A[0-9]{1,12}\Z")
_VERSION_RE = re.compile(r"\A%s/([0-9]{1,4})\Z" % MAGIC)

Packet = namedtuple(
    "Packet", ["kind", "app_name", "node", "timestamp", "nonce", "echo", "signed", "peerage", "window"]
)
"""A decoded packet. ``node`` is canonical or None; ``peerage`` is true for a ``Peer:`` packet;
``window`` is a probe's reply window in seconds, or None."""


class Dropped(Exception):
    """A received packet is refused; ``reason`` is one of :data:`DROP_REASONS`."""

    def __init__(self, reason, detail=""):
        super(Dropped, self).__init__("%s%s" % (reason, ": " + detail if detail else ""))
        self.reason = reason


def new_nonce():
    """16 hex digits from the system's random source."""
    return binascii.hexlify(os.urandom(NONCE_HEX_DIGITS // 2)).decode("ascii")


def secret_key(secret):
    """The HMAC key for ``secret`` (None: no authentication); refuse an empty secret.

    An empty string most likely comes from an unset variable; treating it as
    "no secret" would silently turn authentication off.
    """
    if secret is None:
        return None
    if isinstance(secret, bytes):
        key = secret
    elif isinstance(secret, str):
        key = secret.encode("utf-8")
    else:
        raise OptionError("secret must be a string")
    if not key:
        raise OptionError("secret is empty; omit it to run without authentication, or give a non-empty value")
    return key


def _mac(key, body):
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")


def encode(kind, app_name, node=None, secret=None, timestamp=None, nonce=None, echo=None, window=None):
    """Build one packet (bytes). ``secret`` is a string, bytes or None; ``window`` (seconds) only in a probe.

    Raises :class:`OptionError` for values this host should never send (an
    invalid name, a packet over :data:`MAX_PACKET`).
    """
    if kind not in KINDS:
        raise OptionError("unknown packet kind %r; expected one of %s" % (kind, ", ".join(KINDS)))
    validate_app_name(app_name)
    if node is None:
        if kind != "probe":
            raise OptionError("a %s packet must name its node" % kind)
        node_field = NO_VALUE
    else:
        node_field = node_of_app(node, app_name)
    if kind == "reply" and echo is None:
        raise OptionError("a reply packet must echo the nonce of the probe it answers")
    if window is not None:
        if kind != "probe" or not 0 <= window <= MAX_WINDOW:
            raise OptionError(
                "a reply window is sent only in a probe, from 0 to %s seconds, got %r" % (MAX_WINDOW, window)
            )
        echo = "%0*x" % (NONCE_HEX_DIGITS, round(window * 1000))
    nonce = nonce or new_nonce()
    for label, value in (("nonce", nonce), ("echo", echo)):
        if value is not None and not _NONCE_RE.match(value):
            raise OptionError("%s must be %d lower-case hex digits, got %r" % (label, NONCE_HEX_DIGITS, value))
    if timestamp is None:
        timestamp = time.time()
    fields = [
        "%s/%d" % (MAGIC, VERSION),
        kind,
        app_name,
        node_field,
        "%d" % int(timestamp),
        nonce,
        echo or NO_VALUE,
    ]
    body = " ".join(fields).encode("ascii")
    key = secret_key(secret)
    packet = body if key is None else body + b" " + _mac(key, body)
    if len(packet) > MAX_PACKET:
        raise OptionError(
            "packet of %d bytes exceeds the %d-byte limit; use a shorter node name" % (len(packet), MAX_PACKET)
        )
    return packet


def node_of_app(node, app_name):
    """``node``, validated, if its name part is ``app_name``; else :class:`OptionError`.

    A packet speaks for one cluster: a node name of another app in it is
    either a mistake or an attempt to slip a name past the ``cluster`` check.
    """
    node = validate_node_name(node)
    if node.partition("@")[0] != app_name:
        raise OptionError("node name %r does not start with app_name %r and '@'" % (node, app_name))
    return node


def check_packet_size(app_name, node_name, secret):
    """Refuse settings whose largest packet (a signed reply) would exceed :data:`MAX_PACKET`.

    Checked when settings are made, so a beacon never starts with a name it
    cannot send. Raises :class:`OptionError` naming the values and the limit.
    """
    size = largest_packet_size(app_name, node_name, secret_key(secret) is not None)
    if size > MAX_PACKET:
        raise OptionError(
            "app_name %r (%d characters) and node_name %r (%d characters)%s make packets of %d bytes, over the "
            "%d-byte limit; shorten them by %d characters"
            % (
                _shortened(app_name),
                len(app_name),
                _shortened(node_name or NO_VALUE),
                len(node_name or ""),
                " with a secret" if secret is not None else "",
                size,
                MAX_PACKET,
                size - MAX_PACKET,
            )
        )


def largest_packet_size(app_name, node_name, signed):
    """The bytes of a reply (the longest kind) from ``node_name``, with a 10-digit timestamp (until 2286)."""
    fields = ["%s/%d" % (MAGIC, VERSION), "reply", app_name, node_name or NO_VALUE, "0" * 10, "0" * 16, "0" * 16]
    if signed:
        fields.append("0" * MAC_HEX_DIGITS)
    return len(" ".join(fields))


def _shortened(text, keep=40):
    return text if len(text) <= keep else text[:keep] + "..."


def encode_peerage(node):
    """A Peerage-style announcement, ``Peer:<node>``."""
    return PEERAGE_PREFIX + validate_node_name(node).encode("ascii")


def _checked_node(value):
    try:
        return validate_node_name(value)
    except NodeNameError:
        raise Dropped("node_name", repr(value)[:80])


def _decode_peerage(data, app_name):
    try:
        text = data[len(PEERAGE_PREFIX):].decode("ascii")
    except UnicodeDecodeError:
        raise Dropped("node_name", "not ASCII")
    node = _checked_node(text)
    if node.partition("@")[0] != app_name:
        raise Dropped("cluster")
    return Packet("announce", app_name, node, None, None, None, False, True, None)


def decode(data, app_name, key=None, now=None, max_age=30, peerage_compat=False):
    """Decode and verify one datagram; return a :data:`Packet` or raise :class:`Dropped`.

    ``key`` comes from :func:`secret_key`. With a key, unsigned packets, bad
    MACs and timestamps further than ``max_age`` seconds from ``now`` are
    refused. Replays are the caller's to judge (:class:`ReplayGuard`), since
    only it knows which nonces it has seen.
    """
    if len(data) > MAX_PACKET:
        raise Dropped("oversized", "%d bytes" % len(data))
    if data.startswith(PEERAGE_PREFIX):
        if not peerage_compat:
            raise Dropped("peerage")
        return _decode_peerage(data, app_name)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise Dropped("malformed", "not ASCII")
    fields = text.split(" ")
    version = _VERSION_RE.match(fields[0])
    if not version:
        raise Dropped("malformed", "no %s header" % MAGIC)
    if int(version.group(1)) != VERSION:
        raise Dropped("version", fields[0])
    if len(fields) not in (7, 8):
        raise Dropped("malformed", "%d fields" % len(fields))
    kind, sender_app, node, timestamp, nonce, echo = fields[1:7]
    if kind not in KINDS or not _TIMESTAMP_RE.match(timestamp) or not _NONCE_RE.match(nonce):
        raise Dropped("malformed", "bad kind, timestamp or nonce")
    if echo != NO_VALUE and not _NONCE_RE.match(echo):
        raise Dropped("malformed", "bad echo")
    if kind == "reply" and echo == NO_VALUE:
        raise Dropped("malformed", "reply without echo")
    signed = len(fields) == 8
    if signed and not _MAC_RE.match(fields[7]):
        raise Dropped("malformed", "bad mac field")
    if sender_app != app_name:
        raise Dropped("cluster")
    if key is not None:
        if not signed:
            raise Dropped("mac", "unsigned")
        body = data[: len(data) - MAC_HEX_DIGITS - 1]
        if not hmac.compare_digest(_mac(key, body), fields[7].encode("ascii")):
            raise Dropped("mac")
        if now is None:
            now = time.time()
        if abs(now - int(timestamp)) > max_age:
            raise Dropped("stale", "%ds off" % int(now - int(timestamp)))
    if node == NO_VALUE:
        if kind != "probe":
            raise Dropped("node_name", "no node name")
        node = None
    else:
        node = _checked_node(node)
        if node.partition("@")[0] != sender_app:
            raise Dropped("cluster", "node %r in a packet of %r" % (node[:80], sender_app))
    window = None
    if echo == NO_VALUE:
        echo = None
    elif kind == "probe":
        window, echo = min(int(echo, 16) / 1000.0, MAX_WINDOW), None
    return Packet(kind, sender_app, node, int(timestamp), nonce, echo, signed, False, window)


class ReplayGuard:
    """Remembers each nonce for as long as its packet can pass :func:`decode`'s freshness check.

    A packet stamped ``timestamp`` is fresh until ``timestamp + max_age`` on
    this host's clock, also when it was stamped in the future; its nonce is
    kept exactly that long, so a replay is refused as ``replay`` until
    :func:`decode` refuses it as ``stale``. At most ``limit`` nonces are
    kept: forgetting a fresh one would let its packet be replayed, so when
    the guard is full of fresh nonces, new packets are refused instead
    (:class:`Dropped` ``flood``). Only packets with a valid MAC get here.
    """

    def __init__(self, max_age=30, limit=65536):
        self.max_age = max_age
        self.limit = limit
        self._expiry = {}  # nonce -> the last moment its packet is fresh
        self._queue = []  # heap of (expiry, nonce)

    def __len__(self):
        return len(self._expiry)

    def seen(self, nonce, now, timestamp=None):
        """Record ``nonce`` of a packet stamped ``timestamp`` (default ``now``); True if already recorded.

        Raises :class:`Dropped` ``flood`` when the guard is full of nonces that are still fresh.
        """
        while self._queue and self._queue[0][0] < now:
            _expiry, old = heapq.heappop(self._queue)
            del self._expiry[old]
        if nonce in self._expiry:
            return True
        if len(self._expiry) >= self.limit:
            raise Dropped("flood", "%d fresh nonces" % len(self._expiry))
        expiry = (now if timestamp is None else timestamp) + self.max_age
        self._expiry[nonce] = expiry
        heapq.heappush(self._queue, (expiry, nonce))
        return False


class PacketFilter:
    """Decode packets for one cluster and count every drop by reason.

    ``accept`` returns a :data:`Packet` or None; ``dropped`` maps reason to
    count. With a key, nonces are remembered to refuse replays, and a reply
    must echo one of ``solicited`` (the nonces of our own probes) when that
    set is given.
    """

    def __init__(self, app_name, secret=None, max_age=30, peerage_compat=False, clock=time.time):
        self.app_name = validate_app_name(app_name)
        self.key = secret_key(secret)
        self.max_age = max_age
        self.peerage_compat = peerage_compat
        self.clock = clock
        self.guard = ReplayGuard(max_age)
        self.dropped = {}

    def count(self, reason):
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def accept(self, data, solicited=None):
        now = self.clock()
        try:
            packet = decode(data, self.app_name, self.key, now, self.max_age, self.peerage_compat)
            if self.key is not None:
                if self.guard.seen(packet.nonce, now, packet.timestamp):
                    raise Dropped("replay")
                if packet.kind == "reply" and solicited is not None and packet.echo not in solicited:
                    raise Dropped("unsolicited")
        except Dropped as exc:
            self.count(exc.reason)
            return None
        return packet
