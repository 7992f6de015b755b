"""The few things MicroPython and CPython spell differently, in one place.

Firmware imports ticks, const and the asyncio sleep/timeout helpers from here, never from
`time` or `asyncio` directly, so that the same modules run on the ESP32, on the unix port and
under CPython in the host simulator. Ticks wrap at 2**30 everywhere, as on the ESP32, so
wrap-around bugs show up on the host too and every interpreter computes the same times.
"""

import asyncio

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


try:
    from cryptolib import aes as _aes

    def aes_ecb(key):
        """The AES block cipher under key (16 or 32 bytes): .encrypt(16 bytes) -> 16 bytes."""
        return _aes(key, 1)  # mode 1: ECB, the one every port has (link.auth builds CTR on it)

except ImportError:  # CPython: the same block cipher from the host's library

    class aes_ecb:  # type: ignore[no-redef]
        def __init__(self, key):
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            self.encrypt = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor().update


TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

def _ticks_add(ticks, delta):
    return (ticks + delta) & _TICKS_MAX


def _ticks_diff(end, start):
    return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


try:
    import time as _time

    _native_ticks = _time.ticks_ms
    # The ESP32's tick counter wraps at 2**30; the 64-bit unix port's at 2**62. Use the native
    # functions only where they wrap like the device, so every port computes the same times.
    _same_period = _time.ticks_add(_TICKS_MAX, 1) == 0
except AttributeError:  # CPython
    _native_ticks = None
    _same_period = False

if _same_period:
    ticks_ms = _native_ticks
    ticks_add = _time.ticks_add
    ticks_diff = _time.ticks_diff
else:
    ticks_add = _ticks_add
    ticks_diff = _ticks_diff
    if _native_ticks is not None:

        def ticks_ms():
            return _native_ticks() & _TICKS_MAX

    else:

        def ticks_ms():
            return int(_time.monotonic() * 1000) & _TICKS_MAX


MICROPYTHON = hasattr(asyncio, "sleep_ms")

if MICROPYTHON:
    from asyncio import core as _core  # type: ignore[attr-defined]  # not in the stubs

    sleep_ms = asyncio.sleep_ms
    _FOREVER_MS = const(3600000)  # an unbounded wait parks for this long, then again

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for_ms(awaitable, timeout_ms)

    async def wait_event_ms(event, timeout_ms):
        """Wait for `event` (Event or ThreadSafeFlag) at most timeout_ms (None: forever).
        True if it was set; the caller clears it. Makes a task per timed wait: for waits that
        repeat, use a Waker."""
        if timeout_ms is None:
            await event.wait()
            return True
        try:
            await asyncio.wait_for_ms(event.wait(), timeout_ms)
            return True
        except asyncio.TimeoutError:
            return False

    class _Parking:
        """What Waker and Poll share: an awaitable made once and armed for each wait."""

        _forever = False
        _end = 0
        _first = False

        def _arm(self, timeout_ms):
            self._forever = timeout_ms is None
            self._end = _core.ticks_add(_core.ticks(), 0 if timeout_ms is None
                                        else max(0, timeout_ms))
            self._first = True
            return self

        def __iter__(self):
            return self

    class Waker(_Parking):
        """A wake-up one task waits for, with a time limit, again and again, allocating
        nothing: `await w.wait_ms(t)` (None: no limit), then `w.state` says whether it was set
        (the waiter clears it). asyncio.wait_for_ms would make a task and two coroutines per
        wait; this object parks the waiting task on the scheduler's own queue until its
        deadline, as asyncio.sleep_ms does with its one reused generator, and set() moves it
        to the front.

        set() is for code running in the asyncio loop. From an IRQ handler or another thread
        (the BLE stack's callbacks, pin interrupts) use signal(): it only records the state,
        and a waiter made with poll_ms looks at it every poll_ms (MicroPython's own poll loop
        on the ESP32 wakes every 10 ms tick as well)."""

        def __init__(self, poll_ms=0):
            self.state = False
            self._poll = poll_ms
            self._end = 0
            self._forever = False
            self._task = None  # the task parked on the run queue, while it is parked
            self._first = False
            self._done = StopIteration()

        def set(self):
            self.state = True
            t = self._task
            if t is not None:
                self._task = None
                _core._task_queue.remove(t)
                _core._task_queue.push(t)

        def signal(self):
            self.state = True

        def clear(self):
            self.state = False

        def wait_ms(self, timeout_ms):
            return self._arm(timeout_ms)

        def __next__(self):
            self._task = None
            if self._first:  # every wait lets the other tasks run once, set or due or not
                self._first = False
                t = _core.cur_task
                self._task = t
                _core._task_queue.push(t)
                return None
            if not self.state:
                now = _core.ticks()
                left = _FOREVER_MS if self._forever else _core.ticks_diff(self._end, now)
                if left > 0:
                    if self._poll and left > self._poll:
                        left = self._poll
                    t = _core.cur_task
                    self._task = t
                    _core._task_queue.push(t, _core.ticks_add(now, left))
                    return None
            self._done.__traceback__ = None
            raise self._done

        def throw(self, exc, *args):
            # The waiting task was cancelled (Task.cancel re-queued it): it is no longer ours.
            self._task = None
            raise exc

    class Poll(_Parking):
        """`await p.within_ms(t)`: the first true value `fn()` gives, looked at every poll_ms,
        or None after t ms (None: no limit). For a peripheral read without asyncio's stream
        machinery (a UART, the I2S DMA); nothing is allocated per look, and only a value other
        than `usual` needs a StopIteration made to carry it home."""

        def __init__(self, fn, poll_ms, usual=None):
            self._fn = fn
            self._poll = poll_ms
            self._end = 0
            self._forever = False
            self._none = StopIteration()
            self._first = False
            self._usual = usual  # a value fn() gives most times: its StopIteration is made once
            self._usual_done = StopIteration(usual)

        def within_ms(self, timeout_ms):
            return self._arm(timeout_ms)

        def __next__(self):
            if self._first:  # every read lets the other tasks run once, as a stream read does
                self._first = False
                _core._task_queue.push(_core.cur_task)
                return None
            value = self._fn()
            if value:
                if value == self._usual:
                    self._usual_done.__traceback__ = None
                    raise self._usual_done
                raise StopIteration(value)
            now = _core.ticks()
            left = self._poll if self._forever else _core.ticks_diff(self._end, now)
            if left > 0:
                _core._task_queue.push(_core.cur_task, _core.ticks_add(now, min(left,
                                                                               self._poll)))
                return None
            self._none.__traceback__ = None
            raise self._none

else:

    def sleep_ms(ms):
        return asyncio.sleep(ms / 1000)

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for(awaitable, timeout_ms / 1000)

    class Waker:  # type: ignore[no-redef]
        """As on MicroPython, without a task per wait (the simulator waits millions of times):
        a timer ends a timed wait. Everything here runs in the loop, so signal() wakes at
        once."""

        def __init__(self, poll_ms=0):
            self.state = False
            self._ev = asyncio.Event()

        def set(self):
            self.state = True
            self._ev.set()

        signal = set

        def clear(self):
            self.state = False
            self._ev.clear()

        async def wait_ms(self, timeout_ms):
            if self.state:
                return
            if timeout_ms is None:
                await self._ev.wait()
                return
            handle = asyncio.get_running_loop().call_later(timeout_ms / 1000, self._ev.set)
            try:
                await self._ev.wait()
            finally:
                handle.cancel()
            if not self.state:  # the timer's wake-up, not a set()
                self._ev.clear()

    class Poll:  # type: ignore[no-redef]
        """As on MicroPython: the first true fn() value, looked at every poll_ms, or None."""

        def __init__(self, fn, poll_ms, usual=None):
            self._fn = fn
            self._poll = poll_ms

        async def within_ms(self, timeout_ms):
            start = ticks_ms()
            while True:
                value = self._fn()
                if value:
                    return value
                left = self._poll if timeout_ms is None else \
                    timeout_ms - ticks_diff(ticks_ms(), start)
                if left <= 0:
                    return None
                await asyncio.sleep(min(left, self._poll) / 1000)

    async def wait_event_ms(event, timeout_ms):
        """As on MicroPython, without a task per wait: a timer sets the event; on a timeout
        the event is left set, and the caller clears it."""
        if timeout_ms is None:
            await event.wait()
            return True
        fired = []

        def wake():
            fired.append(True)
            event.set()

        handle = asyncio.get_running_loop().call_later(timeout_ms / 1000, wake)
        try:
            await event.wait()
        finally:
            handle.cancel()
        return not fired


def drop_module(name):
    """Forget module `name` (on MicroPython: so its bytecode leaves the heap once nothing else
    holds it). The package keeps the submodule as an attribute too; that goes as well."""
    import sys

    sys.modules.pop(name, None)
    package, _, attr = name.partition(".")
    try:
        delattr(sys.modules[package], attr)
    except (KeyError, AttributeError):
        pass
