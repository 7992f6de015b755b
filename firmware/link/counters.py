"""Message counters persisted across reboots: the key epoch, our send counter and the partner's
high mark.

Two slot files written alternately, each with a sequence number and a check value, so a power
cut during a write leaves the other slot intact. The send counter is reserved in blocks so the
flash sees one write per `block` messages, not one per message. Counters are unsigned 32-bit
on the air; here they are kept in 64-bit fields, so 2**31 and 2**32 - 1 read back as they were
written on every interpreter. A store with no valid slot (first boot, both slots damaged or
the files gone) is `lost`: the channel then agrees a new epoch with the partner before it sends
or believes anything (docs/link.md, "Lost counters"). Must not be called from an IRQ.
"""

import hashlib
import struct

from compat import const

_MAGIC = b"P2"
_FMT = "<2sIQq8s"  # magic, sequence, reserved send counter, partner high mark, epoch
_LEN = const(30)
_CHECK = const(4)
LIMIT = 1 << 32  # counters are u32 on the air: at LIMIT the epoch is used up


def _pack(seq, tx_reserved, rx_high, epoch):
    body = struct.pack(_FMT, _MAGIC, seq, tx_reserved, rx_high, epoch)
    return body + hashlib.sha256(body).digest()[:_CHECK]


def _unpack(data):
    if data is None or len(data) != _LEN + _CHECK:
        return None
    body = data[:_LEN]
    if hashlib.sha256(body).digest()[:_CHECK] != data[_LEN:]:
        return None
    magic, seq, tx_reserved, rx_high, epoch = struct.unpack(_FMT, body)
    if magic != _MAGIC or tx_reserved > LIMIT or rx_high < -1 or rx_high >= LIMIT:
        return None
    return seq, tx_reserved, rx_high, epoch


class CounterStore:
    """epoch: the 8-byte key epoch agreed with the partner (None while lost); tx: next counter
    to send; rx_high: highest partner counter accepted (-1: none)."""

    def __init__(self, directory, block=32):
        self._paths = (directory + "/ctr0.bin", directory + "/ctr1.bin")
        self._block = block
        self.writes = 0
        _mkdir(directory)
        best = None
        self._slot = 1
        for i in (0, 1):
            rec = _unpack(_read(self._paths[i]))
            if rec is not None and (best is None or rec[0] > best[0]):
                best = rec
                self._slot = i
        # lost: no valid slot (fresh, both damaged or wiped): nothing known about the epoch.
        self.lost = best is None
        if best is None:
            self._seq, self._reserved, self.rx_high, self.epoch = 0, 0, -1, None
        else:
            self._seq, self._reserved, self.rx_high, self.epoch = best
        # Never reuse a counter that may have gone out before the reboot.
        self.tx = self._reserved

    def next_tx(self):
        """A fresh send counter (persists a new reservation when the block is used up), or
        None when the epoch has no counter left (below 2**32) or is lost."""
        c = self.tx
        if self.epoch is None or c >= LIMIT:
            return None
        if c >= self._reserved:
            self._reserved = min(c + self._block, LIMIT)
            self._write()
        self.tx = c + 1
        return c

    def set_rx_high(self, high):
        if high > self.rx_high:
            self.rx_high = high
            self._write()

    def rekey(self, epoch):
        """A new epoch agreed with the partner: both counters start again under its keys."""
        self.epoch = bytes(epoch)
        self.tx = self._reserved = 0
        self.rx_high = -1
        self.lost = False
        self._write()

    def _write(self):
        self._seq += 1
        self._slot ^= 1
        with open(self._paths[self._slot], "wb") as f:
            f.write(_pack(self._seq, self._reserved, self.rx_high, self.epoch or bytes(8)))
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
