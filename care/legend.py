"""The wearer's legend of lights and vibrations, for a device without a speaker: every pattern
the device shows, in the wearer's language, made from the cue file the device itself reads
(firmware/ui/cues_LANG.txt), so the printed page and the device cannot disagree.

Cues that look and feel the same are one row with every meaning they can have: a wearer who
cannot hear the words must know that an orange double buzz may mean several things (and that
three presses call the contact person whatever it means). CPython only.
"""

import os

from care import use_firmware_path

use_firmware_path()

from core.config import LANGUAGES  # noqa: E402
from modem import wording  # noqa: E402

_CUES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "firmware", "ui")


def _cue_lines(language):
    if language not in LANGUAGES:
        raise ValueError("unknown language %r (%s)" % (language, ", ".join(LANGUAGES)))
    cues, phrases = [], {}
    with open(os.path.join(_CUES, "cues_%s.txt" % language), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("@"):
                name, _, text = line[1:].partition("|")
                phrases[name] = text
                continue
            key, rgb, vibration, tone, text = line.split("|", 4)
            cues.append((key, rgb, vibration, tone, text))
    return cues, phrases


def _ints(text):
    return tuple(int(x) for x in text.split(",") if x)


def rows(language, task, number="N", name="..."):
    """[{rgb, css, pulses, tone, meanings}] in the order the cue file first uses each look:
    rgb (r, g, b) or None for no light; pulses [(on_ms, off_ms)] of the vibration; meanings the
    cue texts with the wearer's task filled in (`number` and `name` stand for the minutes and
    the contact person's name, which change)."""
    cues, phrases = _cue_lines(language)
    leave = " / ".join(t for n, t in sorted(phrases.items()) if n.startswith("leave_"))
    out, by_look = [], {}
    for key, rgb, vibration, tone, text in cues:
        colour = _ints(rgb)
        buzz = _ints(vibration)
        if not text and not any(colour) and not buzz:
            continue  # shows nothing (the light goes out)
        look = (colour, buzz, tone)
        if look not in by_look:
            pulses = [(buzz[i], buzz[i + 1] if i + 1 < len(buzz) else 0)
                      for i in range(0, len(buzz), 2)]
            by_look[look] = {"rgb": colour if any(colour) else None,
                             "css": "rgb(%d,%d,%d)" % colour if any(colour) else "none",
                             "pulses": pulses, "tone": tone, "meanings": [], "keys": []}
            out.append(by_look[look])
        meaning = (text.replace("{task}", task).replace("{leave_text}", leave)
                   .replace("{minutes_text}", phrases.get("minutes_n", "{minutes}"))
                   .replace("{minutes}", number).replace("{name}", name))
        by_look[look]["meanings"].append(meaning)
        by_look[look]["keys"].append(key)
    return out


def contact_texts(doc, role):
    """For each contact person of partner `role` in a couple document: name, phone and the two
    texts the device sends them, word for word (the couple's own wording where the settings
    give one, else the built-in Dutch), the welcome text when the wearer chose one (else None),
    and whether the place is added (share_location)."""
    settings = doc.get("settings", {}) or {}
    person = doc.get(role, {}) or {}
    templates = {k: settings[k] for k in wording.DEFAULT_TEMPLATES if settings.get(k)} or None
    wearer = person.get("wearer_name") or "-"
    share = (person.get("share_location", settings.get("share_location")) is True)
    welcome = (person.get("welcome_text", settings.get("welcome_text")) is True)
    out = []
    for c in person.get("contacts", []):
        texts = {}
        for kind in ("escalated", "fallback", "welcome"):
            try:
                texts[kind] = wording.contact_text(kind, wearer, c.get("name", ""), None,
                                                   False, templates)
            except ValueError:  # the device falls back to the built-in wording too
                texts[kind] = wording.contact_text(kind, wearer, c.get("name", ""))
        out.append({"name": c.get("name", ""), "phone": c.get("phone", ""),
                    "escalated": texts["escalated"], "fallback": texts["fallback"],
                    "welcome": texts["welcome"] if welcome else None, "with_place": share})
    return out
