"""Advertising payload: an identifier bound to a time slot that only the partner can read.

The payload is the Flags AD plus one 128-bit service UUID whose 16 bytes are the identifier:
4 random bytes (new each slot), the 4-byte slot word masked with HMAC(adv key, "p" || nonce ||
role), and 8 bytes of HMAC(adv key, "t" || nonce || role || word). No name, no fixed UUID, no
manufacturer data: a scanner sees a random UUID that changes every slot.

The slot word says which clock made it: bit 31 set, the wall clock's slot (Unix s // SLOT_S);
clear, this boot's monotonic slot (bits 0-19) under a random boot id (bits 20-30), for a
device whose wall clock is not set yet. `Freshness` judges a partner's word: pure functions
and one small class, no I/O.
"""

from compat import const

from link.auth import same

_AD_FLAGS = const(0x01)
_AD_UUID128_MORE = const(0x06)
_AD_UUID128_ALL = const(0x07)
_FLAGS_LE_ONLY = const(0x06)  # general discoverable, BR/EDR not supported
IDENT_LEN = const(16)
_NONCE_LEN = const(4)
SLOT_S = const(60)  # an identifier is valid for this slot and its two neighbours
_WALL_BIT = const(31)
_MONO_MASK = const(0xFFFFF)  # 2**20 one-minute slots: about two years of uptime
_BOOT_SHIFT = const(20)

FRESH = const(1)  # in the slot window of a clock both sides share: counts for near
UNKNOWN = const(0)  # authentic, but no shared clock yet: may start a connection, not near
STALE = const(-1)  # authentic but out of its slot, or older than one heard already: dropped


def slot_word(epoch_s, boot_id, mono_s):
    """Our slot word: from the wall clock (Unix seconds) when set, else from mono_s (seconds
    since this boot) under boot_id (0..2047)."""
    if epoch_s is not None:
        return 1 << _WALL_BIT | (epoch_s // SLOT_S) & 0x7FFFFFFF
    return (boot_id & 0x7FF) << _BOOT_SHIFT | (mono_s // SLOT_S) & _MONO_MASK


def _split(word):
    """(regime, slot): regime -1 for the wall clock, else the boot id."""
    if word >> _WALL_BIT:
        return -1, word & 0x7FFFFFFF
    return word >> _BOOT_SHIFT, word & _MONO_MASK


def _pad(adv_mac, nonce, role):
    return adv_mac.digest(b"p" + nonce + bytes((role,)))


def _tag(adv_mac, nonce, role, wbytes):
    return adv_mac.digest(b"t" + nonce + bytes((role,)) + wbytes)[:8]


def make_ident(adv_mac, nonce, role, word):
    """The 16-byte identifier for slot word `word` (nonce: 4 fresh random bytes)."""
    nonce = bytes(nonce[:_NONCE_LEN])
    wbytes = word.to_bytes(4, "big")
    pad = _pad(adv_mac, nonce, role)
    masked = bytes(wbytes[i] ^ pad[i] for i in range(4))
    return nonce + masked + _tag(adv_mac, nonce, role, wbytes)


def open_ident(adv_mac, ident, role):
    """The slot word of an identifier made with our secret by the device of `role`, or None
    (not ours, the wrong role, or malformed)."""
    if ident is None or len(ident) != IDENT_LEN:
        return None
    nonce = bytes(ident[:_NONCE_LEN])
    pad = _pad(adv_mac, nonce, role)
    wbytes = bytes(ident[4 + i] ^ pad[i] for i in range(4))
    if not same(_tag(adv_mac, nonce, role, wbytes), bytes(ident[8:IDENT_LEN])):
        return None
    return int.from_bytes(wbytes, "big")


def payload(ident):
    """The advertising data bytes carrying ident."""
    return bytes((2, _AD_FLAGS, _FLAGS_LE_ONLY, 1 + IDENT_LEN, _AD_UUID128_ALL)) + ident


def find_ident(adv_data):
    """The first 128-bit service UUID in an advertising payload, or None. Tolerates garbage."""
    i = 0
    n = len(adv_data)
    while i + 1 < n:
        length = adv_data[i]
        if length == 0 or i + 1 + length > n:
            return None
        kind = adv_data[i + 1]
        if kind in (_AD_UUID128_MORE, _AD_UUID128_ALL) and length >= 1 + IDENT_LEN:
            return bytes(adv_data[i + 2: i + 2 + IDENT_LEN])
        i += 1 + length
    return None


class Freshness:
    """Which of the partner's slot words are current, by our clocks.

    A word is FRESH when it lies within one slot of what we expect and is not older than the
    newest one accepted: both wall clocks set (the expectation is our wall slot), or an offset
    between the partner's slots and our monotonic ones learnt on the current authenticated
    connection (`learn`). Without either it is UNKNOWN. A replayed advert is therefore STALE
    once the partner's next slot has been heard, or once it is more than a slot old.
    """

    def __init__(self):
        self._high = None  # (regime, slot) of the newest FRESH word
        self._off = None  # (regime, partner slot - our monotonic slot)
        self._mine = None  # our wall slot at the last judgement: a clock set back resets _high

    def judge(self, word, wall_slot, mono_slot):
        regime, slot = _split(word)
        if wall_slot is not None:
            if self._mine is not None and wall_slot < self._mine:
                self._high = None
            self._mine = wall_slot
        high = self._high
        if high is not None and high[0] == regime and slot < high[1]:
            return STALE
        expected = False
        if regime == -1 and wall_slot is not None:
            expected = True
            if wall_slot - 1 <= slot <= wall_slot + 1:
                return self._accept(regime, slot)
        off = self._off
        if off is not None and off[0] == regime:  # also when the two wall clocks disagree
            expected = True
            if mono_slot + off[1] - 1 <= slot <= mono_slot + off[1] + 1:
                return self._accept(regime, slot)
        return STALE if expected else UNKNOWN

    def _accept(self, regime, slot):
        self._high = (regime, slot)
        return FRESH

    def reset(self):
        """A new authenticated connection: the partner may have rebooted or had its clock
        set since, so the offset and the newest slot are learnt again (`learn`)."""
        self._off = None
        self._high = None

    def learn(self, word, mono_slot):
        """A word heard while the partner is proven present: the newest sets the offset."""
        regime, slot = _split(word)
        off = slot - mono_slot
        if self._off is None or self._off[0] != regime or off > self._off[1]:
            self._off = (regime, off)
