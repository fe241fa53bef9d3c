# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The UDP wire format: round trips, and every kind of bad packet dropped under its reason."""

from __future__ import annotations

import hashlib
import hmac
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.peerage.peerage.plugins.module_utils.errors import OptionError
from ansible_collections.peerage.peerage.plugins.module_utils.node_names import validate_node_name
from ansible_collections.peerage.peerage.plugins.module_utils.udp.wire import (
    DROP_REASONS,
    KINDS,
    MAX_PACKET,
    MAX_WINDOW,
    Dropped,
    PacketFilter,
    ReplayGuard,
    decode,
    encode,
    encode_peerage,
    new_nonce,
    secret_key,
)

NOW = 1_700_000_000
KEY = secret_key("correct horse")
NONCE = "0123456789abcdef"
ECHO = "fedcba9876543210"


def reason(data, key=None, app_name="myapp", now=NOW, max_age=30, peerage_compat=False):
    with pytest.raises(Dropped) as caught:
        decode(data, app_name, key, now, max_age, peerage_compat)
    return caught.value.reason


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("secret", [None, "correct horse"])
@pytest.mark.parametrize(
    ("kind", "node", "echo"),
    [
        ("probe", None, None),
        ("probe", "myapp@10.0.0.1", None),
        ("reply", "myapp@10.0.0.2", ECHO),
        ("announce", "myapp@fd00::5", None),
        ("announce", "myapp@node-1.example.com", None),
    ],
)
def test_round_trip(secret, kind, node, echo):
    data = encode(kind, "myapp", node, secret, timestamp=NOW, nonce=NONCE, echo=echo)
    packet = decode(data, "myapp", secret_key(secret), now=NOW)
    assert packet.kind == kind
    assert packet.app_name == "myapp"
    assert packet.node == node
    assert packet.timestamp == NOW
    assert packet.nonce == NONCE
    assert packet.echo == echo
    assert packet.signed is (secret is not None)
    assert not packet.peerage


def test_layout_is_one_line_of_fields():
    data = encode("reply", "myapp", "myapp@10.0.0.2", None, timestamp=NOW, nonce=NONCE, echo=ECHO)
    assert data == b"peerage/1 reply myapp myapp@10.0.0.2 1700000000 0123456789abcdef fedcba9876543210"
    signed = encode("reply", "myapp", "myapp@10.0.0.2", "correct horse", timestamp=NOW, nonce=NONCE, echo=ECHO)
    assert signed.startswith(data + b" ")
    assert len(signed) == len(data) + 65


def test_node_names_are_sent_canonical():
    data = encode("announce", "myapp", "myapp@FD00:0::5", None, timestamp=NOW)
    assert decode(data, "myapp").node == "myapp@fd00::5"


def test_nonces_are_fresh_hex():
    nonces = {new_nonce() for _count in range(100)}
    assert len(nonces) == 100
    assert all(len(nonce) == 16 and int(nonce, 16) >= 0 for nonce in nonces)


def test_peerage_format_round_trip():
    data = encode_peerage("myapp@10.0.0.7")
    assert data == b"Peer:myapp@10.0.0.7"
    packet = decode(data, "myapp", peerage_compat=True)
    assert (packet.kind, packet.node, packet.peerage, packet.signed) == ("announce", "myapp@10.0.0.7", True, False)


# ---------------------------------------------------------------- what we refuse to send


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("shout", "myapp", None), {}, "unknown packet kind"),
        (("announce", "myapp", None), {}, "must name its node"),
        (("reply", "myapp", "myapp@10.0.0.1"), {}, "must echo"),
        (("announce", "my app", "myapp@10.0.0.1"), {}, "invalid app name"),
        (("announce", "myapp", "myapp@10.0.0.1\n"), {}, "control character"),
        (("probe", "myapp", None), {"nonce": "xyz"}, "nonce must be"),
        (("probe", "myapp", None), {"secret": ""}, "secret is empty"),
        (("announce", "a" * 200, "a" * 200 + "@" + "b" * 54), {"secret": "k"}, "exceeds the 512-byte limit"),
    ],
)
def test_encode_refuses(args, kwargs, message):
    with pytest.raises(OptionError, match=message):
        encode(*args, **kwargs)


# ---------------------------------------------------------------- drops, by reason


def test_oversized():
    assert reason(b"peerage/1 " + b"x" * MAX_PACKET) == "oversized"
    long_enough = encode("announce", "a" * 150, "a" * 150 + "@" + "b" * 60, "k", timestamp=NOW)
    assert len(long_enough) <= MAX_PACKET
    assert decode(long_enough, "a" * 150, secret_key("k"), now=NOW).node.endswith("@" + "b" * 60)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"hello world",
        b"peerage/x probe myapp - 1700000000 0123456789abcdef -",
        "peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef - \u00e9".encode("utf-8"),
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef - x y",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef  -",
        b"peerage/1 shout myapp myapp@10.0.0.1 1700000000 0123456789abcdef -",
        b"peerage/1 announce myapp myapp@10.0.0.1 -5 0123456789abcdef -",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789ABCDEF -",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123 -",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef nothex",
        b"peerage/1 reply myapp myapp@10.0.0.1 1700000000 0123456789abcdef -",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef - shortmac",
        b"peerage/1 announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef -\n",
    ],
)
def test_malformed(data):
    assert reason(data) == "malformed"
    assert reason(data, key=KEY) == "malformed"


@pytest.mark.parametrize("header", [b"peerage/2", b"peerage/0", b"peerage/9999"])
def test_other_version(header):
    data = header + b" announce myapp myapp@10.0.0.1 1700000000 0123456789abcdef - with whatever fields v2 has"
    assert reason(data) == "version"


def test_other_cluster():
    data = encode("announce", "otherapp", "otherapp@10.0.0.1", None, timestamp=NOW)
    assert reason(data) == "cluster"
    signed = encode("announce", "otherapp", "otherapp@10.0.0.1", "their secret", timestamp=NOW)
    assert reason(signed, key=KEY) == "cluster"


@pytest.mark.parametrize(
    "node",
    [
        b"myapp@10.0.0.1\x07",
        b"myapp@10.0.0.1\x1b[31m",
        b"myapp@10.0.0.1\x7f",
        b"myapp@10.0.0.1\t",
        b"my'app@10.0.0.1",
        b"myapp@@10.0.0.1",
        b"myapp@999.0.0.1",
        b"myapp",
        b"-",
    ],
)
def test_invalid_node_name(node):
    body = b"peerage/1 announce myapp " + node + b" 1700000000 0123456789abcdef -"
    assert reason(body) == "node_name"
    # A valid MAC does not make a bad name acceptable.
    signed = body + b" " + hmac.new(KEY, body, hashlib.sha256).hexdigest().encode()
    assert reason(signed, key=KEY) == "node_name"


@pytest.mark.parametrize(
    "data",
    [
        b"peerage/1 reply myapp myapp@10.0.0.1 %d %s %s\n" % (NOW, NONCE.encode(), ECHO.encode()),
        b"peerage/1 announce myapp myapp@10.0.0.1 %d %s\n -" % (NOW, NONCE.encode()),
        b"peerage/1 announce myapp myapp@10.0.0.1 %d\n %s -" % (NOW, NONCE.encode()),
        b"peerage/1\n announce myapp myapp@10.0.0.1 %d %s -" % (NOW, NONCE.encode()),
    ],
)
def test_a_trailing_newline_in_a_field_is_malformed(data):
    assert reason(data) == "malformed"


def test_a_node_name_of_another_app_is_dropped_even_when_signed():
    body = b"peerage/1 announce myapp other@10.0.0.1 %d %s -" % (NOW, NONCE.encode())
    assert reason(body) == "cluster"
    signed = body + b" " + hmac.new(KEY, body, hashlib.sha256).hexdigest().encode()
    assert reason(signed, key=KEY) == "cluster"
    with pytest.raises(OptionError, match=r"node name 'other@10\.0\.0\.1' does not start with app_name 'myapp'"):
        encode("announce", "myapp", "other@10.0.0.1")


def test_bad_mac():
    good = encode("announce", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW)
    assert decode(good, "myapp", KEY, now=NOW).signed
    assert reason(encode("announce", "myapp", "myapp@10.0.0.1", "wrong key", timestamp=NOW), key=KEY) == "mac"
    assert reason(encode("announce", "myapp", "myapp@10.0.0.1", None, timestamp=NOW), key=KEY) == "mac"
    tampered = good.replace(b"myapp@10.0.0.1", b"myapp@10.0.0.9")
    assert reason(tampered, key=KEY) == "mac"
    flipped_mac = good[:-1] + (b"0" if good[-1:] != b"0" else b"1")
    assert reason(flipped_mac, key=KEY) == "mac"


def test_every_single_byte_change_of_a_signed_packet_is_refused():
    good = encode("reply", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW, nonce=NONCE, echo=ECHO)
    for index in range(len(good)):
        for replacement in (b"0", b"a", b" ", b"\x07"):
            changed = good[:index] + replacement + good[index + 1 :]
            if changed == good:
                continue
            with pytest.raises(Dropped):
                decode(changed, "myapp", KEY, now=NOW)


def test_unsigned_packets_are_accepted_only_without_a_secret():
    unsigned = encode("announce", "myapp", "myapp@10.0.0.1", None, timestamp=NOW)
    assert decode(unsigned, "myapp").node == "myapp@10.0.0.1"
    assert reason(unsigned, key=KEY) == "mac"


@pytest.mark.parametrize("offset", [-31, 31, -3600, 10**6])
def test_stale(offset):
    data = encode("announce", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW + offset)
    assert reason(data, key=KEY) == "stale"


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_fresh_within_max_age(offset):
    data = encode("announce", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW + offset)
    assert decode(data, "myapp", KEY, now=NOW).node == "myapp@10.0.0.1"


def test_timestamps_are_not_judged_without_a_secret():
    # Anyone could forge them; refusing skewed clocks would only break unauthenticated clusters.
    data = encode("announce", "myapp", "myapp@10.0.0.1", None, timestamp=NOW - 3600)
    assert decode(data, "myapp", None, now=NOW).node == "myapp@10.0.0.1"


def test_peerage_packets():
    assert reason(b"Peer:myapp@10.0.0.7") == "peerage"
    assert reason(b"Peer:other@10.0.0.7", peerage_compat=True) == "cluster"
    assert reason(b"Peer:myapp@10.0.0.7\x07", peerage_compat=True) == "node_name"
    assert reason(b"Peer:myapp@10.0.0.\xff", peerage_compat=True) == "node_name"
    assert reason(b"Peer:" + b"a" * MAX_PACKET, peerage_compat=True) == "oversized"


def test_random_datagrams_never_raise_anything_but_dropped():
    rng = random.Random(7)
    templates = [
        encode("reply", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW, nonce=NONCE, echo=ECHO),
        b"Peer:myapp@10.0.0.1",
    ]
    for _round in range(3000):
        if rng.random() < 0.5:
            data = bytes(rng.randrange(256) for _byte in range(rng.randrange(0, 600)))
        else:
            data = bytearray(rng.choice(templates))
            for _flip in range(rng.randrange(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        for key in (None, KEY):
            try:
                packet = decode(data, "myapp", key, now=NOW, peerage_compat=key is None)
            except Dropped as exc:
                assert exc.reason in DROP_REASONS
            else:
                assert packet.node is None or "@" in packet.node


# Any bytes give a counted drop or a valid packet; with a secret, only what carries a valid MAC.

PACKET_BYTES = st.one_of(
    st.binary(max_size=600),
    # Near-valid packets: fields of the format's alphabet, so deeper checks are reached.
    st.lists(
        st.one_of(
            st.sampled_from(["peerage/1", "peerage/2", "probe", "reply", "announce", "myapp", "-", NONCE, ECHO]),
            st.sampled_from(["myapp@10.0.0.1", "other@10.0.0.1", "myapp@bad host", "%d" % NOW]),
            st.text(alphabet="0123456789abcdef@.-:\n\t", max_size=70),
        ),
        min_size=1,
        max_size=9,
    ).map(lambda fields: " ".join(fields).encode("ascii")),
    st.text(max_size=80).map(lambda text: b"Peer:" + text.encode("utf-8")),
)


def _check_accepted(packet, key, data):
    assert packet.kind in KINDS
    assert packet.app_name == "myapp"
    if packet.node is not None:
        assert validate_node_name(packet.node) == packet.node
        assert packet.node.startswith("myapp@")
    if key is not None:
        # Nothing unsigned gets past a secret: the last field is the MAC of everything before it.
        assert packet.signed and not packet.peerage
        body, _space, mac = data.rpartition(b" ")
        assert hmac.compare_digest(hmac.new(key, body, hashlib.sha256).hexdigest().encode(), mac)


@settings(max_examples=1000, deadline=None)
@given(data=PACKET_BYTES, keyed=st.booleans(), compat=st.booleans())
def test_property_any_bytes_give_a_counted_drop_or_a_valid_packet(data, keyed, compat):
    key = KEY if keyed else None
    packets = PacketFilter("myapp", "correct horse" if keyed else None, peerage_compat=compat and not keyed,
                           clock=lambda: NOW)
    packet = packets.accept(data)  # never raises
    if packet is None:
        assert sum(packets.dropped.values()) == 1
        assert set(packets.dropped) <= set(DROP_REASONS)
    else:
        assert packets.dropped == {}
        _check_accepted(packet, key, data)


@settings(max_examples=500, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    host=st.sampled_from(["10.0.0.1", "fd00::5", "node-1.example.com"]),
    offset=st.integers(min_value=-30, max_value=30),
    index=st.integers(min_value=0, max_value=10**6),
    byte=st.integers(min_value=0, max_value=255),
)
def test_property_with_a_secret_no_changed_or_unsigned_packet_is_accepted(kind, host, offset, index, byte):
    echo = ECHO if kind == "reply" else None
    signed = encode(kind, "myapp", "myapp@" + host, "correct horse", timestamp=NOW + offset, echo=echo)
    assert decode(signed, "myapp", KEY, now=NOW).signed
    unsigned = encode(kind, "myapp", "myapp@" + host, None, timestamp=NOW + offset, echo=echo)
    assert reason(unsigned, key=KEY) == "mac"
    position = index % len(signed)
    changed = signed[:position] + bytes([byte]) + signed[position + 1 :]
    if changed != signed:
        with pytest.raises(Dropped):
            decode(changed, "myapp", KEY, now=NOW)


# ---------------------------------------------------------------- replays and the filter


def test_replay_guard_keeps_a_nonce_while_its_timestamp_is_fresh():
    guard = ReplayGuard(max_age=30)
    assert not guard.seen("a", 0, timestamp=0)
    assert guard.seen("a", 30, timestamp=0)  # still fresh at timestamp + max_age
    assert not guard.seen("a", 31, timestamp=0)  # decode refuses it as stale by then
    # Stamped in the future, a packet stays fresh until its own timestamp + max_age.
    assert not guard.seen("b", 100, timestamp=130)
    assert guard.seen("b", 159, timestamp=130)


def test_replay_guard_refuses_new_nonces_rather_than_forget_fresh_ones():
    guard = ReplayGuard(max_age=30, limit=3)
    for name in "abc":
        assert not guard.seen(name, 0, timestamp=0)
    with pytest.raises(Dropped) as caught:
        guard.seen("d", 10, timestamp=10)
    assert caught.value.reason == "flood"
    assert guard.seen("a", 10, timestamp=0)  # not forgotten
    assert not guard.seen("d", 31, timestamp=31)  # a, b and c are stale now, and gone
    assert len(guard) == 1


def test_a_future_stamped_packet_is_refused_as_replay_until_it_is_stale():
    """Replayed every second from receipt until decode calls it stale, it is never accepted twice."""
    wall = [NOW]
    packets = PacketFilter("myapp", "correct horse", max_age=30, clock=lambda: wall[0])
    future = encode("announce", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW + 30)
    assert packets.accept(future) is not None
    for second in range(1, 70):
        wall[0] = NOW + second
        assert packets.accept(future) is None
    assert packets.dropped == {"replay": 60, "stale": 9}


def test_filter_counts_replays_and_unsolicited_replies():
    packets = PacketFilter("myapp", "correct horse", clock=lambda: NOW)
    reply = encode("reply", "myapp", "myapp@10.0.0.1", "correct horse", timestamp=NOW, echo=ECHO)
    assert packets.accept(reply, solicited={ECHO}).node == "myapp@10.0.0.1"
    assert packets.accept(reply, solicited={ECHO}) is None
    other = encode("reply", "myapp", "myapp@10.0.0.2", "correct horse", timestamp=NOW, echo=NONCE)
    assert packets.accept(other, solicited={ECHO}) is None
    assert packets.accept(b"junk") is None
    assert packets.dropped == {"replay": 1, "unsolicited": 1, "malformed": 1}


def test_filter_without_secret_accepts_repeats_and_any_reply():
    packets = PacketFilter("myapp")
    reply = encode("reply", "myapp", "myapp@10.0.0.1", None, echo=ECHO)
    assert packets.accept(reply, solicited={NONCE}) is not None
    assert packets.accept(reply, solicited={NONCE}) is not None
    assert packets.dropped == {}


def test_secret_must_not_be_empty():
    with pytest.raises(OptionError, match="secret is empty"):
        PacketFilter("myapp", "")
    assert secret_key(None) is None
    assert secret_key(b"k") == b"k"


# ---------------------------------------------------------------- a probe's reply window


@settings(max_examples=200)
@given(window=st.floats(0, MAX_WINDOW), secret=st.sampled_from([None, "correct horse"]),
       node=st.sampled_from([None, "myapp@10.0.0.1"]))
def test_a_probes_reply_window_round_trips_in_the_form_of_a_nonce(window, secret, node):
    data = encode("probe", "myapp", node, secret, timestamp=NOW, nonce=NONCE, window=window)
    packet = decode(data, "myapp", secret_key(secret), now=NOW)
    assert packet.kind == "probe" and packet.nonce == NONCE and packet.node == node
    assert packet.window == round(window * 1000) / 1000.0
    assert packet.echo is None
    # Where a reply's echo stands, 16 lower-case hex digits: what decoders that predate the window accept there.
    fields = data.split(b" ")
    assert len(fields) == (8 if secret else 7)
    assert re.fullmatch(rb"[0-9a-f]{16}", fields[6])


def test_a_probe_without_a_window_and_other_kinds_have_none():
    cases = (("probe", None, None), ("reply", "myapp@10.0.0.2", ECHO), ("announce", "myapp@10.0.0.3", None))
    for kind, node, echo in cases:
        assert decode(encode(kind, "myapp", node, None, timestamp=NOW, echo=echo), "myapp", now=NOW).window is None


def test_a_window_longer_than_the_most_is_read_as_the_most():
    data = b"peerage/1 probe myapp - %d %s ffffffffffffffff" % (NOW, NONCE.encode())
    assert decode(data, "myapp", now=NOW).window == MAX_WINDOW


@pytest.mark.parametrize(("kind", "window"), [("probe", -0.001), ("probe", MAX_WINDOW + 1), ("announce", 0.0)])
def test_a_window_is_sent_only_in_a_probe_and_within_bounds(kind, window):
    with pytest.raises(OptionError, match="reply window"):
        encode(kind, "myapp", "myapp@10.0.0.1", None, timestamp=NOW, window=window)
