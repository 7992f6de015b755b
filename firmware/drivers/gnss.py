"""A u-blox GNSS receiver (NEO-6M/M8N) on a UART: NMEA chunks in, sleep and wake out.

`power(False)` sends UBX-RXM-PMREQ (backup until woken); `power(True)` wakes it with UART
traffic. Only a change of state writes to the receiver. Must not parse NMEA (gps/nmea.py does).
"""

from compat import sleep_ms
from gps.ubx import pmreq_backup, wake


class UbloxGnss:
    def __init__(self, chunks):
        self.chunks = chunks  # drivers.uart_stream.ChunkReader (or a fake with read/write)
        self.powered = True
        self.switches = 0

    def power(self, on):
        on = bool(on)
        if on == self.powered:
            return
        self.powered = on
        self.switches += 1
        self.chunks.write(wake() if on else pmreq_backup(0))

    def read(self, timeout_ms):
        """Await it: bytes from the receiver, or None after timeout_ms; asleep, it only waits.
        No coroutine of its own: the awaitable is the reader's (or sleep_ms's, which gives
        None)."""
        if not self.powered:
            return sleep_ms(timeout_ms)
        return self.chunks.read(timeout_ms)
