"""machine.UART for the asyncio tasks: the modem's (reader, writer) and GNSS byte chunks.

Must not parse anything: the modem's AT engine and the NMEA parser do. A read that times out
returns None; a UART error is counted and reads as nothing, never a crash.

The UART is looked at every POLL_MS (machine.UART with timeout=0 never blocks) instead of
going through asyncio's stream machinery, which makes a coroutine and a poller entry per read
and, with a time limit, a task as well: these reads repeat all day. At 115,200 baud the
modem's UART buffer (1 KB) holds about 90 ms; the GNSS at 9,600 baud a second.
"""

from compat import Poll, const, sleep_ms

POLL_MS = const(20)


def open_uart(uart_id, tx, rx, baud, rxbuf=1024):
    from machine import UART

    return UART(uart_id, baudrate=baud, tx=tx, rx=rx, rxbuf=rxbuf, timeout=0)


class ChunkReader:
    """`await chunks.read(timeout_ms)` -> the bytes waiting (up to `chunk`) or None;
    `await chunks.read_any(n)` waits as long as it takes (the AT engine's reader).
    `write(b)` and `await drain()` make it the writer too."""

    def __init__(self, uart, chunk=256):
        self.uart = uart
        self.chunk = chunk
        self.errors = 0
        self._poll = Poll(self._take, POLL_MS)

    def _take(self):
        try:
            return self.uart.read(self.chunk)
        except OSError:
            self.errors += 1
            return None

    def read(self, timeout_ms):
        return self._poll.within_ms(timeout_ms)

    def write(self, data):
        try:
            self.uart.write(data)
        except OSError:
            self.errors += 1

    def drain(self):
        return sleep_ms(0)  # machine.UART.write has queued it all already


class _StreamReader:
    """The AT engine's reader: `await r.read(n)` waits for bytes without a time limit."""

    def __init__(self, chunks):
        self._chunks = chunks

    def read(self, n):
        self._chunks.chunk = n
        return self._chunks.read(None)


def streams(uart):
    """(reader, writer) over one UART: reader has `read(n)`, writer `write(b)` and `drain()`,
    each awaited."""
    chunks = ChunkReader(uart)
    return _StreamReader(chunks), chunks
