"""Spoken prompts: which clips speak each cue (firmware/ui/prompts.py), with the check of the
words each must say, and their rendering at provisioning (care/prompts.py, espeak-ng, 8 kHz
mu-law behind a header carrying that check). The player: tests/test_speaker.py."""

import io
import json
import warnings
import wave

import numpy as np
import pytest

from care import prompts as render
from core import catalog
from core.config import LANGUAGES
from ui.prompts import clips, pieces, prompt, words_check

CFG = {"language": "nl", "task": "Een rondje fietsen", "timeout_min": 10, "extension_min": 5,
       "contacts": [{"name": "Ann"}, {"name": "Bob"}, {"name": "Cy"}]}
NAMES = ["Ann", "Bob", "Cy"]


def every_cue_said(lang):
    """(key, fields) for every cue, with each value its fields can take that changes the clips."""
    for key in catalog.CUES:
        for fields in ({"task": "x", "leave": 0, "minutes": 1, "name": "Bob"},
                       {"task": "x", "leave": 1, "minutes": 10, "name": "Cy"}):
            yield key, fields


def test_a_cue_text_is_cut_at_its_fields():
    assert pieces("Je taak: {task}. Nog {minutes_text}.") == [
        ("text", "Je taak: "), ("field", "task"), ("text", ". Nog "), ("field", "minutes_text")]
    assert pieces("") == [] and pieces("{name}") == [("field", "name")]


def test_status_is_spoken_with_the_task_the_number_and_the_right_plural():
    assert clips("status", {"task": "x", "minutes": 5}, NAMES) == \
        ["k_status_0", "task", "k_status_1", "num_5", "p_minutes_n_0"]
    assert clips("status", {"task": "x", "minutes": 1}, NAMES) == \
        ["k_status_0", "task", "k_status_1", "p_minutes_1_0"]
    assert clips("contact_reached", {"name": "Cy"}, NAMES) == ["contact_2", "k_contact_reached_0"]
    assert clips("proposal_expired", {}, NAMES) == [], "a cue without words says nothing"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_clip_a_cue_can_ask_for_is_rendered_at_provisioning(lang):
    have = render.needed(dict(CFG, language=lang))
    for key, fields in every_cue_said(lang):
        for m in range(1, 11):
            asked = clips(key, dict(fields, minutes=m), NAMES, lang)
            missing = [c for c in asked if c not in have]
            assert not missing, (key, fields, missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_device_checks_each_clip_against_the_words_it_was_rendered_for(lang):
    cfg = dict(CFG, language=lang)
    have = render.needed(cfg)
    for key, fields in every_cue_said(lang):
        said = prompt(key, dict(fields, task=cfg["task"]), NAMES, lang)
        assert [n for n, _ in said] == clips(key, fields, NAMES, lang)
        for name, check in said:
            assert check == words_check(have[name]), (key, name, have[name])
    moved = prompt("calling", {"name": "Bob"}, ["Bob", "Ann"], lang)
    said = dict(moved)
    assert said["contact_0"] == words_check("Bob")
    assert said["contact_0"] != words_check(have["contact_0"]), \
        "a contact moved up since provisioning: the old clip of place 0 fails its check"


def test_mu_law_matches_an_independent_encoder():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    x = np.concatenate([np.arange(-32768, 32768, 7), [-32768, -1, 0, 1, 32767]]).astype("<i2")
    assert render.mulaw(x) == audioop.lin2ulaw(x.tobytes(), 2)


def _wav(samples, rate=16000, width=2):
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, "<i2").tobytes() if width == 2 else bytes(samples))
    buf.seek(0)
    return buf


def test_a_recorded_wav_is_resampled_and_a_bad_one_refused():
    x = render.read_wav(_wav(np.zeros(16000)))
    assert len(x) == 8000 and x.dtype == np.int16
    with pytest.raises(ValueError):
        render.read_wav(_wav(bytes(100), width=1))
    with pytest.raises(ValueError):
        render.read_wav(io.BytesIO(b"RIFF nonsense"))


def test_provisioning_renders_the_clips_and_prints_the_flash(tmp_path, capsys):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(CFG))
    task = tmp_path / "task.wav"
    task.write_bytes(_wav((3000 * np.sin(np.arange(8000) / 5)).astype(int), rate=8000).read())
    assert render.main([str(cfg), str(tmp_path / "p"), "--task-wav", str(task)]) == 0
    out = capsys.readouterr().out
    files = {p.stem: p.stat().st_size for p in (tmp_path / "p").glob("*.ul")}
    assert set(files) == set(render.needed(CFG))
    assert files["task"] == 8 + 8000, "the recorded task (behind the header), not espeak-ng's"
    head = (tmp_path / "p" / "task.ul").read_bytes()[:8]
    assert head == render.MAGIC + words_check(CFG["task"]).to_bytes(4, "big")
    assert all(size > 800 for size in files.values()), "each clip has speech"
    assert "%d clips, %d bytes" % (len(files), sum(files.values())) in out


def test_a_broken_recording_is_a_clear_error(tmp_path, capsys):
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(CFG))
    bad = tmp_path / "task.wav"
    bad.write_bytes(b"not a wav")
    assert render.main([str(cfg), str(tmp_path / "p"), "--task-wav", str(bad)]) == 2
    assert "prompts:" in capsys.readouterr().err
