"""HMAC-SHA256 built on `hashlib` (MicroPython has no `hmac`), key derivation and tag compare.

Pure functions only: no I/O, no state besides the precomputed key pads.
"""

import hashlib

_BLOCK = 64


class Hmac:
    """HMAC-SHA256 with a fixed key (pads precomputed once)."""

    def __init__(self, key):
        key = bytes(key)
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key + bytes(_BLOCK - len(key))
        self._ipad = bytes([b ^ 0x36 for b in key])
        self._opad = bytes([b ^ 0x5C for b in key])

    def digest(self, msg):
        inner = hashlib.sha256(self._ipad)
        inner.update(msg)
        outer = hashlib.sha256(self._opad)
        outer.update(inner.digest())
        return outer.digest()


def hmac_sha256(key, msg):
    """The full 32-byte HMAC-SHA256 of msg under key."""
    return Hmac(key).digest(msg)


def derive(secret, label):
    """A sub-key for one purpose (b"msg", b"adv", ...) so one key never serves two uses."""
    return hmac_sha256(secret, b"derive:" + label)


def same(a, b):
    """Compare two tags in time independent of where they differ."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
