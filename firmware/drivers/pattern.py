"""On/off vibration patterns as timed steps; pure (no pins, no sleeping).

A cue's vibration is (on_ms, off_ms, on_ms, ...). `steps` turns it into (level, hold_ms) pairs
the feedback driver plays, clamped so a bad cue cannot buzz for minutes or flood the loop.
"""

from compat import const

MAX_STEP_MS = const(3000)
MAX_STEPS = const(16)


def steps(pattern):
    """[(on_bool, ms), ...] for an on/off pattern; bad entries are skipped, never raised."""
    out = []
    on = True
    for item in pattern or ():
        try:
            ms = int(item)
        except (TypeError, ValueError):
            continue
        ms = min(max(ms, 0), MAX_STEP_MS)
        if ms:
            out.append((on, ms))
        on = not on
        if len(out) >= MAX_STEPS:
            break
    if out and out[-1][0]:
        out.append((False, 0))  # always end with the motor off
    return out


# Tones are names in the cue files (ui/cues_*.txt); each is a short sequence of (frequency_hz, ms).
TONES = {
    "rise": ((660, 120), (880, 120), (1100, 160)),
    "fall": ((1100, 120), (880, 120), (660, 160)),
    "chime": ((1320, 150), (0, 80), (1320, 150)),
    "ask": ((880, 150), (0, 80), (1100, 200)),
    "warn": ((1760, 300), (0, 150), (1760, 300)),
    "alarm": ((1760, 250), (1320, 250), (1760, 250), (1320, 250)),
    "beep": ((1000, 150),),
}


def tone_steps(name):
    """(frequency_hz, ms) steps for a tone name; unknown or None: no sound."""
    return TONES.get(name, ()) if name else ()
