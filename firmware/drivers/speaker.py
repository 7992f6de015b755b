"""An I2S class-D amplifier (MAX98357A class) with a small speaker: plays the prompt clips
rendered at provisioning (care/prompts.py: files <folder>/<clip>.ul, an 8-byte header, then
8 kHz G.711 mu-law, one byte a sample) one after the other, without blocking the loop.

The header is MAGIC and the CRC-32 of the words the clip says (big-endian). A prompt is a list
of (clip, check) pairs (ui/prompts.prompt); before the first sample of a prompt every clip's
header is compared with its check, and a prompt with a clip missing, unreadable or rendered for
other words (a contact changed since provisioning) is not played at all: the device says the
whole sentence or nothing, never a wrong name or half a sentence. Counted in `missing` and
`stale`.

The clip is read from the flash in 256-byte pieces, expanded to 16-bit samples through a
256-entry table into one pre-made buffer, and written to the I2S DMA only when it has room
(a poller made once, looked at every _POLL_MS). `playing` is True from the first piece until
the DMA has had time to empty: the listener does not count what the microphone hears then
(the device must not propose a time-out because it heard itself). A new prompt ends the one
playing. A clip that fails while playing ends its prompt and is counted, never a crash.
"""

from array import array

from compat import Poll, Waker, const, ticks_add, ticks_diff, ticks_ms

RATE = const(8000)
_PIECE = const(256)  # mu-law bytes read at a time: 32 ms of speech
_POLL_MS = const(8)
TAIL_MS = const(250)  # after the last write: the DMA's backlog and the room's echo
MAGIC = b"UL\x00\x01"
HEADER = const(8)  # MAGIC + the CRC-32 of the clip's words


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
    """spk = Speaker(i2s, folder); spk.play([("k_status_0", check), ...]) starts a prompt;
    `await spk.run()` is the task that plays them. `i2s` is a machine.I2S in TX mode at RATE,
    16 bits, mono; `writable()` (tests) says whether its DMA has room; `clock` gives ticks in
    ms (the board's; the simulator's virtual one)."""

    def __init__(self, i2s, folder, writable=None, clock=ticks_ms):
        self.i2s = i2s
        self._ticks = clock
        self.folder = folder
        self.table = ulaw_table()
        self.raw = bytearray(_PIECE)
        self.head = bytearray(HEADER)
        self.pcm = bytearray(2 * _PIECE)
        self._writable = writable
        self._poller = None
        if writable is None:
            import select

            self._poller = select.poll()
            self._poller.register(i2s, select.POLLOUT)
        self._room = Poll(self._has_room, _POLL_MS)
        self._wake = Waker()  # set by play(): the idle player waits on it, not on a timer
        self._queue = []  # type: list  # the (clip, check) pairs of the prompt still to play
        self._checked = 0  # the prompt (by _gen) whose clips were checked
        self._busy = False  # a clip is being played
        self._gen = 0  # counts the prompts started: a new one ends the one playing
        self._until = None  # ticks when the last written sample has left the speaker
        self.missing = 0  # clips not found or not readable
        self.stale = 0  # clips rendered for other words than the prompt's
        self.played = 0  # clips played whole

    @property
    def playing(self):
        if self._queue or self._busy:
            return True
        return self._until is not None and ticks_diff(self._until, self._ticks()) > 0

    def play(self, clips):
        """Start the prompt `clips` ((clip name, check) pairs), ending any prompt playing."""
        self._queue = list(clips)
        self._gen += 1
        self._wake.set()

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

    def _open(self, name, check):
        """The clip's file past its header, or None (counted) when it cannot say its words."""
        try:
            f = open(self.folder + "/" + name + ".ul", "rb")
        except OSError:
            self.missing += 1
            return None
        head = self.head
        try:
            ok = f.readinto(head) == HEADER and head[:4] == MAGIC \
                and int.from_bytes(head[4:], "big") == check
        except OSError:
            ok = False
        if not ok:
            f.close()
            self.stale += 1
        return f if ok else None

    def _drop(self, gen):
        if self._gen == gen:  # the rest of this prompt, not a newer one
            self._queue = []

    def _whole(self, prompt):
        for name, check in prompt:
            f = self._open(name, check)
            if f is None:
                return False
            f.close()
        return True

    async def _play_clip(self, name, check, gen):
        f = self._open(name, check)
        if f is None:
            self._drop(gen)
            return
        try:
            while self._gen == gen:
                n = f.readinto(self.raw)
                if not n:
                    self.played += 1
                    return
                self._expand(n)
                if not await self._room.within_ms(1000):
                    self.missing += 1  # a stuck DMA: give the prompt up
                    self._drop(gen)
                    return
                self.i2s.write(memoryview(self.pcm)[:2 * n])
                self._until = ticks_add(self._ticks(), n * 1000 // RATE + TAIL_MS)
        except OSError:
            self.missing += 1
            self._drop(gen)
        finally:
            f.close()

    async def run(self):
        while True:
            if not self._queue:  # nothing to say: asleep until play() (no wake-ups while idle)
                self._wake.clear()
                await self._wake.wait_ms(None)
                continue
            gen = self._gen
            if self._checked != gen:  # a new prompt: all of it can be said, or none
                self._checked = gen
                if not self._whole(self._queue):
                    self._queue = []
                    continue
            name, check = self._queue.pop(0)
            self._busy = True
            try:
                await self._play_clip(name, check, gen)
            finally:
                self._busy = False
