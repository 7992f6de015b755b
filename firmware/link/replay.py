"""Replay window over the partner's message counters (pure, RAM only).

Accepts a counter above the highest seen, or one up to 31 below it that has not been seen yet
(SMS and BLE retries may arrive out of order). Persisting the high mark is the caller's job.
"""

from compat import const

from link.codec import OK, R_DUP, R_REPLAY

_WINDOW = const(32)
_MASK = const(0xFFFFFFFF)


class ReplayWindow:
    def __init__(self, high=-1):
        # Everything at or below a persisted high mark counts as seen: after a reboot the
        # bitmap is gone, so old frames are rejected rather than guessed about.
        self.high = high
        self.seen = _MASK

    def check(self, counter):
        """OK, R_DUP (seen inside the window) or R_REPLAY (older than the window)."""
        if counter > self.high:
            return OK
        back = self.high - counter
        if back >= _WINDOW:
            return R_REPLAY
        if (self.seen >> back) & 1:
            return R_DUP
        return OK

    def accept(self, counter):
        """Mark counter as seen; returns True when the high mark moved."""
        if counter > self.high:
            shift = counter - self.high
            self.seen = ((self.seen << shift) | 1) & _MASK if shift < _WINDOW else 1
            self.high = counter
            return True
        self.seen |= 1 << (self.high - counter)
        return False
