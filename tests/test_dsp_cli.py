"""`python -m host_sim detect`: output format, both engines, clear errors for bad files."""

import json
import wave

import numpy as np
import pytest

from dsp_lab import scenes as audio_scenes
from host_sim.detect_cli import main


def _wav(path, data, rate=16000, channels=1, width=2):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)
    return path


def _tone(rate, seconds, spl=80.0):
    t = np.arange(int(rate * seconds)) / rate
    amp = 32768 * 10 ** ((spl - 120) / 20)  # INMP441: full-scale sine = 120 dB SPL
    return np.round(amp * np.sin(2 * np.pi * 1000 * t)).astype("<i2")


@pytest.mark.parametrize("engine", ["cpython", "micropython"])
@pytest.mark.parametrize("rate", [16000, 8000])
def test_json_lines(tmp_path, capsys, engine, rate):
    f = _wav(tmp_path / "a.wav", _tone(rate, 3.0).tobytes(), rate)
    assert main([str(f), "--json", "--engine", engine]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert [r["t"] for r in lines] == [1.0, 2.0, 3.0]
    assert abs(lines[-1]["laeq"] - 80.0) < 0.3 and abs(lines[-1]["lafmax"] - 80.0) < 0.3
    for key in ("t", "laeq", "lafmax", "rise", "crest", "tilt", "dips", "baseline", "shout",
                "shout_count"):  # every feature the rule used, per second
        assert key in lines[-1], key
    assert abs(lines[-1]["crest"] - (lines[-1]["lafmax"] - lines[-1]["laeq"])) <= 0.11
    assert abs(lines[-1]["rise"] - (lines[-1]["laeq"] - lines[-1]["baseline"])) <= 0.11


def test_sensitivity_and_board(tmp_path, capsys):
    f = _wav(tmp_path / "a.wav", _tone(16000, 2.0).tobytes())
    assert main([str(f), "--json", "--sensitivity", "-36", "--engine", "cpython"]) == 0
    assert abs(json.loads(capsys.readouterr().out.splitlines()[-1])["laeq"] - 90.0) < 0.3
    assert main([str(f), "--board", "nosuch"]) == 2
    assert main([str(f), "--sensitivity", "12"]) == 2


def test_proposal_line(tmp_path, capsys):
    x, _ = audio_scenes.scene("escalation", "home", seed=1)
    f = _wav(tmp_path / "e.wav", x.tobytes())
    assert main([str(f), "--json", "--kind", "home"]) == 0
    events = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    props = [e for e in events if e.get("event") == "proposal"]
    assert len(props) == 1 and 45 <= props[0]["t"] <= 65


@pytest.mark.parametrize("case", ["stereo", "8bit", "rate", "empty", "notwav", "missing",
                                  "truncated"])
def test_bad_input_is_a_clear_error(tmp_path, capsys, case):
    p = tmp_path / "bad.wav"
    if case == "stereo":
        _wav(p, np.zeros(3200, "<i2").tobytes(), channels=2)
    elif case == "8bit":
        _wav(p, bytes(1600), width=1)
    elif case == "rate":
        _wav(p, np.zeros(4410, "<i2").tobytes(), rate=44100)
    elif case == "empty":
        _wav(p, b"")
    elif case == "notwav":
        p.write_bytes(b"hello, this is not audio at all" * 10)
    elif case == "truncated":
        _wav(p, np.zeros(3200, "<i2").tobytes())
        p.write_bytes(p.read_bytes()[:30])
    assert main([str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("detect: ") and "Traceback" not in err
