"""Shared helpers for the GPS tests: where the real captures are, and an NMEA checksum."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NMEA_DIR = ROOT.parent / "shared" / "data" / "nmea"
# logs made of binary protocols, where gpsd's positions come from the binary frames
BINARY_LOGS = ("bu303-moving", "bu303-nofix", "garmin18x-bin")

# A '$' always starts a sentence (NMEA 0183): a body holds none, so "$$GGA...*hh" is the
# sentence after the second '$' (a stray '$' before an intact sentence does not spoil it).
SENTENCE = re.compile(rb"\$([\x20-\x23\x25-\x7e]*?)\*([0-9A-Fa-f]{2})(?=[\r\n])")


def logs():
    if not NMEA_DIR.is_dir():
        pytest.skip("real NMEA captures not found at %s" % NMEA_DIR)
    found = sorted(NMEA_DIR.glob("*.log"))
    if not found:
        pytest.skip("no *.log in %s" % NMEA_DIR)
    return found


def xor(body):
    x = 0
    for c in body:
        x ^= c
    return x


def good_sentences(data):
    """Bodies of every '$...*hh' line in data whose checksum is right (independent of gps.nmea)."""
    out = []
    for m in SENTENCE.finditer(data):
        body, cs = m.group(1), m.group(2)
        if b"$" not in body and xor(body) == int(cs, 16):
            out.append(body.decode("ascii"))
    return out
