"""What the wearer sees, feels and hears for each session notification.

A notification key maps to an LED colour, a vibration pattern (on/off milliseconds), a tone
and a short spoken/shown text, all read when needed from the cue file of the wearer's language
(ui/cues_nl.txt, ui/cues_en.txt: the config's `language`; wording is data, and only the one
line asked for is read, so the texts cost no RAM while unused and the other language none at
all). A frozen build has no files beside its modules: there the same lines come from
ui/cue_text_LANG, which the manifest makes from each cue file and which stays in flash. The
board's feedback driver plays them.
"""

DEFAULT_LANGUAGE = "nl"
_NEUTRAL = ((255, 255, 255), (100,), None, "")


def _ints(text):
    return tuple(int(x) for x in text.split(",") if x)


def _frozen_line(head, lang):
    """The line from the table frozen with the code (boards/firmware_manifest.py), or None."""
    name = "cue_text_" + lang
    try:
        ui = __import__("ui." + name)
    except ImportError:
        return None
    text = getattr(ui, name).TEXT
    at = text.find("\n" + head)
    line = text[at + 1:text.find("\n", at + 1)] if at >= 0 else None
    # Let the module go again: frozen, its table stays in flash and a new import is cheap; a
    # table loaded into the heap (a .mpy image, as in the boot test) must not stay there.
    import sys

    sys.modules.pop("ui." + name, None)
    try:
        delattr(ui, name)
    except AttributeError:
        pass
    return line


def _line(head, lang, folder):
    """The line starting with head in the cue table of lang: from the file beside this module
    (source or .mpy files on the flash), else from the table frozen with the code."""
    try:
        with open(folder + "cues_" + lang + ".txt") as f:
            for line in f:
                if line.startswith(head):
                    return line.rstrip("\n")
        return None
    except OSError:
        pass
    return _frozen_line(head, lang)


def _find(head, lang, folder):
    line = _line(head, lang, folder)
    if line is None and lang != DEFAULT_LANGUAGE:  # a table missing on this device
        line = _line(head, DEFAULT_LANGUAGE, folder)
    return line


def _lookup(key, lang, folder):
    line = _find(key + "|", lang, folder)
    parts = line.split("|", 4) if line else ()
    if len(parts) == 5:
        try:
            return _ints(parts[1]), _ints(parts[2]), parts[3] or None, parts[4]
        except ValueError:
            pass
    return None


def _phrase(name, lang, folder):
    line = _find("@" + name + "|", lang, folder)
    return line.split("|", 1)[1] if line else ""


def _folder():
    return __file__.rsplit("/", 1)[0] + "/" if "/" in __file__ else ""


def cue(key, fields, lang=DEFAULT_LANGUAGE, folder=None):
    """(rgb, vibration, tone, text) for a notification in the wearer's language; unknown keys
    get a neutral cue."""
    if folder is None:
        folder = _folder()
    rgb, vibration, tone, template = _lookup(key, lang, folder) or _NEUTRAL
    values = {}
    for name in fields:
        values[name] = fields[name]
    if "leave" in values:
        values["leave_text"] = _phrase("leave_go" if values["leave"] else "leave_stay", lang,
                                       folder)
    if "minutes" in values:  # "1 minuut", "5 minuten": the cue file's own singular and plural
        values["minutes_text"] = _phrase("minutes_1" if values["minutes"] == 1 else "minutes_n",
                                         lang, folder).replace("{minutes}",
                                                               str(values["minutes"]))
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError):
        text = template
    return rgb, vibration, tone, text
