"""The few things MicroPython and CPython spell differently, in one place.

Firmware imports ticks, const and the asyncio sleep/timeout helpers from here, never from
`time` or `asyncio` directly, so that the same modules run on the ESP32, on the unix port and
under CPython in the host simulator. On CPython the tick counter wraps at 2**30 exactly like
MicroPython's, so wrap-around bugs show up on the host too.
"""

import asyncio

try:
    from micropython import const
except ImportError:  # CPython

    def const(x):
        return x


TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

try:
    from time import ticks_add, ticks_diff, ticks_ms
except ImportError:  # CPython: same arithmetic as MicroPython's extmod/modtime.c
    import time as _time

    def ticks_ms():
        return int(_time.monotonic() * 1000) & _TICKS_MAX

    def ticks_add(ticks, delta):
        return (ticks + delta) & _TICKS_MAX

    def ticks_diff(end, start):
        return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


MICROPYTHON = hasattr(asyncio, "sleep_ms")

if MICROPYTHON:
    sleep_ms = asyncio.sleep_ms

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for_ms(awaitable, timeout_ms)

else:

    def sleep_ms(ms):
        return asyncio.sleep(ms / 1000)

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for(awaitable, timeout_ms / 1000)
