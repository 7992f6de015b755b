"""The partner message codec, HMAC, replay window and counter store (CPython side)."""

import hmac as py_hmac
import hashlib
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from link import codec as protocol
from link.auth import Hmac, derive, hmac_sha256
from link.channel import Channel
from link.counters import CounterStore
from link.replay import ReplayWindow

SECRET = bytes(range(100, 132))
MAC = Hmac(derive(SECRET, b"msg"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=150), st.binary(max_size=300))
def test_hmac_matches_cpython(key, msg):
    assert hmac_sha256(key, msg) == py_hmac.new(key, msg, hashlib.sha256).digest()


# Independent description of the message set from the specification (not from the table).
SPEC = {
    "start": {"tid": (1, 0xFFFF), "by": (0, 1), "why": (0, 1), "el": (0, 0xFFFFFFFF),
              "lv": (0, 1)},
    "undo": {"tid": (1, 0xFFFF)},
    "prop": {"pid": (1, 0xFFFF)},
    "acc": {"pid": (1, 0xFFFF)},
    "mood": {"tid": (1, 0xFFFF), "seq": (0, 255), "m": (0, 3), "fin": (0, 1)},
    "state": {"tid": (0, 0xFFFF), "el": (0, 0xFFFFFFFF), "ph": (0, 255),
              "ext": (0, 255), "m": (0, 3), "on": (0, 1), "by": (0, 1), "lv": (0, 1)},
    "end": {"tid": (1, 0xFFFF), "out": (0, 255)},
    "pos": {"lat": (-900000000, 900000000), "lon": (-1800000000, 1800000000),
            "hdop": (0, 0xFFFF), "ft": (0, 0xFFFFFFFF)},
}


@st.composite
def messages(draw):
    t = draw(st.sampled_from(sorted(SPEC)))
    msg = {"t": t}
    for name, (lo, hi) in SPEC[t].items():
        msg[name] = draw(st.integers(lo, hi))
    return msg


@settings(max_examples=300, deadline=None)
@given(messages(), st.integers(0, 1), st.integers(0, 0xFFFFFFFF))
def test_roundtrip_every_type(msg, sender, counter):
    frame = protocol.encode(msg, MAC, sender, counter)
    assert len(frame) <= protocol.max_frame_len() <= 61  # fits the MTU the link asks for
    assert protocol.decode(frame, MAC) == (protocol.OK, sender, counter, msg)


@pytest.mark.parametrize("t", sorted(SPEC))
def test_out_of_range_values_refused_on_encode(t):
    for name, (lo, hi) in SPEC[t].items():
        msg = {"t": t}
        msg.update({k: v[0] for k, v in SPEC[t].items()})
        for bad in (lo - 1, hi + 1, True, None, "1"):
            msg[name] = bad
            with pytest.raises(ValueError):
                protocol.encode(msg, MAC, 0, 1)


def _frame():
    return protocol.encode({"t": "end", "tid": 9, "out": 2}, MAC, 1, 5)


def _retag(body):
    return body + MAC.digest(body)[:8]


def test_reject_reasons():
    f = _frame()
    assert protocol.decode(f[:10], MAC)[0] == protocol.R_SHORT
    assert protocol.decode(bytes([0x21]) + f[1:], MAC)[0] == protocol.R_VERSION
    assert protocol.decode(f[:1] + bytes([99]) + f[2:], MAC)[0] == protocol.R_TYPE
    assert protocol.decode(f[:-8] + b"\x00" + f[-8:], MAC)[0] == protocol.R_LENGTH
    other = Hmac(derive(b"another couple's secret 32 bytes", b"msg"))
    assert protocol.decode(f, other)[0] == protocol.R_TAG
    # Authentic but out of range (a future or broken sender): tid 0 in an "end" message.
    body = struct.pack("<BBIHB", 0x11, 7, 5, 0, 1)
    assert protocol.decode(_retag(body), MAC)[0] == protocol.R_RANGE


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 26), st.integers(1, 255))
def test_any_flipped_bit_is_rejected(pos, xor):
    f = bytearray(_frame())
    f[pos % len(f)] ^= xor
    assert protocol.decode(bytes(f), MAC)[0] != protocol.OK


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_garbage_never_crashes(data):
    reason, _, _, msg = protocol.decode(data, MAC)
    assert reason != protocol.OK and msg is None


def test_replay_window():
    w = ReplayWindow()
    for c in (5, 3, 7):
        assert w.check(c) == protocol.OK
        w.accept(c)
    assert w.check(5) == protocol.R_DUP
    assert w.check(6) == protocol.OK  # late but unseen (SMS may reorder)
    w.accept(100)
    assert w.check(69) == protocol.OK
    assert w.check(68) == protocol.R_REPLAY
    # After a reboot only the high mark survives: everything at or below it is refused.
    w2 = ReplayWindow(100)
    assert w2.check(99) != protocol.OK and w2.check(100) != protocol.OK
    assert w2.check(101) == protocol.OK


def test_counter_store_survives_reboot_and_never_reuses(tmp_path):
    d = str(tmp_path / "c")
    s = CounterStore(d, block=4)
    assert s.recovered
    sent = [s.next_tx() for _ in range(6)]
    s.set_rx_high(41)
    s2 = CounterStore(d, block=4)  # reboot
    assert not s2.recovered and s2.rx_high == 41
    assert s2.next_tx() > max(sent)
    assert s.writes <= 3  # reserved in blocks, not one write per message


def test_counter_store_power_cut_keeps_other_slot(tmp_path):
    d = str(tmp_path / "c")
    s = CounterStore(d, block=4)
    for _ in range(9):
        s.next_tx()
    s.set_rx_high(7)
    newest = max((tmp_path / "c").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    newest.write_bytes(newest.read_bytes()[:5])  # torn write
    s2 = CounterStore(d, block=4)
    assert not s2.recovered
    assert s2.next_tx() >= 8  # the older slot still reserved past what was sent before


def _channels(tmp_path):
    a = Channel(SECRET, 0, CounterStore(str(tmp_path / "a")))
    b = Channel(SECRET, 1, CounterStore(str(tmp_path / "b")))
    return a, b


def test_channel_rejects_replay_reflection_and_counts(tmp_path):
    a, b = _channels(tmp_path)
    f1 = a.seal({"t": "undo", "tid": 3})
    assert b.open(f1)[0] == protocol.OK
    assert b.open(f1)[0] == protocol.R_DUP
    assert a.open(f1)[0] == protocol.R_REFLECT  # our own frame bounced back
    # Reboot of B: the captured frame is still refused.
    b2 = Channel(SECRET, 1, CounterStore(str(tmp_path / "b")))
    assert b2.open(f1)[0] != protocol.OK
    assert b.stats == {"rej_dup": 1} and a.stats == {"rej_reflect": 1}
    with pytest.raises(ValueError):
        a.seal({"t": "nope"})
