"""What the wearer sees, feels and hears for each session notification.

A notification key maps to an LED colour, a vibration pattern (on/off milliseconds), a tone
and a short spoken/shown text, all read from ui/cues.txt when needed (wording is data: it can be
translated there, and it costs no RAM while unused). The board's feedback driver plays them.
"""

_LEAVE = ("Stay where you are.", "You leave the house now.")
_NEUTRAL = ((255, 255, 255), (100,), None, "")


def _ints(text):
    return tuple(int(x) for x in text.split(",") if x)


def _lookup(key, path):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + "|"):
                    parts = line.rstrip("\n").split("|", 4)
                    if len(parts) == 5:
                        return _ints(parts[1]), _ints(parts[2]), parts[3] or None, parts[4]
    except (OSError, ValueError):
        pass
    return None


def cue(key, fields, path=None):
    """(rgb, vibration, tone, text) for a notification; unknown keys get a neutral cue."""
    if path is None:
        path = __file__.rsplit("/", 1)[0] + "/cues.txt" if "/" in __file__ else "cues.txt"
    rgb, vibration, tone, template = _lookup(key, path) or _NEUTRAL
    values = {}
    for name in fields:
        values[name] = fields[name]
    if "leave" in values:
        values["leave_text"] = _LEAVE[1 if values["leave"] else 0]
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError):
        text = template
    return rgb, vibration, tone, text
