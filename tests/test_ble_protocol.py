"""The partner message codec, HMAC, AES-CTR, replay window and counter store (CPython side)."""

import hmac as py_hmac
import hashlib
import shutil
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from link import codec as protocol
from link.auth import ctr, derive, hmac_sha256, keys
from link.channel import Channel
from link.counters import CounterStore
from link.replay import ReplayWindow

SECRET = bytes(range(100, 132))
KEYS = keys(SECRET)


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
    frame = protocol.encode(msg, KEYS, sender, counter)
    # Every frame has the one length, which fits the MTU the link asks for: the length does not
    # tell the kind of message.
    assert len(frame) == protocol.max_frame_len() == 28
    assert protocol.decode(frame, KEYS) == (protocol.OK, sender, counter, msg)


@pytest.mark.parametrize("t", sorted(SPEC))
def test_out_of_range_values_refused_on_encode(t):
    for name, (lo, hi) in SPEC[t].items():
        msg = {"t": t}
        msg.update({k: v[0] for k, v in SPEC[t].items()})
        for bad in (lo - 1, hi + 1, True, None, "1"):
            msg[name] = bad
            with pytest.raises(ValueError):
                protocol.encode(msg, KEYS, 0, 1)


def _frame():
    return protocol.encode({"t": "end", "tid": 9, "out": 2}, KEYS, 1, 5)


def _forge(plain, sender=1, counter=5, hdr=None):
    """An authentic frame around any 15-byte plaintext, built from the specification with
    CPython's own AES-CTR and HMAC (what a sender with the secret could send)."""
    key = derive(SECRET, b"enc" + bytes([sender]))
    icb = bytes([sender, 0, 0, 0]) + struct.pack(">I", counter) + bytes(8)
    body = struct.pack("<BI", 0x20 | sender if hdr is None else hdr, counter)
    body += Cipher(algorithms.AES(key), modes.CTR(icb)).encryptor().update(plain)
    mac = derive(SECRET, b"mac" + bytes([sender]))
    return body + py_hmac.new(mac, body, hashlib.sha256).digest()[:8]


def test_frame_matches_an_independent_aes_ctr_and_hmac():
    """The CTR mode built on the AES block is standard AES-CTR (checked against the host
    library's), and the frame is exactly encrypt-then-MAC as docs/link.md specifies."""
    msg = {"t": "state", "tid": 7, "el": 9000, "ph": 2, "ext": 0, "m": 1, "on": 1,
           "by": 0, "lv": 0}
    plain = bytes([6]) + struct.pack("<HIBBBBBB", 7, 9000, 2, 0, 1, 1, 0, 0)
    plain += bytes(protocol.BODY_LEN - len(plain))  # zero padding to the one body length
    for sender, counter in ((0, 0), (1, 5), (0, 2**31), (1, 2**32 - 1)):
        frame = protocol.encode(msg, KEYS, sender, counter)
        assert frame == _forge(plain, sender, counter)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=16, max_size=16), st.binary(min_size=12, max_size=12),
       st.binary(max_size=100))
def test_ctr_is_standard_over_many_blocks(key, prefix, data):
    from compat import aes_ecb

    ref = Cipher(algorithms.AES(key), modes.CTR(prefix + bytes(4))).encryptor().update(data)
    assert ctr(aes_ecb(key), prefix, data) == ref


def test_directions_have_their_own_keys():
    msg = {"t": "undo", "tid": 3}
    a, b = protocol.encode(msg, KEYS, 0, 9), protocol.encode(msg, KEYS, 1, 9)
    assert a[5:] != b[5:]  # same message, same counter: different key stream and tag
    assert a[5:19] != b[5:19] and a[19:] != b[19:]
    # A frame relabelled as the other direction's fails its tag.
    assert protocol.decode(bytes([a[0] ^ 1]) + a[1:], KEYS)[0] == protocol.R_TAG


def test_nothing_of_the_payload_is_visible():
    """Neither the type nor a field's bytes appear in the frame."""
    lat, lon = 523456789, 48765432
    f = protocol.encode({"t": "pos", "lat": lat, "lon": lon, "hdop": 91, "ft": 1764633600},
                        KEYS, 0, 1)
    assert struct.pack("<i", lat) not in f and struct.pack("<i", lon) not in f
    assert struct.pack("<ii", lat, lon)[:3] not in f[5:19]
    assert f[:5] == struct.pack("<BI", 0x20, 1)  # what stays clear: version, role, counter


def test_reject_reasons():
    f = _frame()
    assert protocol.decode(f[:10], KEYS)[0] == protocol.R_SHORT
    assert protocol.decode(f + b"\x00", KEYS)[0] == protocol.R_LENGTH
    assert protocol.decode(bytes([0x11]) + f[1:], KEYS)[0] == protocol.R_VERSION
    other = keys(b"another couple's secret 32 bytes")
    assert protocol.decode(f, other)[0] == protocol.R_TAG
    # Authentic but unknown type, padding not zero, out of range (a future or broken sender).
    def pad(plain):
        return plain + bytes(protocol.BODY_LEN - len(plain))
    assert protocol.decode(_forge(pad(bytes([99]))), KEYS)[0] == protocol.R_TYPE
    end = bytes([7]) + struct.pack("<HB", 9, 1)
    assert protocol.decode(_forge(pad(end)), KEYS)[0] == protocol.OK
    assert protocol.decode(_forge(pad(end + b"\x01")), KEYS)[0] == protocol.R_LENGTH
    zero_tid = pad(bytes([7]) + struct.pack("<HB", 0, 1))
    assert protocol.decode(_forge(zero_tid), KEYS)[0] == protocol.R_RANGE


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 26), st.integers(1, 255))
def test_any_flipped_bit_is_rejected(pos, xor):
    f = bytearray(_frame())
    f[pos % len(f)] ^= xor
    assert protocol.decode(bytes(f), KEYS)[0] != protocol.OK


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_garbage_never_crashes(data):
    reason, _, _, msg = protocol.decode(data, KEYS)
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


def _store(d, block=4):
    return CounterStore(str(d), block=block)


def test_counter_store_survives_reboot_and_never_reuses(tmp_path):
    s = _store(tmp_path / "c")
    assert s.lost and s.next_tx() is None  # no epoch yet: nothing may be sent
    s.rekey(b"12345678")
    sent = [s.next_tx() for _ in range(6)]
    s.set_rx_high(41)
    s2 = _store(tmp_path / "c")  # reboot
    assert not s2.lost and s2.rx_high == 41 and s2.epoch == b"12345678"
    assert s2.next_tx() > max(sent)
    assert s.writes <= 4  # reserved in blocks, not one write per message


def test_counter_store_power_cut_keeps_other_slot(tmp_path):
    s = _store(tmp_path / "c")
    s.rekey(b"12345678")
    for _ in range(9):
        s.next_tx()
    s.set_rx_high(7)
    newest = max((tmp_path / "c").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    newest.write_bytes(newest.read_bytes()[:5])  # torn write
    s2 = _store(tmp_path / "c")
    assert not s2.lost
    assert s2.next_tx() >= 8  # the older slot still reserved past what was sent before


@pytest.mark.parametrize("high", [2**31 - 1, 2**31, 2**32 - 1])
def test_counter_high_marks_are_unsigned_across_a_reboot(tmp_path, high):
    """A partner counter at or past 2**31 reads back as itself (it was stored signed 32-bit:
    2**31 came back negative, and every older frame was new again)."""
    s = _store(tmp_path / "c")
    s.rekey(b"12345678")
    s.set_rx_high(high)
    s2 = _store(tmp_path / "c")
    assert s2.rx_high == high
    w = ReplayWindow(s2.rx_high)
    assert w.check(high) != protocol.OK and w.check(high - 40) == protocol.R_REPLAY
    assert w.check(0) == protocol.R_REPLAY


def test_send_counter_ends_below_2_32(tmp_path):
    s = _store(tmp_path / "c")
    s.rekey(b"12345678")
    s.tx = s._reserved = 2**32 - 2
    assert [s.next_tx(), s.next_tx()] == [2**32 - 2, 2**32 - 1]
    assert s.next_tx() is None
    assert _store(tmp_path / "c").next_tx() is None  # after a reboot too


def _deliver(*chans):
    """Carry each channel's handshake frames to the other until none is left."""
    for _ in range(6):
        moved = False
        for me, other in ((chans[0], chans[1]), (chans[1], chans[0])):
            out, me.out = me.out, []
            for f in out:
                other.open(f)
                moved = True
        if not moved:
            return


def _channels(tmp_path):
    a = Channel(SECRET, 0, _store(tmp_path / "a", 32))
    b = Channel(SECRET, 1, _store(tmp_path / "b", 32))
    assert b.open(a.seal({"t": "ping"}))[0] == protocol.R_SYNC  # first boot: an ask
    _deliver(a, b)
    assert a.synced and b.synced and a.store.epoch == b.store.epoch
    return a, b


def test_channel_rejects_replay_reflection_and_counts(tmp_path):
    a, b = _channels(tmp_path)
    f1 = a.seal({"t": "undo", "tid": 3})
    assert b.open(f1)[0] == protocol.OK
    assert b.open(f1)[0] == protocol.R_DUP
    assert a.open(f1)[0] == protocol.R_REFLECT  # our own frame bounced back
    # Reboot of B: the captured frame is still refused.
    b2 = Channel(SECRET, 1, _store(tmp_path / "b", 32))
    assert b2.open(f1)[0] != protocol.OK
    assert b.stats["rej_dup"] == 1 and a.stats["rej_reflect"] == 1
    with pytest.raises(ValueError):
        a.seal({"t": "nope"})


def test_first_boot_of_both_agrees_one_epoch(tmp_path):
    a = Channel(SECRET, 0, _store(tmp_path / "a"))
    b = Channel(SECRET, 1, _store(tmp_path / "b"))
    ask_a, ask_b = a.seal({"t": "ping"}), b.seal({"t": "ping"})
    assert a.last_counter == b.last_counter == -1  # asks, not messages
    b.open(ask_a)
    a.open(ask_b)  # both asked at once: A's ask wins, A does not answer B's
    assert a.out == []
    _deliver(a, b)
    assert a.store.epoch == b.store.epoch is not None
    assert b.open(a.seal({"t": "undo", "tid": 1}))[2] == {"t": "undo", "tid": 1}
    assert a.open(b.seal({"t": "undo", "tid": 2}))[2] == {"t": "undo", "tid": 2}


@pytest.mark.parametrize("wipe", ["delete", "damage"])
def test_lost_counter_store_replays_nothing_and_the_link_recovers(tmp_path, wipe):
    a, b = _channels(tmp_path)
    old_to_b = [a.seal({"t": "undo", "tid": t}) for t in (1, 2, 3)]
    old_to_a = [b.seal({"t": "undo", "tid": t}) for t in (4, 5)]
    for f in old_to_b:
        assert b.open(f)[0] == protocol.OK
    for f in old_to_a:
        assert a.open(f)[0] == protocol.OK
    if wipe == "delete":
        shutil.rmtree(tmp_path / "b")
    else:
        for p in (tmp_path / "b").iterdir():
            p.write_bytes(bytes(len(p.read_bytes())))
    b = Channel(SECRET, 1, _store(tmp_path / "b", 32))  # B boots without its counters
    assert b.store.lost and not b.synced
    for f in old_to_b:  # what A sent before: nothing is believed, each brings an ask
        assert b.open(f)[0] == protocol.R_UNSYNCED
    assert b.stats["hs_ask"] == 3
    _deliver(a, b)
    assert a.synced and b.synced and a.store.epoch == b.store.epoch
    for f in old_to_b:  # the old epoch's frames fail their tag for good
        assert b.open(f)[0] == protocol.R_TAG
    for f in old_to_a:
        assert a.open(f)[0] == protocol.R_TAG
    assert b.open(a.seal({"t": "undo", "tid": 9}))[2] == {"t": "undo", "tid": 9}
    assert a.open(b.seal({"t": "undo", "tid": 8}))[2] == {"t": "undo", "tid": 8}
    # The new epoch survives B's next reboot.
    assert not _store(tmp_path / "b").lost


def test_a_replayed_handshake_changes_nothing(tmp_path):
    a, b = _channels(tmp_path)
    epoch = a.store.epoch
    shutil.rmtree(tmp_path / "b")
    lost = Channel(SECRET, 1, _store(tmp_path / "b"), urandom=lambda n: b"\x07" * n)
    ask = lost.seal({"t": "ping"})
    a.open(ask)
    answer = a.out.pop()
    assert a.store.epoch == epoch  # an ask alone moves nothing: only its partner's first
    # frame under the offered epoch does. An answer replayed to a device that did not ask:
    assert b.open(answer)[0] == protocol.R_TAG
    # A recorded ask replayed again and again costs at most a bounded number of answers.
    for _ in range(40):
        a.open(ask)
        a.out = []
    assert a.stats["hs_refused"] > 0 and a.store.epoch == epoch
    f = b.seal({"t": "undo", "tid": 4})  # the old partner's frames still open
    assert a.open(f)[0] == protocol.OK


def test_counters_used_up_bring_a_new_epoch(tmp_path):
    a, b = _channels(tmp_path)
    a.store.tx = a.store._reserved = 2**32 - 1
    last = a.seal({"t": "undo", "tid": 1})
    assert a.last_counter == 2**32 - 1 and b.open(last)[0] == protocol.OK
    b.open(a.seal({"t": "undo", "tid": 2}))  # no counter left: an ask instead
    assert not a.synced
    _deliver(a, b)
    assert a.synced and a.store.tx <= 2
    assert b.open(a.seal({"t": "undo", "tid": 3}))[2] == {"t": "undo", "tid": 3}
    assert b.open(last)[0] == protocol.R_TAG


def test_an_answer_whose_offer_was_lost_is_asked_again(tmp_path):
    """Replayed asks push the real offer out of the partner's two: the asking side took the
    epoch, the partner never did. After enough of the partner's frames fail it asks again."""
    a, b = _channels(tmp_path)
    old_asks = []
    for _ in range(2):
        shutil.rmtree(tmp_path / "b")
        lost = Channel(SECRET, 1, _store(tmp_path / "b"))
        old_asks.append(lost.seal({"t": "ping"}))
        a.open(old_asks[-1])
        a.out = []
    shutil.rmtree(tmp_path / "b")
    b = Channel(SECRET, 1, _store(tmp_path / "b", 32))
    a.open(b.seal({"t": "ping"}))  # the real ask, answered
    answer = a.out.pop()
    for ask in old_asks:  # replayed before B's confirmation arrives: the real offer is gone
        a.open(ask)
        a.out = []
    b.open(answer)
    b.out = []  # B's ping under the new epoch: A no longer holds that offer anyway
    assert b.synced and a.store.epoch != b.store.epoch
    for t in range(1, 9):
        b.open(a.seal({"t": "undo", "tid": t}))
    assert not b.synced or b.out  # B gave up on the epoch and asks again
    _deliver(a, b)
    assert a.store.epoch == b.store.epoch
    assert b.open(a.seal({"t": "undo", "tid": 20}))[2] == {"t": "undo", "tid": 20}
