"""An asyncio event loop on a virtual clock: when every task waits, time jumps to the next timer.

The firmware's real shell code (asyncio tasks, sleeps, timeouts) runs unchanged; hours of
simulated time pass in seconds. There is no real I/O in the simulator, so the selector is only
polled, never waited on.
"""

import asyncio
import selectors


class _NoWaitSelector(selectors.DefaultSelector):
    def __init__(self, loop_ref):
        super().__init__()
        self._loop_ref = loop_ref

    def select(self, timeout=None):
        # Only the loop's own self-pipe is registered (no thread ever wakes this loop), so
        # there is nothing to poll: waiting is jumping ahead.
        if timeout is None:  # every task waits and no timer is set: it would hang for ever
            raise RuntimeError("virtual-time loop: every task waits and no timer is set")
        if timeout:
            self._loop_ref[0].advance(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, start=0.0):
        ref = [None]
        super().__init__(selector=_NoWaitSelector(ref))
        ref[0] = self
        self._now = float(start)

    def time(self):
        return self._now

    def advance(self, seconds):
        self._now += seconds


def run(coro, start=0.0):
    """Run `coro` to completion on a fresh virtual-time loop; returns its result."""
    loop = VirtualTimeLoop(start)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
