"""Reads the couple a social worker sets up (a file, or the web app's form) and builds each
device's config from it: the one validation the command line and the web app share.

The document (TOML or JSON file, format in docs/provisioning.md; the web form builds the same
dict) holds the couple's shared choices and each partner's own. Every config rule is the
firmware's own (core/config.py validate, applied field by field so that every mistake is found
in one round); on top of it this module refuses what the firmware cannot know is dangerous: a
contact whose number is the partner's device, two devices with one number, a device without a
number (no far link), a contact listed twice, a home at 0,0, latitude and longitude swapped, or a
home outside the organisation's area. Numbers are normalised first (0612345678 and 0031... to
+31..., spaces and dashes dropped; decimal commas in degrees). CPython only.
"""

import json
import os
import tomllib

from care import use_firmware_path

use_firmware_path()

from core.config import (  # noqa: E402
    CONSENT_GROUPS,
    SCHEMA,
    VERSION,
    ConfigError,
    validate,
    weak_secret,
)

# Fields the tool sets itself; a couple file may not.
_TOOL_FIELDS = ("version", "role", "pair_secret", "partner_phone", "partner_share_mood")
_TOP = ("couple", "home", "settings", "A", "B")
_PERSON_ONLY = ("wearer_name", "task", "contacts", "consent", "sim_pin", "mic_cal_mdb")
# The organisation's area (south, west, north, east in degrees): a home outside it is refused.
# Default: the Netherlands; TIMEOUT_CARE_AREA="S,W,N,E" sets another.
DEFAULT_AREA = (50.70, 3.20, 53.60, 7.30)
# A well-formed secret to validate with before the real one is drawn (never written).
PLACEHOLDER_SECRET = "efba447dc4f9f72f23d3daa243bf4d9901673a71e80c3922e9e234200f3c9c84"
_GOOD_CONTACTS = [{"name": "x", "phone": "+3160000000%d" % i} for i in range(3)]


def weak_secret_hex(text):
    """The firmware's own rule (core/config.py): True for a secret it would refuse as weak,
    or one that is not even hex."""
    try:
        bytes.fromhex(text)
    except ValueError:
        return True
    return weak_secret(text)


class CoupleError(ValueError):
    """Every mistake found: .problems is a list of (field, message)."""

    def __init__(self, problems):
        if isinstance(problems, str):
            problems = [("(file)", problems)]
        self.problems = list(problems)
        super().__init__("\n".join("%s: %s" % p for p in self.problems))


def area():
    text = os.environ.get("TIMEOUT_CARE_AREA", "")
    if not text:
        return DEFAULT_AREA
    try:
        s, w, n, e = (float(x) for x in text.split(","))
    except ValueError:
        raise CoupleError([("TIMEOUT_CARE_AREA", "give south,west,north,east in degrees")]) \
            from None
    return (s, w, n, e)


def _decode(data):
    """Text of a file saved by any usual editor: UTF-8 (with or without BOM), else cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def load(path):
    """The couple file as a dict (TOML by default, JSON when it ends in .json)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CoupleError("%s: cannot read (%s)" % (path, e.strerror)) from None
    is_json = str(path).endswith(".json")
    try:
        text = _decode(data)
        doc = json.loads(text) if is_json else tomllib.loads(text)
    except ValueError as e:
        raise CoupleError("%s: not valid %s: %s" % (path, "JSON" if is_json else "TOML", e)) \
            from None
    if not isinstance(doc, dict):
        raise CoupleError("%s: must be a table of settings" % path)
    return doc


# ----- normalising ----------------------------------------------------------------------------

def normalise_phone(text, country="31"):
    """A phone number as the firmware wants it (+31612345678), from what people write:
    spaces, dashes, dots and brackets dropped; 00 -> +; a national 0 -> +31. Anything else is
    returned as written (stripped), for the rules to refuse."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    plain = "".join(ch for ch in s if ch not in " -./()\u00a0")
    if plain.startswith("00") and plain[2:].isdigit():
        return "+" + plain[2:]
    if plain.startswith("+") and plain[1:].isdigit():
        return plain
    if plain.startswith("0") and plain[1:].isdigit() and len(plain) == 10:
        return "+" + country + plain[1:]
    return s


def _number(value):
    """Degrees or metres as written: a number, or text with a decimal comma or point."""
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            return float(text) if "." in text else int(text)
        except ValueError:
            return value
    return value


def normalise(doc):
    """(a normalised copy of the document, [(field, note)] for what was changed)."""
    out = json.loads(json.dumps(doc)) if isinstance(doc, dict) else doc
    notes = []
    if not isinstance(out, dict):
        return out, notes
    home = out.get("home")
    if isinstance(home, dict):
        for key in ("lat", "lon", "radius_m"):
            if key in home:
                new = _number(home[key])
                if key == "radius_m" and isinstance(new, float) and new.is_integer():
                    new = int(new)
                home[key] = new
    for role in ("A", "B"):
        person = out.get(role)
        if not isinstance(person, dict):
            continue
        spots = [("%s.phone" % role, person, "phone")]
        if isinstance(person.get("contacts"), list):
            spots += [("%s.contacts[%d].phone" % (role, i), c, "phone")
                      for i, c in enumerate(person["contacts"]) if isinstance(c, dict)]
        for field, holder, key in spots:
            if key in holder:
                new = normalise_phone(holder[key])
                if new != holder[key]:
                    notes.append((field, "%s read as %s" % (holder[key], new)))
                    holder[key] = new
    return out, notes


# ----- checking -------------------------------------------------------------------------------

def _degrees_e7(value, name, limit, problems):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > limit:
        problems.append(("home.%s" % name, "must be degrees between -%d and %d (like %s)"
                         % (limit, limit, "52.0907" if name == "lat" else "5.1214")))
        return None
    return int(round(value * 1e7))


def _shared(doc, problems):
    """The settings both devices share, as config fields."""
    out = {}
    home = doc.get("home", {})
    if not isinstance(home, dict):
        problems.append(("home", "must be a table like {lat = 52.09, lon = 5.12, radius_m = 75}"))
        home = {}
    for key in home:
        if key not in ("lat", "lon", "radius_m"):
            problems.append(("home.%s" % key, "unknown (lat, lon, radius_m)"))
    if "lat" in home or "lon" in home:
        if "lat" not in home or "lon" not in home:
            problems.append(("home", "give both lat and lon"))
        else:
            lat = _degrees_e7(home["lat"], "lat", 90, problems)
            lon = _degrees_e7(home["lon"], "lon", 180, problems)
            if lat is not None and lon is not None:
                _home_in_area(lat / 1e7, lon / 1e7, problems)
                out["home_lat_e7"], out["home_lon_e7"] = lat, lon
    if "radius_m" in home:
        out["home_radius_m"] = home["radius_m"]
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(("settings", "must be a table"))
        settings = {}
    for key, value in settings.items():
        if key in _PERSON_ONLY:
            problems.append(("settings.%s" % key, "set per partner in [A] / [B]"))
        elif key in _TOOL_FIELDS:
            problems.append(("settings.%s" % key, "set by the tool, leave it out"))
        elif key not in SCHEMA:
            problems.append(("settings.%s" % key, "unknown setting (see docs/config.md)"))
        else:
            out[key] = value
    return out


def _home_in_area(lat, lon, problems):
    s, w, n, e = area()
    if lat == 0 and lon == 0:
        problems.append(("home", "0, 0 is not a home (in the sea off Africa); leave the home "
                                 "out for no GPS rules"))
    elif not (s <= lat <= n and w <= lon <= e):
        if s <= lon <= n and w <= lat <= e:
            problems.append(("home", "latitude and longitude look swapped: did you mean "
                                     "lat %s, lon %s?" % (lon, lat)))
        else:
            problems.append(("home", "lies outside the organisation's area (latitude %s to %s, "
                                     "longitude %s to %s)" % (s, n, w, e)))


def _field_problems(raw, base):
    """Every field of `raw` checked alone by the firmware's validate, on a base known good."""
    problems = []
    for name in sorted(raw, key=lambda k: list(SCHEMA).index(k) if k in SCHEMA else 999):
        if name == "contacts" and isinstance(raw[name], list) and len(raw[name]) == 3:
            for i, contact in enumerate(raw[name]):
                trial = [dict(c) for c in _GOOD_CONTACTS]
                trial[i] = contact
                try:
                    validate(dict(base, contacts=trial))
                except ConfigError as e:
                    problems.append((e.field, e.reason))
            continue
        try:
            validate(dict(base, **{name: raw[name]}))
        except ConfigError as e:
            problems.append((e.field, e.reason))
    return problems


def _danger(people):
    """The mistakes the firmware cannot see on one device: across the two partners."""
    problems = []
    phones = {r: people[r].get("phone", "") for r in ("A", "B")}
    for role in ("A", "B"):
        if phones[role] in ("", None):
            problems.append(("%s.phone" % role, "give this device's own SIM number: without "
                                                "it the devices have no far link"))
    if phones["A"] and phones["A"] == phones["B"]:
        problems.append(("B.phone", "the same number as A's device: each device has its own "
                                    "SIM"))
    for role, other in (("A", "B"), ("B", "A")):
        contacts = people[role].get("contacts")
        if not isinstance(contacts, list):
            continue
        seen = {}
        for i, c in enumerate(contacts):
            if not isinstance(c, dict):
                continue
            field = "%s.contacts[%d].phone" % (role, i)
            phone = c.get("phone")
            if phone and phone == phones[other]:
                problems.append((field, "this is %s's device: %s would call the person they "
                                        "are taking a time-out from" % (other, role)))
            elif phone and phone == phones[role]:
                problems.append((field, "this is %s's own device" % role))
            elif phone and phone in seen:
                problems.append((field, "the same number as contact %d: give three different "
                                        "contact persons" % (seen[phone] + 1)))
            if phone:
                seen.setdefault(phone, i)
    return problems


def check(doc, secret_hex=PLACEHOLDER_SECRET):
    """(configs {"A": cfg, "B": cfg} or None, [(field, problem)], [(field, note)]).

    Every mistake is listed, in the document's order; configs is None unless there are none."""
    doc, notes = normalise(doc)
    problems = []
    if not isinstance(doc, dict):
        return None, [("(file)", "must be a table of settings")], notes
    for key in doc:
        if key not in _TOP:
            problems.append((key, "unknown (the file has couple, home, settings, A and B)"))
    couple = doc.get("couple")
    if not isinstance(couple, str) or not 1 <= len(couple.strip()) <= 40:
        problems.append(("couple", "give the couple's reference (1-40 characters)"))
    shared = _shared(doc, problems)
    people = {}
    for role in ("A", "B"):
        person = doc.get(role)
        if not isinstance(person, dict):
            problems.append(("[%s]" % role, "missing: each partner needs a table"))
            person = {}
        people[role] = dict(person)
    if any(f.startswith("[") for f, _ in problems):
        return None, problems, notes
    shared_fields = {}
    raws = {}
    for role, other in (("A", "B"), ("B", "A")):
        person = dict(people[role])
        phone = person.pop("phone", "")
        for key in list(person):
            if key in _TOOL_FIELDS:
                problems.append(("%s.%s" % (role, key), "set by the tool, leave it out"))
                person.pop(key)
            elif key not in SCHEMA:
                problems.append(("%s.%s" % (role, key), "unknown setting (see docs/config.md)"))
                person.pop(key)
        consent = person.get("consent", None)
        if consent is None:
            problems.append(("%s.consent" % role, "ask the partner; give every group true or "
                                                  "false (%s)" % ", ".join(CONSENT_GROUPS)))
        elif isinstance(consent, dict):
            missing = [g for g in CONSENT_GROUPS if g not in consent]
            if missing:
                problems.append(("%s.consent" % role, "give every group true or false; "
                                                      "missing %s" % ", ".join(missing)))
        base = {"version": VERSION, "role": role, "pair_secret": secret_hex,
                "contacts": [dict(c) for c in _GOOD_CONTACTS]}
        own = dict(person)
        if phone not in ("", None):
            own["partner_phone"] = phone  # this device's number, checked by the phone rule
        for field, reason in _field_problems(own, base):
            if field == "partner_phone":
                field = "phone"
            problems.append(("%s.%s" % (role, field), reason))
        if role == "A":
            for field, reason in _field_problems(shared, base):
                shared_fields[field] = reason
        raw = dict(shared)
        raw.update(person)
        raw.update(version=VERSION, role=role, pair_secret=secret_hex,
                   partner_phone=people[other].get("phone", "") or "")
        raws[role] = raw
    for role, other in (("A", "B"), ("B", "A")):  # each device knows what the other agreed
        raws[role]["partner_share_mood"] = raws[other].get("share_mood") is True
    for field, reason in shared_fields.items():
        problems.append((("home." if field.startswith("home_") else "settings.") + field,
                         reason))
    problems += _danger(people)
    if problems:
        return None, _ordered(problems), notes
    out = {}
    for role in ("A", "B"):
        try:
            out[role] = validate(raws[role])
        except ConfigError as e:  # a rule across fields: still named
            return None, [("%s.%s" % (role, e.field), e.reason)], notes
    return out, [], notes


def _ordered(problems):
    order = {"couple": 0, "home": 1, "settings": 2, "A": 3, "B": 4}
    seen, out = set(), []
    for _i, p in sorted(enumerate(problems),
                       key=lambda x: (order.get(x[1][0].split(".")[0].split("[")[0], 5), x[0])):
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def build_configs(doc, secret_hex):
    """{"A": config, "B": config}: complete, validated device configs. Raises CoupleError with
    every mistake."""
    configs, problems, _ = check(doc, secret_hex)
    if problems:
        raise CoupleError(problems)
    return configs


def _same(text):
    return text


LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def summary(doc, configs, tr=None):
    """Lines the social worker reads before confirming (never the secret); tr translates each
    line's message (the web app passes its catalogue; the command line keeps English)."""
    tr = tr or _same
    a = configs["A"]
    lines = [tr("Couple %(ref)s") % {"ref": doc.get("couple")}]
    home = ("%.5f, %.5f" % (a["home_lat_e7"] / 1e7, a["home_lon_e7"] / 1e7)
            if a["home_lat_e7"] or a["home_lon_e7"] else tr("not set (no GPS rules)"))
    lines.append(tr("  home: %(home)s  radius %(radius)d m   keep apart: %(apart)d m   "
                    "time-out: %(minutes)d min")
                 % {"home": home, "radius": a["home_radius_m"], "apart": a["min_distance_m"],
                    "minutes": a["timeout_min"]})
    lines.append(tr("  who leaves: %(leaver)s")
                 % {"leaver": tr("whoever presses") if a["leaver"] == "presser"
                    else a["leaver"]})
    lines.append(tr("  the devices speak: %(language)s")
                 % {"language": LANGUAGE_NAMES.get(a["language"], a["language"])})
    lines.append(tr("  each hears the other's mood: %(yes)s")
                 % {"yes": tr("yes, both agreed") if a["share_mood"] and a["partner_share_mood"]
                    else tr("no")})
    for role in ("A", "B"):
        cfg = configs[role]
        lines.append(tr("  %(role)s: %(name)s   task: %(task)s")
                     % {"role": role, "name": cfg["wearer_name"] or tr("(no name)"),
                        "task": cfg["task"]})
        for i, c in enumerate(cfg["contacts"]):
            lines.append(tr("     contact %(n)d: %(name)s %(phone)s")
                         % {"n": i + 1, "name": c["name"], "phone": c["phone"]})
        shared_groups = [tr(g) for g in CONSENT_GROUPS if cfg["consent"][g]]
        lines.append(tr("     shares with the caseworker: %(groups)s")
                     % {"groups": ", ".join(shared_groups) if shared_groups
                        else tr("nothing")})
        lines.append(tr("     microphone correction: %(db)s dB")
                     % {"db": "%+.1f" % (cfg["mic_cal_mdb"] / 1000)})
    return lines
