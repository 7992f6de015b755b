"""Turns debounced button edges into press patterns: single, double, triple, long, very_long
(their names: core/vocab.py PRESSES; what each means: core/session.py's press table).

Pure: edges and times in, pattern names out. Debouncing belongs to the board's button driver.
The tunables are class attributes so a board or a test can change them without subclassing.
"""

from compat import ticks_add, ticks_diff
from core.vocab import DOUBLE, LONG, SINGLE, TRIPLE, VERY_LONG

_BY_COUNT = (SINGLE, DOUBLE, TRIPLE)  # presses in one pattern (more than three: triple)


class PressPatterns:
    long_press_ms = 1000  # held at least this long: "long" (still angry, undo)
    very_long_press_ms = 5000  # held at least this long: "very_long" (reserved: on/off)
    gap_ms = 450  # presses closer than this belong to one pattern

    def __init__(self):
        self.down_at = None
        self.count = 0
        self.last_release = 0

    def edge(self, pressed, now_ms):
        """Feed one debounced edge. Returns a finished pattern name or None."""
        if pressed:
            finished = None
            if self.count and ticks_diff(now_ms, self.last_release) >= self.gap_ms:
                finished = self._finish()  # a late poll must not merge two patterns
            if self.down_at is None:
                self.down_at = now_ms
            return finished
        if self.down_at is None:
            return None
        held = ticks_diff(now_ms, self.down_at)
        self.down_at = None
        if held >= self.long_press_ms and self.count == 0:
            return VERY_LONG if held >= self.very_long_press_ms else LONG
        self.count += 1
        self.last_release = now_ms
        return None

    def poll(self, now_ms):
        """A multi-press pattern once the gap after the last release has passed, else None."""
        if self.count and self.down_at is None and ticks_diff(now_ms, self.deadline()) >= 0:
            return self._finish()
        return None

    def _finish(self):
        count = self.count
        self.count = 0
        return _BY_COUNT[min(count, 3) - 1]

    def deadline(self):
        """Ticks at which poll() may finish a pattern, or None when nothing is pending."""
        if self.count and self.down_at is None:
            return ticks_add(self.last_release, self.gap_ms)
        return None
