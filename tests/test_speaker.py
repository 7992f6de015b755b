"""The speaker driver (drivers/speaker.py) plays rendered prompt clips: G.711 decoding against
an independent decoder, clips in order, a missing clip skipped and counted, a new prompt ending
the old one, `playing` (the microphone's gate) true while it plays and for the tail after;
and the same under micropython on the fake machine's I2S. Not yet called by the shell."""

import asyncio
import warnings

import numpy as np
import pytest

from care.prompts import mulaw
from drivers.speaker import Speaker, ulaw_table
from mpy import FIRMWARE, ROOT, run


class FakeI2S:
    def __init__(self):
        self.out = bytearray()

    def write(self, buf):
        self.out.extend(buf)
        return len(buf)


def test_the_decoding_table_matches_an_independent_decoder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    assert list(ulaw_table()) == list(np.frombuffer(audioop.ulaw2lin(bytes(range(256)), 2),
                                                    "<i2"))


def _clip(folder, name, samples):
    (folder / (name + ".ul")).write_bytes(mulaw(np.asarray(samples, dtype=np.int16)))


def test_clips_play_in_order_and_a_missing_one_is_skipped(tmp_path):
    _clip(tmp_path, "a", [1000] * 300)
    _clip(tmp_path, "b", [-2000] * 500)
    i2s = FakeI2S()
    spk = Speaker(i2s, str(tmp_path), writable=lambda: True)

    async def go():
        task = asyncio.ensure_future(spk.run())
        spk.play(["a", "nope", "b"])
        seen = []
        for _ in range(40):
            await asyncio.sleep(0.01)
            seen.append(spk.playing)
        await asyncio.sleep(0.5)
        task.cancel()
        return seen, spk.playing

    seen, after = asyncio.run(go())
    out = np.frombuffer(bytes(i2s.out), "<i2")
    table = ulaw_table()
    want = [table[b] for b in mulaw(np.array([1000] * 300 + [-2000] * 500, np.int16))]
    assert list(out) == want
    assert spk.missing == 1 and spk.played == 2
    assert seen[0] and not after, "the microphone's gate: on while playing, off after the tail"


def test_a_new_prompt_ends_the_one_playing(tmp_path):
    _clip(tmp_path, "long", [500] * 8000)
    _clip(tmp_path, "short", [700] * 100)
    i2s = FakeI2S()
    room = [0]

    def writable():  # the DMA takes a piece every other look
        room[0] += 1
        return room[0] % 2 == 0

    spk = Speaker(i2s, str(tmp_path), writable=writable)

    async def go():
        task = asyncio.ensure_future(spk.run())
        spk.play(["long"])
        await asyncio.sleep(0.1)
        spk.play(["short"])
        await asyncio.sleep(0.5)
        task.cancel()

    asyncio.run(go())
    assert len(i2s.out) < 2 * 8000 and spk.played == 1, "long cut short, short played"


def test_the_speaker_plays_under_micropython_on_the_fake_i2s(tmp_path):
    _clip(tmp_path, "x", list(range(-3000, 3000, 10)))
    script = tmp_path / "s.py"
    script.write_text('''
import asyncio, machine, sys
from drivers.speaker import Speaker
i2s = machine.I2S(1, sck=1, ws=2, sd=3, mode=2, bits=16, format=0, rate=8000, ibuf=4096)
spk = Speaker(i2s, sys.argv[1])
async def go():
    t = asyncio.create_task(spk.run())
    spk.play(["x", "gone"])
    await asyncio.sleep_ms(400)
    t.cancel()
asyncio.run(go())
print(machine.I2S.WRITTEN_BYTES[0], spk.played, spk.missing, spk.playing)
''')
    done = run(script, str(tmp_path), path=[ROOT / "tests" / "fake_hw", FIRMWARE], cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["1200", "1", "1", "False"]
