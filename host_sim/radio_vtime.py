"""A virtual-time asyncio event loop: sleeping advances a counter instead of waiting.

CPython only. Used by the BLE tests and usable by the simulator: `loop.time()` is simulated
seconds, every `asyncio.sleep`/`call_later`/`wait_for` runs at once in wall-clock terms, and a
loop with nothing scheduled and nothing ready raises instead of hanging.
"""

import asyncio
import selectors


class _VirtualSelector(selectors.BaseSelector):
    def __init__(self, loop_ref):
        self._real = selectors.DefaultSelector()
        self._loop_ref = loop_ref

    def register(self, fileobj, events, data=None):
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._real.modify(fileobj, events, data)

    def get_map(self):
        return self._real.get_map()

    def close(self):
        self._real.close()

    def select(self, timeout=None):
        ready = self._real.select(0)
        if ready:
            return ready
        if timeout is None:
            raise RuntimeError("virtual-time loop: every task waits and no timer is set")
        if timeout > 0:
            self._loop_ref[0].advance(timeout)
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, start=0.0):
        ref = [None]
        super().__init__(selector=_VirtualSelector(ref))
        ref[0] = self
        self._now = float(start)

    def time(self):
        return self._now

    def advance(self, seconds):
        self._now += seconds


def run(coro, start=0.0):
    """Run coro to completion in virtual time; returns its result."""
    loop = VirtualTimeLoop(start)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
