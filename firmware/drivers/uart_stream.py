"""machine.UART as asyncio streams: the modem's (reader, writer) and GNSS byte chunks.

Must not parse anything: the modem's AT engine and the NMEA parser do. A read that times out
returns None; a UART error is counted and reads as None, never a crash.
"""

import asyncio

from compat import wait_for_ms


def open_uart(uart_id, tx, rx, baud, rxbuf=1024):
    from machine import UART

    return UART(uart_id, baudrate=baud, tx=tx, rx=rx, rxbuf=rxbuf, timeout=0)


def streams(uart):
    """(reader, writer) over one UART: reader has `async read(n)`, writer `write(b)` and
    `async drain()` (one asyncio stream object does both on MicroPython)."""
    stream = asyncio.StreamWriter(uart, {})
    return stream, stream


class ChunkReader:
    """`await chunks.read(timeout_ms)` -> the bytes waiting (up to `chunk`) or None."""

    def __init__(self, uart, chunk=256, stream=None):
        self.uart = uart
        self.stream = stream if stream is not None else asyncio.StreamReader(uart)
        self.chunk = chunk
        self.errors = 0

    async def read(self, timeout_ms):
        try:
            data = await wait_for_ms(self.stream.read(self.chunk), timeout_ms)
        except asyncio.TimeoutError:
            return None
        except OSError:
            self.errors += 1
            return None
        return data or None

    def write(self, data):
        try:
            self.uart.write(data)
        except OSError:
            self.errors += 1
