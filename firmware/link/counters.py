"""Message counters persisted across reboots: our send counter and the partner's high mark.

Two slot files written alternately, each with a sequence number and a check value, so a power
cut during a write leaves the other slot intact. The send counter is reserved in blocks so the
flash sees one write per `block` messages, not one per message. Must not be called from an IRQ.
"""

import hashlib
import struct

from compat import const

_MAGIC = b"PC"
_FMT = "<2sIIi"  # magic, sequence, reserved send counter, partner high mark
_LEN = const(14)
_CHECK = const(4)


def _pack(seq, tx_reserved, rx_high):
    body = struct.pack(_FMT, _MAGIC, seq, tx_reserved, rx_high)
    return body + hashlib.sha256(body).digest()[:_CHECK]


def _unpack(data):
    if data is None or len(data) != _LEN + _CHECK:
        return None
    body = data[:_LEN]
    if hashlib.sha256(body).digest()[:_CHECK] != data[_LEN:]:
        return None
    magic, seq, tx_reserved, rx_high = struct.unpack(_FMT, body)
    if magic != _MAGIC:
        return None
    return seq, tx_reserved, rx_high


class CounterStore:
    """tx: next counter to send; rx_high: highest partner counter accepted (-1: none)."""

    def __init__(self, directory, block=32):
        self._paths = (directory + "/ctr0.bin", directory + "/ctr1.bin")
        self._block = block
        self.writes = 0
        self.recovered = False  # True when no valid slot was found (fresh or both damaged)
        _mkdir(directory)
        best = None
        for i in (0, 1):
            rec = _unpack(_read(self._paths[i]))
            if rec is not None and (best is None or rec[0] > best[0]):
                best = rec
                self._slot = i
        if best is None:
            self._seq, self._reserved, self.rx_high = 0, 0, -1
            self._slot = 1
            self.recovered = True
        else:
            self._seq, self._reserved, self.rx_high = best
        # Never reuse a counter that may have gone out before the reboot.
        self.tx = self._reserved

    def next_tx(self):
        """A fresh send counter (persists a new reservation when the block is used up)."""
        c = self.tx
        if c >= self._reserved:
            self._reserved = c + self._block
            self._write()
        self.tx = c + 1
        return c

    def set_rx_high(self, high):
        if high > self.rx_high:
            self.rx_high = high
            self._write()

    def _write(self):
        self._seq += 1
        self._slot ^= 1
        with open(self._paths[self._slot], "wb") as f:
            f.write(_pack(self._seq, self._reserved, self.rx_high))
        self.writes += 1


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _mkdir(path):
    import os

    try:
        os.mkdir(path)
    except OSError:
        pass
