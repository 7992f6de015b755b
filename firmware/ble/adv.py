"""Advertising payload: a rotating identifier only the partner can recognise. Pure functions.

The payload is the Flags AD plus one 128-bit service UUID whose 16 bytes are the identifier:
8 random bytes (changed every rotation) and the first 8 bytes of HMAC(adv key, random || role).
No name, no fixed UUID, no manufacturer data: a scanner sees a random UUID that changes.
"""

from compat import const

from link.auth import same

_AD_FLAGS = const(0x01)
_AD_UUID128_MORE = const(0x06)
_AD_UUID128_ALL = const(0x07)
_FLAGS_LE_ONLY = const(0x06)  # general discoverable, BR/EDR not supported
IDENT_LEN = const(16)
_RAND_LEN = const(8)


def make_ident(adv_mac, rand8, role):
    """The 16-byte identifier for this rotation (rand8: 8 fresh random bytes)."""
    rand8 = bytes(rand8[:_RAND_LEN])
    return rand8 + adv_mac.digest(rand8 + bytes((role,)))[:_RAND_LEN]


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


def is_from(adv_mac, ident, role):
    """True when ident was made with our secret by the device of the given role."""
    if ident is None or len(ident) != IDENT_LEN:
        return False
    expect = adv_mac.digest(ident[:_RAND_LEN] + bytes((role,)))[:_RAND_LEN]
    return same(expect, ident[_RAND_LEN:])
