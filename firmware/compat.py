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
    sleep_ms = asyncio.sleep_ms

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for_ms(awaitable, timeout_ms)

    async def wait_event_ms(event, timeout_ms):
        """Wait for `event` (Event or ThreadSafeFlag) at most timeout_ms (None: forever).
        True if it was set; the caller clears it."""
        if timeout_ms is None:
            await event.wait()
            return True
        try:
            await asyncio.wait_for_ms(event.wait(), timeout_ms)
            return True
        except asyncio.TimeoutError:
            return False

else:

    def sleep_ms(ms):
        return asyncio.sleep(ms / 1000)

    def wait_for_ms(awaitable, timeout_ms):
        return asyncio.wait_for(awaitable, timeout_ms / 1000)

    async def wait_event_ms(event, timeout_ms):
        """As on MicroPython, without a task per wait (the simulator waits millions of times):
        a timer sets the event; on a timeout the event is left set, and the caller clears it."""
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
