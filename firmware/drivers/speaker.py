"""An I2S class-D amplifier (MAX98357A class) with a small speaker: plays the prompt clips
rendered at provisioning (care/prompts.py: 8 kHz G.711 mu-law, one byte a sample, files
<folder>/<clip>.ul) one after the other, without blocking the loop.

The clip is read from the flash in 256-byte pieces, expanded to 16-bit samples through a
256-entry table into one pre-made buffer, and written to the I2S DMA only when it has room
(a poller made once, looked at every _POLL_MS). `playing` is True from the first piece until
the DMA has had time to empty: the listener does not count what the microphone hears then
(the device must not propose a time-out because it heard itself). A new prompt ends the one
playing. A clip that is missing or unreadable is skipped and counted, never a crash.
Not yet called by the shell: docs/boards.md, Not built.
"""

from array import array

from compat import Poll, const, sleep_ms, ticks_add, ticks_diff, ticks_ms

RATE = const(8000)
_PIECE = const(256)  # mu-law bytes read at a time: 32 ms of speech
_POLL_MS = const(8)
_TAIL_MS = const(250)  # after the last write: the DMA's backlog and the room's echo


def ulaw_table():
    """The 256 int16 values of G.711 mu-law (the reference decoder's), as an array('h')."""
    out = array("h", [0] * 256)
    for code in range(256):
        u = ~code & 0xFF
        t = ((u & 0x0F) << 3) + 0x84
        t <<= (u & 0x70) >> 4
        out[code] = (0x84 - t) if u & 0x80 else (t - 0x84)
    return out


class Speaker:
    """spk = Speaker(i2s, folder); spk.play(["k_status_0", "task", ...]) starts a prompt;
    `await spk.run()` is the task that plays them. `i2s` is a machine.I2S in TX mode at RATE,
    16 bits, mono; `writable()` (tests) says whether its DMA has room."""

    def __init__(self, i2s, folder, writable=None):
        self.i2s = i2s
        self.folder = folder
        self.table = ulaw_table()
        self.raw = bytearray(_PIECE)
        self.pcm = bytearray(2 * _PIECE)
        self._writable = writable
        self._poller = None
        if writable is None:
            import select

            self._poller = select.poll()
            self._poller.register(i2s, select.POLLOUT)
        self._room = Poll(self._has_room, _POLL_MS)
        self._queue = []  # type: list  # the clips of the prompt still to play
        self._busy = False  # a clip is being played
        self._gen = 0  # counts the prompts started: a new one ends the one playing
        self._until = None  # ticks when the last written sample has left the speaker
        self.missing = 0  # clips not found or not readable
        self.played = 0  # clips played whole

    @property
    def playing(self):
        if self._queue or self._busy:
            return True
        return self._until is not None and ticks_diff(self._until, ticks_ms()) > 0

    def play(self, clips):
        """Start the prompt `clips` (clip names), ending any prompt still playing."""
        self._queue = list(clips)
        self._gen += 1

    def stop(self):
        self._queue = []
        self._gen += 1

    def _has_room(self):
        if self._writable is not None:
            return self._writable()
        poller = self._poller
        if poller is not None:
            for _ in poller.ipoll(0):
                return True
        return False

    def _expand(self, n):
        table, raw, pcm = self.table, self.raw, self.pcm
        for i in range(n):
            v = table[raw[i]]
            pcm[2 * i] = v & 0xFF
            pcm[2 * i + 1] = (v >> 8) & 0xFF

    async def _play_clip(self, name, gen):
        try:
            f = open(self.folder + "/" + name + ".ul", "rb")
        except OSError:
            self.missing += 1
            return
        try:
            while self._gen == gen:
                n = f.readinto(self.raw)
                if not n:
                    self.played += 1
                    return
                self._expand(n)
                if not await self._room.within_ms(1000):
                    self.missing += 1  # a stuck DMA: give the clip up
                    return
                self.i2s.write(memoryview(self.pcm)[:2 * n])
                self._until = ticks_add(ticks_ms(), n * 1000 // RATE + _TAIL_MS)
        except OSError:
            self.missing += 1
        finally:
            f.close()

    async def run(self):
        while True:
            if not self._queue:
                await sleep_ms(50)
                continue
            gen = self._gen
            name = self._queue.pop(0)
            self._busy = True
            try:
                await self._play_clip(name, gen)
            finally:
                self._busy = False
