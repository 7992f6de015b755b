"""Press patterns, tick arithmetic, cues and the journal."""

import shutil
from pathlib import Path

import pytest

from compat import TICKS_PERIOD, ticks_add, ticks_diff
from store.journal import Journal
from ui.buttons import PressPatterns
from ui.feedback import cue


def play(presses, start=0):
    """presses: list of (down_at_ms, hold_ms). Returns the patterns recognised."""
    p = PressPatterns()
    out = []
    events = []
    for down, hold in presses:
        events.append((down, True))
        events.append((down + hold, False))
    for t, pressed in events:
        t = ticks_add(start, t)
        for res in (p.poll(t), p.edge(pressed, t)):
            if res:
                out.append(res)
    end = ticks_add(start, events[-1][0] + 5000)
    res = p.poll(end)
    if res:
        out.append(res)
    return out


@pytest.mark.parametrize("start", [0, TICKS_PERIOD - 300])
def test_patterns(start):
    assert play([(0, 100)], start) == ["single"]
    assert play([(0, 100), (300, 100)], start) == ["double"]
    assert play([(0, 100), (300, 100), (600, 100)], start) == ["triple"]
    assert play([(0, 1500)], start) == ["long"]
    assert play([(0, 6000)], start) == ["very_long"]
    assert play([(0, 100), (2000, 100)], start) == ["single", "single"]


def test_late_poll_does_not_merge_two_patterns():
    p = PressPatterns()
    p.edge(True, 0)
    p.edge(False, 100)
    # The loop was busy: the next press arrives after the gap, before any poll.
    assert p.edge(True, 2000) == "single"
    p.edge(False, 2100)
    assert p.poll(2100 + p.gap_ms) == "single"


def test_ticks_wrap_like_micropython():
    assert ticks_add(TICKS_PERIOD - 1, 1) == 0
    assert ticks_diff(5, TICKS_PERIOD - 5) == 10
    assert ticks_diff(TICKS_PERIOD - 5, 5) == -10
    assert ticks_add(3, -5) == TICKS_PERIOD - 2


def test_cue_texts_fill_fields_in_dutch_first():
    rgb, vibration, tone, text = cue("timeout_started", {"task": "Wandelen", "leave": 0,
                                                         "minutes": 60})
    assert text == "Time-out. Je taak: Wandelen. Blijf waar je bent. 60 minuten."
    assert len(rgb) == 3 and vibration
    assert "Jij gaat nu het huis uit." in cue("leaver_changed", {"leave": 1})[3]
    assert cue("no_such_key", {})[3] == ""


def test_the_configured_language_speaks_and_the_signals_stay():
    fields = {"task": "Walk", "leave": 1, "minutes": 60}
    en = cue("timeout_started", fields, "en")
    assert en[3] == "Time-out. Your task: Walk. You leave the house now. 60 minutes."
    assert en[:3] == cue("timeout_started", fields, "nl")[:3]
    assert cue("calling", {"name": "Ann"}, "en")[3] == "Calling Ann."
    assert cue("calling", {"name": "Ann"}, "nl")[3] == "Ann wordt gebeld."


def test_a_language_table_missing_on_the_device_falls_back_to_dutch(tmp_path):
    folder = Path(__file__).resolve().parent.parent / "firmware" / "ui"
    shutil.copy(folder / "cues_nl.txt", tmp_path / "cues_nl.txt")
    text = cue("status", {"task": "Lezen", "minutes": 5}, "en", str(tmp_path) + "/")[3]
    assert text == "Je taak: Lezen. Nog 5 minuten."


def test_journal_survives_torn_line_and_rotates(tmp_path):
    j = Journal(str(tmp_path), max_bytes=400)
    for i in range(20):
        j.append("mood_answer", {"i": i}, 1000 + i)
    with open(j.path, "a") as f:
        f.write('{"seq": 99, "cat": "tor')  # power cut mid-write
    again = Journal(str(tmp_path), max_bytes=400)
    entries = again.entries()
    assert entries[-1]["i"] == 19 and again.seq == 20
    assert len(entries) < 20, "old entries rotated out"
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)


def test_one_minute_is_singular_and_a_minute_left_is_never_zero():
    from core.session import _minutes_left

    assert cue("status", {"task": "Lezen", "minutes": 1})[3] == "Je taak: Lezen. Nog 1 minuut."
    assert cue("status", {"task": "Read", "minutes": 1}, "en")[3] == \
        "Your task: Read. 1 minute left."
    assert cue("extended", {"minutes": 15})[3] == "De time-out duurt 15 minuten langer."
    assert [_minutes_left(ms) for ms in (-5, 0, 1, 20000, 60000, 60001, 3600000)] == \
        [0, 0, 1, 1, 1, 2, 60]
