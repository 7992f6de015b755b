"""The README's table of what the wearer sees, feels and hears holds every cue of the device's
Dutch cue file with its light, vibration, tone and words as the file has them."""

import re

from core import catalog
from mpy import FIRMWARE, ROOT

COLOURS = {(0, 0, 255): "blue", (0, 255, 0): "green", (255, 160, 0): "orange",
           (255, 0, 0): "red", (255, 255, 0): "yellow", (40, 0, 40): "dim purple",
           (0, 40, 0): "dim green", (0, 0, 0): "off"}


def _file_cues():
    out = {}
    for line in (FIRMWARE / "ui" / "cues_nl.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "@")):
            key, rgb, vib, tone, text = line.split("|")
            pulses = [int(v) for v in vib.split(",")][0::2] if vib else []
            out[key] = (COLOURS[tuple(int(c) for c in rgb.split(","))],
                        "%d x %s s" % (len(pulses), "/".join(sorted({"%g" % (p / 1000)
                                                                     for p in pulses})))
                        if pulses else "-", tone or "-", text or "(nothing)")
    return out


def _readme_rows():
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| [^|]+ \| `(\w+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \| (.+) \|$", line)
        if m:
            rows[m.group(1)] = tuple(g.strip() for g in m.groups()[1:])
    return rows


def test_the_readme_says_what_each_cue_shows_and_says():
    want, got = _file_cues(), _readme_rows()
    assert set(want) == set(catalog.CUES), "every cue of the catalogue is in the file"
    assert set(got) == set(want), sorted(set(want) ^ set(got))
    for key in want:
        assert got[key] == want[key], (key, got[key], want[key])
