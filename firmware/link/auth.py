"""HMAC-SHA256 built on `hashlib` (MicroPython has no `hmac`), AES-CTR built on the AES block
(`compat.aes_ecb`), key derivation, the keys of each direction and tag compare.

Pure functions only: no I/O, no state besides the precomputed key pads and AES key schedules.
"""

import hashlib
import struct

from compat import aes_ecb

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
    """A sub-key for one purpose (b"enc0", b"adv", ...) so one key never serves two uses."""
    return hmac_sha256(secret, b"derive:" + label)


def ctr(aes, prefix, data):
    """AES-CTR (NIST SP 800-38A) over data: counter block i = prefix (12 bytes) || i (u32 BE).
    The same call encrypts and decrypts."""
    out = bytearray(data)
    for i in range(0, len(out), 16):
        pad = aes.encrypt(prefix + struct.pack(">I", i >> 4))
        for j in range(i, min(i + 16, len(out))):
            out[j] ^= pad[j - i]
    return bytes(out)


class Direction:
    """The keys of the frames one role sends (0: A to B, 1: B to A): AES-256 for the payload,
    HMAC-SHA256 for the tag, each derived from the pair secret for this direction only."""

    def __init__(self, secret, role, epoch=b""):
        label = bytes([role]) + bytes(epoch)
        self.role = role
        self.mac = Hmac(derive(secret, b"mac" + label))
        self._aes = aes_ecb(derive(secret, b"enc" + label))

    def crypt(self, counter, data):
        """Encrypt or decrypt data sent with this message counter: the counter block starts
        with the direction and the counter, so no two frames ever share a key stream."""
        return ctr(self._aes, bytes([self.role, 0, 0, 0]) + struct.pack(">I", counter)
                   + bytes(4), data)


def keys(secret, epoch=b""):
    """(A to B, B to A): the two directions' keys, indexed by the sender's role."""
    return Direction(secret, 0, epoch), Direction(secret, 1, epoch)


def same(a, b):
    """Compare two tags in time independent of where they differ."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
