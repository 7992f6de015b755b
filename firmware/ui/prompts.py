"""Which recorded clips speak a cue, in order: the cue file's text (ui/cues_LANG.txt) cut at its
{fields}. Each piece of the text is one clip, named after its cue and place ("k_status_0"),
and each field's value is a clip of its own: the wearer's task ("task"), a contact person
("contact_0".."contact_2", by their place in the config), a phrase ("p_leave_go") and a number
of minutes ("num_15"). The clips are rendered at provisioning (care/prompts.py, the same
cutting) in the wearer's language. A piece without a letter or digit (". ") is no clip.

Pure: no I/O but the one cue line read (through ui.feedback), so the simulator and the tests
compose exactly what a device would play.
"""

from store.files import crc32
from ui import feedback


def pieces(template):
    """[("text", piece) or ("field", name)] of a cue text, in order."""
    out = []
    rest = template
    while rest:
        at = rest.find("{")
        end = rest.find("}", at + 1) if at >= 0 else -1
        if at < 0 or end < 0:
            out.append(("text", rest))
            break
        if at:
            out.append(("text", rest[:at]))
        out.append(("field", rest[at + 1:end]))
        rest = rest[end + 1:]
    return [(kind, text) for kind, text in out if kind == "field" or _spoken(text)]


def _spoken(text):
    for ch in text:
        if ch.isalpha() or ch.isdigit():
            return True
    return False


def _phrase_clips(name, lang, folder, fields, contacts):
    line = feedback._find("@" + name + "|", lang, folder)
    text = line.split("|", 1)[1] if line else ""
    return _clips("p_" + name, text, fields, contacts, lang, folder)


def _clips(prefix, template, fields, contacts, lang, folder):
    """[(clip name, the words it must say)] in order."""
    out = []
    n = 0
    for kind, text in pieces(template):
        if kind == "text":
            out.append(("%s_%d" % (prefix, n), text.strip()))
            n += 1
        elif text == "task":
            out.append(("task", fields.get("task", "")))
        elif text == "name":
            name = fields.get("name")
            if name in contacts:
                out.append(("contact_%d" % contacts.index(name), name))
        elif text == "minutes":
            m = fields.get("minutes", 0)
            out.append(("num_%d" % m, str(m)))
        elif text == "minutes_text":
            one = fields.get("minutes") == 1
            out += _phrase_clips("minutes_1" if one else "minutes_n", lang, folder, fields,
                                 contacts)
        elif text == "leave_text":
            out += _phrase_clips("leave_go" if fields.get("leave") else "leave_stay", lang,
                                 folder, fields, contacts)
    return out


def _words(key, fields, contacts, lang, folder):
    if folder is None:
        folder = feedback._folder()
    found = feedback._lookup(key, lang, folder)
    if found is None:
        return []
    return _clips("k_" + key, found[3], fields, list(contacts), lang, folder)


def clips(key, fields, contacts=(), lang=feedback.DEFAULT_LANGUAGE, folder=None):
    """The clip names that speak cue `key` with `fields`; contacts: the contact persons' names
    in the config's order. [] for a cue without words."""
    return [name for name, _ in _words(key, fields, contacts, lang, folder)]


def prompt(key, fields, contacts=(), lang=feedback.DEFAULT_LANGUAGE, folder=None):
    """What the speaker plays for cue `key`: [(clip name, check)], where check is
    words_check() of the words the clip must say. A clip rendered for other words (a contact
    or the task changed since provisioning, or a firmware with other cue texts) fails its check
    and the speaker says nothing rather than something untrue."""
    return [(name, words_check(text)) for name, text in _words(key, fields, contacts, lang,
                                                                 folder)]


def words_check(text):
    """The check a clip's header carries: CRC-32 of its words in UTF-8 (care/prompts.py)."""
    return crc32(text.encode("utf-8"))
