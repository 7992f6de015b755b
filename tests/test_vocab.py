"""The words that cross layers (core/vocab.py, core/catalog.py) are the only ones the firmware
uses.

Cue keys: every key has exactly one well-formed line in each language's cue file (a key without
a line would be shown as a blank neutral cue), every line is a known key, every language gives
a key the same light, vibration, tone and {fields}, the config accepts exactly the languages
that have a cue file, and the firmware notifies with no key missing from the list. Press
patterns: the button reader makes only the listed ones and the session's press table answers
only those. Action kinds: the core returns
only the listed kinds. (Journal categories: tests/test_consent_coverage.py.)
"""

import re
import string
from pathlib import Path

import pytest

from core import catalog
from core.config import LANGUAGES, ConfigError, defaults, validate
from core.session import Session
from test_ui_compat import play

SECRET = "aaac85cb5966f30d27bf1b931d7ff132"  # a random couple secret

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
NOTIFY = re.compile(r'(?:\((?:"notify"|NOTIFY), |_notify\()\s*"([a-z_]+)"'
                    r'(?:\s+if\s+[^,]+?\s+else\s+"([a-z_]+)")?')
FINISH = re.compile(r'_finish\([^()]*"([a-z_]+)"\)')  # the session's end: a notify key passed on


def cue_files():
    """Each language's cue file (ui/cues_LANG.txt)."""
    found = set(FIRMWARE.rglob("cues*.txt")) | set(FIRMWARE.rglob("cues/*.txt"))
    return sorted(found)


def cue_lines(path):
    """The cue lines (split at |), without the @phrases."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "@")):
            lines.append(line.split("|"))
    return lines


def phrases(path):
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("@"):
            name, _, text = line[1:].partition("|")
            assert name not in out, (path, name)
            out[name] = text
    return out


def fields_of(text):
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)


def notify_keys():
    found = set()
    for path in FIRMWARE.rglob("*.py"):
        text = path.read_text()
        for first, other in NOTIFY.findall(text):
            found.add(first)
            if other:
                found.add(other)
        found.update(FINISH.findall(text))
    return found


def test_the_cue_files_are_found_one_per_language_the_config_accepts():
    files = cue_files()
    assert FIRMWARE / "ui" / "cues_nl.txt" in files and FIRMWARE / "ui" / "cues_en.txt" in files
    langs = [p.stem.split("_", 1)[1] for p in files]
    assert sorted(langs) == sorted(LANGUAGES)
    assert defaults()["language"] == "nl", "Dutch first"
    cfg = defaults()
    cfg.update(role="A", pair_secret="aaac85cb5966f30d27bf1b931d7ff132",
               contacts=[{"name": "C%d" % i, "phone": "+3161234567%d" % i} for i in range(3)])
    assert validate(dict(cfg, language="en"))["language"] == "en"
    with pytest.raises(ConfigError) as e:
        validate(dict(cfg, language="de"))  # no cue file: the device would say nothing
    assert e.value.field == "language"


def test_every_language_has_the_same_signals_fields_and_phrases():
    files = cue_files()
    first = {parts[0]: parts for parts in cue_lines(files[0])}
    first_phrases = phrases(files[0])
    assert sorted(first_phrases) == ["leave_go", "leave_stay", "minutes_1", "minutes_n"]
    for path in files[1:]:
        for parts in cue_lines(path):
            other = first[parts[0]]
            assert parts[1:4] == other[1:4], (path, parts[0], "light, vibration, tone")
            assert fields_of(parts[4]) == fields_of(other[4]), (path, parts[0])
            assert bool(parts[4]) == bool(other[4]), (path, parts[0])
        own = phrases(path)
        assert sorted(own) == sorted(first_phrases), path
        assert all(own.values()), path
        assert fields_of(own["minutes_n"]) == ["minutes"], path


def test_every_cue_key_has_one_well_formed_line_in_each_cue_file():
    assert len(set(catalog.CUES)) == len(catalog.CUES)
    for path in cue_files():
        lines = cue_lines(path)
        keys = [parts[0] for parts in lines]
        assert sorted(keys) == sorted(catalog.CUES), path
        for parts in lines:
            assert len(parts) == 5, (path, parts[0])  # key|rgb|vibration|tone|text
            rgb = [int(x) for x in parts[1].split(",") if x]
            assert len(rgb) in (0, 3) and all(0 <= x <= 255 for x in rgb), (path, parts[0])
            assert all(int(x) > 0 for x in parts[2].split(",") if x), (path, parts[0])


def test_the_scan_finds_the_known_notify_keys():
    found = notify_keys()
    for known in ("timeout_started", "calling", "meet_and_talk", "timeout_over_not_calm",
                  "switched_off", "switched_on", "no_network", "contact_reached"):
        assert known in found


def test_the_firmware_notifies_only_with_listed_keys():
    assert sorted(k for k in notify_keys() if k not in catalog.CUES) == []


def test_press_patterns_are_the_listed_ones():
    made = set()
    for presses in ([(0, 100)], [(0, 100), (300, 100)], [(0, 100), (300, 100), (600, 100)],
                    [(0, 100)] * 5, [(0, 1500)], [(0, 6000)]):
        made.update(play(presses))
    assert made == set(catalog.PRESSES)
    assert {pattern for _, pattern, _ in Session._PRESSES} == set(catalog.PRESSES)


def test_the_core_returns_only_listed_action_kinds():
    contacts = [{"name": "C%d" % i, "phone": "+3161234567%d" % i} for i in range(3)]
    cfg = defaults()
    cfg.update(role="A", pair_secret=SECRET, contacts=contacts, timeout_min=10,
               mood_interval_min=2, max_extensions=0, walk_away_grace_s=60)
    s = Session(validate(cfg), 0, lambda: 7)
    kinds = set()
    steps = [("press", "single"), ("distance", "too_close"), None,
             ("call_result", 0, "busy"), ("call_result", 1, "busy"), ("call_result", 2, "busy"),
             ("press", "very_long")]
    now = 0
    for event in steps:
        now += 30000
        actions = s.tick(now) if event is None else s.handle(now, event)
        for _ in range(40):  # then time passes: the grace, the tolerance, the mood checks
            actions += s.tick(now)
            now += max(1, s.wait_ms(now))
        kinds.update(a[0] for a in actions)
    assert kinds == set(catalog.ACTIONS)
