"""An I2S MEMS microphone (INMP441) on machine.I2S, read without blocking the loop.

I2S runs at bits=32 (the INMP441's 24-bit samples in 32-bit slots) into one pre-allocated byte
buffer through asyncio.StreamReader (machine.I2S supports the stream protocol in non-blocking
mode), then converts to int16 in place of the caller's array. Audio stays in these two buffers:
nothing is stored, logged or sent. Must not compute levels (dsp/ does).
"""

import asyncio

from compat import const

try:
    from drivers.pcm_viper import slots_to_int16
except (ImportError, SyntaxError, AttributeError):  # CPython, or a port without viper
    from drivers.pcm import slots_to_int16

_SLOT_BYTES = const(4)


class I2sMic:
    """mic = I2sMic(sck, ws, sd, block_samples=320); n = await mic.readinto(array('h'))

    `sample_rate` (Hz) and `sensitivity_dbfs` (dBFS at 94 dB SPL) tell the detector how to
    read the samples. `i2s` and its stream `reader` may be passed in (tests give fakes)."""

    def __init__(self, sck=None, ws=None, sd=None, i2s_id=0, sample_rate=16000,
                 sensitivity_dbfs=-26, block_samples=320, i2s=None, reader=None):
        self.sample_rate = sample_rate
        self.sensitivity_dbfs = sensitivity_dbfs
        self._pins = (i2s_id, sck, ws, sd, block_samples)
        self._given = i2s is not None  # a peripheral passed in (tests) is not stopped
        self.i2s = i2s if i2s is not None else self._open()
        self.raw = bytearray(block_samples * _SLOT_BYTES)
        self.view = memoryview(self.raw)
        self._stream_given = reader is not None  # (tests)
        self.reader = reader if reader is not None else asyncio.StreamReader(self.i2s)
        self.short_reads = 0

    def _open(self):
        from machine import I2S

        i2s_id, sck, ws, sd, block_samples = self._pins
        return I2S(i2s_id, sck=sck, ws=ws, sd=sd, mode=I2S.RX, bits=32, format=I2S.MONO,
                   rate=self.sample_rate, ibuf=block_samples * _SLOT_BYTES * 8)

    async def readinto(self, buf):
        """Fill int16 `buf` with one whole block (len(buf) samples, at most block_samples) and
        return its length: the level meter's Fast weighting is tabled for the block the
        listener reads (dsp/levels.py). A short read is continued; a stream that gives nothing
        before the block is full returns 0 (the part read is dropped, counted in
        short_reads). The usual full read reads into the pre-made view: nothing allocated."""
        want = min(len(buf), len(self.raw) // _SLOT_BYTES) * _SLOT_BYTES
        view = self.view if want == len(self.raw) else self.view[:want]
        got = await self.reader.readinto(view)
        while got and got < want:  # rare: a view of the rest
            more = await self.reader.readinto(self.view[got:want])
            got = got + more if more else 0
        if not got:
            self.short_reads += 1
            return 0
        return slots_to_int16(self.raw, got, buf)

    def stop(self):
        """Listening switched off: the I2S peripheral (its clock to the microphone and its DMA)
        is released; the INMP441 without a clock draws almost nothing."""
        if self.i2s is not None and not self._given:
            self.i2s.deinit()
            self.i2s = None

    def start(self):
        """Listening back on: the peripheral made again as at first."""
        if self.i2s is None:
            self.i2s = self._open()
            if not self._stream_given:
                self.reader = asyncio.StreamReader(self.i2s)

    def close(self):
        self.stop()
