"""The big button, polled with a debounce sleep (no IRQ): edges as (pressed, ticks).

Contact bounce and interrupts do not mix, so the pin is sampled every `debounce_ms` and a level
that differs from the last accepted one is an edge. Must not decide what a press means:
ui/buttons.py turns edges into patterns.
"""

from compat import sleep_ms, ticks_diff, ticks_ms


class PolledButton:
    """`await button.edge(timeout_ms)` -> (pressed, ticks) or None when timeout_ms passed
    (None: wait forever). `pin` needs `value()`; active_low for a button to GND with pull-up."""

    debounce_ms = 20

    def __init__(self, pin, active_low=True, clock=ticks_ms):
        self.pin = pin
        self.active_low = active_low
        self.clock = clock
        self.pressed = self._read()
        self.edges = 0

    def _read(self):
        level = self.pin.value()
        return (not level) if self.active_low else bool(level)

    def sample(self, now_ms):
        """One poll: the edge (pressed, now_ms) if the level changed since the last accepted
        one, else None. Pure apart from the pin read; the poll period is the debounce."""
        pressed = self._read()
        if pressed == self.pressed:
            return None
        self.pressed = pressed
        self.edges += 1
        return (pressed, now_ms)

    async def edge(self, timeout_ms):
        start = self.clock()
        while True:
            found = self.sample(self.clock())
            if found is not None:
                return found
            if timeout_ms is not None and ticks_diff(self.clock(), start) >= timeout_ms:
                return None
            await sleep_ms(self.debounce_ms)
