"""What the wearer sees, feels and hears for each session notification.

A notification key maps to an LED colour, a vibration pattern (on/off milliseconds), a tone
and a short spoken/shown text, all read from ui/cues.txt when needed (wording is data: it can be
translated there, and it costs no RAM while unused). A frozen build has no files beside its
modules: there the same lines come from ui/cue_text, which the manifest makes from cues.txt and
which stays in flash. The board's feedback driver plays them.
"""

_LEAVE = ("Stay where you are.", "You leave the house now.")
_NEUTRAL = ((255, 255, 255), (100,), None, "")


def _ints(text):
    return tuple(int(x) for x in text.split(",") if x)


def _line(key, path):
    """The cue table's line for key: from the file beside this module (source or .mpy files on
    the flash), else from the table frozen with the code."""
    head = key + "|"
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(head):
                    return line.rstrip("\n")
        return None
    except OSError:
        pass
    try:  # made by boards/firmware_manifest.py when the firmware is frozen
        from ui import cue_text  # type: ignore[attr-defined]
    except ImportError:
        return None
    text = cue_text.TEXT
    at = text.find("\n" + head)
    line = text[at + 1:text.find("\n", at + 1)] if at >= 0 else None
    # Let the module go again: frozen, its table stays in flash and a new import is cheap; a
    # table loaded into the heap (a .mpy image, as in the boot test) must not stay there.
    import sys

    sys.modules.pop("ui.cue_text", None)
    try:
        del sys.modules["ui"].cue_text
    except (KeyError, AttributeError):
        pass
    return line


def _lookup(key, path):
    line = _line(key, path)
    parts = line.split("|", 4) if line else ()
    if len(parts) == 5:
        try:
            return _ints(parts[1]), _ints(parts[2]), parts[3] or None, parts[4]
        except ValueError:
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
