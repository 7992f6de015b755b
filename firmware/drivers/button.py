"""The big button: edges as (pressed, ticks), sampled with a debounce sleep; at rest it waits for
an edge interrupt instead of polling.

Contact bounce and interrupts do not mix, so edges are never taken from the interrupt itself:
the pin is sampled every `debounce_ms` and a level that differs from the last accepted one is
an edge. With `irq` (the real boards' machine.Pin), once the button has been released and its
level steady for `settle` samples, the sampling stops until a pin interrupt (either edge)
wakes it: no poll every 20 ms all day. Must not decide what a press means: ui/buttons.py turns
edges into patterns.
"""

import asyncio

from compat import sleep_ms, ticks_diff, ticks_ms, wait_event_ms


class PolledButton:
    """`await button.edge(timeout_ms)` -> (pressed, ticks) or None when timeout_ms passed
    (None: wait forever). `pin` needs `value()` (and `irq()` with `irq=True`); active_low for
    a button to GND with pull-up."""

    debounce_ms = 20
    settle = 3  # steady released samples before sleeping until an interrupt

    def __init__(self, pin, active_low=True, clock=ticks_ms, irq=False):
        self.pin = pin
        self.active_low = active_low
        self.clock = clock
        self.pressed = self._read()
        self.edges = 0
        self.polls = 0
        self.wakes = 0
        self.flag = None
        if irq:
            self.flag = getattr(asyncio, "ThreadSafeFlag", asyncio.Event)()
            pin.irq(handler=self._irq, trigger=pin.IRQ_FALLING | pin.IRQ_RISING)

    def _irq(self, _pin):
        flag = self.flag
        if flag is not None:
            flag.set()  # a soft IRQ: only the flag, the sampling decides

    def _read(self):
        level = self.pin.value()
        return (not level) if self.active_low else bool(level)

    def sample(self, now_ms):
        """One poll: the edge (pressed, now_ms) if the level changed since the last accepted
        one, else None. Pure apart from the pin read; the poll period is the debounce."""
        self.polls += 1
        pressed = self._read()
        if pressed == self.pressed:
            return None
        self.pressed = pressed
        self.edges += 1
        return (pressed, now_ms)

    async def edge(self, timeout_ms):
        start = self.clock()
        steady = 0
        while True:
            found = self.sample(self.clock())
            if found is not None:
                return found
            waited = ticks_diff(self.clock(), start)
            if timeout_ms is not None and waited >= timeout_ms:
                return None
            if self.flag is not None and not self.pressed and steady >= self.settle:
                self.flag.clear()
                if self._read() != self.pressed:  # it moved before the flag was cleared
                    continue
                await wait_event_ms(self.flag, None if timeout_ms is None
                                    else timeout_ms - waited)
                self.wakes += 1
                steady = 0
                continue
            await sleep_ms(self.debounce_ms)
            steady += 1
