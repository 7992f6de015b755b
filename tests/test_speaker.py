"""The speaker driver (drivers/speaker.py) plays rendered prompt clips: G.711 decoding against
an independent decoder, clips in order, a prompt with a missing clip or a clip rendered for
other words not played at all (and counted), a new prompt ending the old one, `playing` (the
microphone's gate) true while it plays and for the tail after; and the same under micropython
on the fake machine's I2S."""

import asyncio
import warnings

import numpy as np
import pytest

from care.prompts import clip_file, mulaw
from drivers.speaker import Speaker, ulaw_table
from ui.prompts import words_check
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


def _clip(folder, name, samples, words=None):
    data = clip_file(name if words is None else words, np.asarray(samples, dtype=np.int16))
    (folder / (name + ".ul")).write_bytes(data)


def _say(*names):
    return [(n, words_check(n)) for n in names]


def _play(spk, *prompts):
    async def go():
        task = asyncio.ensure_future(spk.run())
        seen = []
        for p in prompts:
            spk.play(p)
            for _ in range(40):
                await asyncio.sleep(0.01)
                seen.append(spk.playing)
        await asyncio.sleep(0.5)
        task.cancel()
        return seen, spk.playing

    return asyncio.run(go())


def test_clips_play_in_order(tmp_path):
    _clip(tmp_path, "a", [1000] * 300)
    _clip(tmp_path, "b", [-2000] * 500)
    i2s = FakeI2S()
    spk = Speaker(i2s, str(tmp_path), writable=lambda: True)
    seen, after = _play(spk, _say("a", "b"))
    out = np.frombuffer(bytes(i2s.out), "<i2")
    table = ulaw_table()
    want = [table[b] for b in mulaw(np.array([1000] * 300 + [-2000] * 500, np.int16))]
    assert list(out) == want, "the header is not played, the samples are, in order"
    assert spk.missing == 0 and spk.stale == 0 and spk.played == 2
    assert seen[0] and not after, "the microphone's gate: on while playing, off after the tail"


def test_a_prompt_with_a_missing_or_stale_clip_says_nothing(tmp_path):
    _clip(tmp_path, "a", [1000] * 300)
    _clip(tmp_path, "contact_0", [900] * 300, words="Jan")  # rendered for the old contact
    (tmp_path / "torn.ul").write_bytes(b"UL")
    i2s = FakeI2S()
    spk = Speaker(i2s, str(tmp_path), writable=lambda: True)
    _play(spk, _say("a", "nope"), [("a", words_check("a")), ("contact_0", words_check("Piet"))],
          _say("a", "torn"))
    assert len(i2s.out) == 0, "no half sentence, no wrong name"
    assert spk.missing == 1 and spk.stale == 2 and spk.played == 0
    _play(spk, [("a", words_check("a")), ("contact_0", words_check("Jan"))])
    assert spk.played == 2, "the same clips play when their words are the prompt's"


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
        spk.play(_say("long"))
        await asyncio.sleep(0.1)
        spk.play(_say("short"))
        await asyncio.sleep(0.5)
        task.cancel()

    asyncio.run(go())
    assert len(i2s.out) < 2 * 8000 and spk.played == 1, "long cut short, short played"


def test_the_speaker_plays_under_micropython_on_the_fake_i2s(tmp_path):
    _clip(tmp_path, "x", list(range(-3000, 3000, 10)), words="Je taak: wandelen")
    _clip(tmp_path, "y", [5] * 100, words="old words")
    script = tmp_path / "s.py"
    script.write_text('''
import asyncio, machine, sys
from drivers.speaker import Speaker
from ui.prompts import words_check
i2s = machine.I2S(1, sck=1, ws=2, sd=3, mode=2, bits=16, format=0, rate=8000, ibuf=4096)
spk = Speaker(i2s, sys.argv[1])
async def go():
    t = asyncio.create_task(spk.run())
    spk.play([("x", words_check("Je taak: wandelen")), ("y", words_check("new words"))])
    await asyncio.sleep_ms(100)
    spk.play([("x", words_check("Je taak: wandelen"))])
    await asyncio.sleep_ms(400)
    t.cancel()
asyncio.run(go())
print(machine.I2S.WRITTEN_BYTES[0], spk.played, spk.missing, spk.stale, spk.playing)
''')
    done = run(script, str(tmp_path), path=[ROOT / "tests" / "fake_hw", FIRMWARE], cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["1200", "1", "0", "1", "False"], \
        "the micropython CRC matches the provisioning tool's"
