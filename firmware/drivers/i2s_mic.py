"""An I2S MEMS microphone (INMP441) on machine.I2S, read without blocking the loop.

I2S runs at bits=32 (the INMP441's 24-bit samples in 32-bit slots) into one pre-allocated byte
buffer, then converts to int16 in place of the caller's array. Audio stays in these two buffers:
nothing is stored, logged or sent. Must not compute levels (dsp/ does).

The DMA is looked at every _POLL_MS through a poller made once (select.poll on the peripheral,
as asyncio's stream reader does per read) and read only when it holds samples, so a block
costs no coroutine, no poller entry and no view: `await mic.readinto(buf)` allocates nothing
(tests/test_alloc.py counts it). The DMA holds 8 blocks, so a look every 10 ms loses nothing.
"""

from compat import Poll, const

try:
    from drivers.pcm_viper import slots_to_int16
except (ImportError, SyntaxError, AttributeError):  # CPython, or a port without viper
    from drivers.pcm import slots_to_int16

_SLOT_BYTES = const(4)
_POLL_MS = const(10)
_BLOCK_WAIT_MS = const(500)  # a peripheral silent this long gives no block (None)


class I2sMic:
    """mic = I2sMic(sck, ws, sd, block_samples=320); n = await mic.readinto(array('h'))

    `sample_rate` (Hz) and `sensitivity_dbfs` (dBFS at 94 dB SPL) tell the detector how to
    read the samples. `i2s` and `ready()` (whether its DMA holds samples) may be passed in
    (tests give fakes)."""

    def __init__(self, sck=None, ws=None, sd=None, i2s_id=0, sample_rate=16000,
                 sensitivity_dbfs=-26, block_samples=320, i2s=None, ready=None):
        self.sample_rate = sample_rate
        self.sensitivity_dbfs = sensitivity_dbfs
        self._pins = (i2s_id, sck, ws, sd, block_samples)
        self._given = i2s is not None  # a peripheral passed in (tests) is not stopped
        self.i2s = i2s if i2s is not None else self._open()
        self.raw = bytearray(block_samples * _SLOT_BYTES)
        self.view = memoryview(self.raw)
        self._ready = ready
        self._poller = None
        self._watch()
        self.short_reads = 0
        self._buf = None
        self._want = 0
        self._got = 0
        self._reading = Poll(self._step, _POLL_MS, block_samples)

    def _open(self):
        from machine import I2S

        i2s_id, sck, ws, sd, block_samples = self._pins
        return I2S(i2s_id, sck=sck, ws=ws, sd=sd, mode=I2S.RX, bits=32, format=I2S.MONO,
                   rate=self.sample_rate, ibuf=block_samples * _SLOT_BYTES * 8)

    def _watch(self):
        if self._ready is None and self.i2s is not None:
            import select

            self._poller = select.poll()
            self._poller.register(self.i2s, select.POLLIN)

    def _has_samples(self):
        if self._ready is not None:
            return self._ready()
        poller = self._poller
        if poller is not None:
            for _ in poller.ipoll(0):  # the poller's own iterator: nothing allocated
                return True
        return False

    def readinto(self, buf):
        """Await it: fills int16 `buf` with one whole block (len(buf) samples, at most
        block_samples) and gives its length: the level meter's Fast weighting is tabled for
        the block the listener reads (dsp/levels.py). A short read is continued; a
        peripheral that gives nothing for _BLOCK_WAIT_MS gives None, and a block left
        unfinished is dropped (counted in short_reads)."""
        if self._got:
            self.short_reads += 1
        self._buf = buf
        self._want = min(len(buf), len(self.raw) // _SLOT_BYTES) * _SLOT_BYTES
        self._got = 0
        return self._reading.within_ms(_BLOCK_WAIT_MS)

    def _step(self):
        """One look: the block's length once it is whole, else 0 (look again)."""
        if self.i2s is None or not self._has_samples():
            return 0
        got, want = self._got, self._want
        if got == 0 and want == len(self.raw):
            n = self.i2s.readinto(self.view)  # the usual read: the pre-made view
        else:
            n = self.i2s.readinto(self.view[got:want])  # rare: a view of the rest
        got += n or 0
        if got < want:
            self._got = got
            return 0
        self._got = 0
        return slots_to_int16(self.raw, got, self._buf)

    def stop(self):
        """Listening switched off: the I2S peripheral (its clock to the microphone and its DMA)
        is released; the INMP441 without a clock draws almost nothing."""
        if self.i2s is not None and not self._given:
            self.i2s.deinit()
            self.i2s = None
            self._poller = None

    def start(self):
        """Listening back on: the peripheral made again as at first."""
        if self.i2s is None:
            self.i2s = self._open()
            self._watch()

    def close(self):
        self.stop()
