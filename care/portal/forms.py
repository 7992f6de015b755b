"""The couple set-up form: its fields build the same document a couple file holds, and
care/couple.py's check() (the firmware's rules plus the dangerous-mistake checks) decides;
every problem is put next to its field."""

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care import couple as rules
from care.portal.models import LANGS

GROUPS = rules.CONSENT_GROUPS
LEAVERS = [("presser", gettext_lazy("whoever presses")), ("A", "A"), ("B", "B")]


def _int_or_text(text):
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


class CoupleForm(forms.Form):
    ref = forms.CharField(label=gettext_lazy("Couple reference"), max_length=40)
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the devices, the sheets and the legend"), choices=LANGS)
    leaver = forms.ChoiceField(label=gettext_lazy("Who leaves at a time-out"), choices=LEAVERS)
    timeout_min = forms.CharField(label=gettext_lazy("Time-out length (minutes)"),
                                  initial="60")
    min_distance_m = forms.CharField(label=gettext_lazy("Keep apart (metres)"), initial="100")
    home_lat = forms.CharField(label=gettext_lazy("Home latitude"), required=False)
    home_lon = forms.CharField(label=gettext_lazy("Home longitude"), required=False)
    home_radius_m = forms.CharField(label=gettext_lazy("Home radius (metres)"), initial="75")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for role in ("A", "B"):
            p = role + "_"
            self.fields[p + "wearer_name"] = forms.CharField(
                label=gettext_lazy("Name"), required=False)
            self.fields[p + "task"] = forms.CharField(label=gettext_lazy("Own calming task"),
                                                      required=False)
            self.fields[p + "phone"] = forms.CharField(
                label=gettext_lazy("This device's SIM number"), required=False)
            for i in range(3):
                self.fields["%sc%d_name" % (p, i)] = forms.CharField(
                    label=gettext_lazy("Contact %(n)d name") % {"n": i + 1}, required=False)
                self.fields["%sc%d_phone" % (p, i)] = forms.CharField(
                    label=gettext_lazy("Contact %(n)d phone") % {"n": i + 1}, required=False)
            self.fields[p + "share_mood"] = forms.BooleanField(
                label=gettext_lazy("The partner may hear this partner's answers to mood checks "
                                   "(only when both agree)"), required=False)
            self.fields[p + "welcome_text"] = forms.BooleanField(
                label=gettext_lazy("The contact persons get a welcome text from the device "
                                   "(once, what a call from it means)"), required=False)
            for g in GROUPS:
                self.fields["%sconsent_%s" % (p, g)] = forms.BooleanField(
                    label=gettext_lazy(g), required=False)

    def person_fields(self, role):
        return [self[n] for n in self.fields if n.startswith(role + "_")
                and "consent" not in n]

    def consent_fields(self, role):
        return [self[n] for n in self.fields if n.startswith(role + "_consent")]

    def shared_fields(self):
        return [self[n] for n in self.fields if n[1] != "_" and not n.startswith(("A_", "B_"))]

    def document(self):
        d = self.cleaned_data
        doc = {"couple": d.get("ref", "").strip(),
               "settings": {"leaver": d.get("leaver"), "language": d.get("language"),
                            "timeout_min": _int_or_text(d.get("timeout_min")),
                            "min_distance_m": _int_or_text(d.get("min_distance_m"))}}
        home = {"radius_m": d.get("home_radius_m") or "75"}
        if (d.get("home_lat") or "").strip() or (d.get("home_lon") or "").strip():
            home.update(lat=d.get("home_lat") or "", lon=d.get("home_lon") or "")
        doc["home"] = home
        for role in ("A", "B"):
            p = role + "_"
            person = {"wearer_name": d.get(p + "wearer_name", "").strip(),
                      "task": d.get(p + "task", "").strip(),
                      "phone": d.get(p + "phone", "").strip(),
                      "contacts": [{"name": d.get("%sc%d_name" % (p, i), "").strip(),
                                    "phone": d.get("%sc%d_phone" % (p, i), "").strip()}
                                   for i in range(3)],
                      "share_mood": bool(d.get(p + "share_mood")),
                      "welcome_text": bool(d.get(p + "welcome_text")),
                      "consent": {g: bool(d.get("%sconsent_%s" % (p, g))) for g in GROUPS}}
            doc[role] = person
        return doc

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        doc = self.document()
        configs, problems, notes = rules.check(doc)
        self.notes = [self.note(field, note) for field, note in notes]
        for field, problem in problems:
            name = form_field(field)
            self.add_error(name if name in self.fields else None, translate(problem))
        if not problems:
            self.normalised = rules.normalise(doc)[0]
        return data

    def note(self, field, note):
        """What normalising changed, in the user's language, named by the form's label."""
        name = form_field(field)
        label = self.fields[name].label if name in self.fields else field
        if name and name[1:2] == "_":
            label = "%s %s: %s" % (_("Partner"), name[0], label)
        return "%s: %s" % (label, translate(note))


def form_field(field):
    """The form field a problem of care/couple.py belongs to."""
    m = re.fullmatch(r"([AB])\.contacts\[(\d)\]\.(name|phone)", field)
    if m:
        return "%s_c%s_%s" % m.groups()
    m = re.fullmatch(r"([AB])\.contacts(\[\d\])?", field)
    if m:
        return "%s_c0_name" % m.group(1)
    m = re.fullmatch(r"([AB])\.(\w+)(\..*)?", field)
    if m:
        role, name = m.group(1), m.group(2)
        return "%s_consent_timeouts" % role if name == "consent" else "%s_%s" % (role, name)
    if field == "couple":
        return "ref"
    if field in ("home", "home.lat"):
        return "home_lat"
    if field == "home.lon":
        return "home_lon"
    if field.startswith("home."):
        return "home_radius_m"
    if field.startswith("settings."):
        return field[len("settings."):]
    return None


# The rules' messages (care/couple.py, core/config.py) in the user's language: each pattern
# is a message catalogue entry with named parts.
_PATTERNS = [
    (r"must be between (?P<low>-?\d+) and (?P<high>-?\d+)",
     gettext_lazy("must be between %(low)s and %(high)s")),
    (r"must be (?P<low>\d+) to (?P<high>\d+) characters",
     gettext_lazy("must be %(low)s to %(high)s characters")),
    (r"must be a whole number", gettext_lazy("must be a whole number")),
    (r"must be an international number like \+31612345678",
     gettext_lazy("must be a phone number like 0612345678 or +31612345678")),
    (r"give this device's own SIM number: without it the devices have no far link",
     gettext_lazy("give this device's own SIM number: without it the devices have no far "
                  "link")),
    (r"the same number as A's device: each device has its own SIM",
     gettext_lazy("the same number as A's device: each device has its own SIM")),
    (r"this is (?P<other>[AB])'s device: (?P<role>[AB]) would call the person they are taking "
     r"a time-out from",
     gettext_lazy("this is %(other)s's device: %(role)s would call the person they are "
                  "taking a time-out from")),
    (r"this is (?P<role>[AB])'s own device", gettext_lazy("this is %(role)s's own device")),
    (r"the same number as contact (?P<n>\d): give three different contact persons",
     gettext_lazy("the same number as contact %(n)s: give three different contact persons")),
    (r"latitude and longitude look swapped: did you mean lat (?P<lat>\S+), lon (?P<lon>\S+)\?",
     gettext_lazy("latitude and longitude look swapped: did you mean %(lat)s, %(lon)s?")),
    (r"0, 0 is not a home .*", gettext_lazy("0, 0 is not a home; leave the home empty for no "
                                            "GPS rules")),
    (r"lies outside the organisation's area .*",
     gettext_lazy("lies outside the organisation's area")),
    (r"must be degrees between .*", gettext_lazy("must be degrees, like 52.0907 or 52,0907")),
    (r"(?P<was>.+) read as (?P<now>\S+)", gettext_lazy("%(was)s read as %(now)s")),
    # the rest of core/config.py's rules
    (r"must be a JSON object", gettext_lazy("must be a JSON object")),
    (r"unknown setting", gettext_lazy("unknown setting")),
    (r"must be text", gettext_lazy("must be text")),
    (r"must be one of (?P<values>.+)", gettext_lazy("must be one of %(values)s")),
    (r"must be (?P<low>\d+) to (?P<high>\d+) hex digits",
     gettext_lazy("must be %(low)s to %(high)s hex digits")),
    (r"must be lowercase hex digits", gettext_lazy("must be lowercase hex digits")),
    (r"must be true or false", gettext_lazy("must be true or false")),
    (r"a \{ is not closed", gettext_lazy("a { is not closed")),
    (r"a \} without \{", gettext_lazy("a } without {")),
    (r"unknown field (?P<field>\{[^}]*\}) \(use (?P<known>.+)\)",
     gettext_lazy("unknown field %(field)s (use %(known)s)")),
    (r"must be 4 to 8 digits, or empty", gettext_lazy("must be 4 to 8 digits, or empty")),
    (r"must map groups to true or false", gettext_lazy("must map groups to true or false")),
    (r"unknown group \(one of (?P<groups>.+)\)",
     gettext_lazy("unknown group (one of %(groups)s)")),
    (r"must list exactly (?P<n>\d+) contact persons",
     gettext_lazy("must list exactly %(n)s contact persons")),
    (r"must have a name and a phone", gettext_lazy("must have a name and a phone")),
    (r"unknown key (?P<key>.+)", gettext_lazy("unknown key %(key)s")),
    (r"must be shorter than the time-out", gettext_lazy("must be shorter than the time-out")),
    # the rest of care/couple.py's
    (r"give south,west,north,east in degrees",
     gettext_lazy("give south,west,north,east in degrees")),
    (r"must be a table like .*", gettext_lazy("must be a table with lat, lon and radius_m")),
    (r"unknown \(lat, lon, radius_m\)", gettext_lazy("unknown (lat, lon, radius_m)")),
    (r"give both lat and lon", gettext_lazy("give both latitude and longitude")),
    (r"must be a table", gettext_lazy("must be a table")),
    (r"must be a table of settings", gettext_lazy("must be a table of settings")),
    (r"set per partner in \[A\] / \[B\]", gettext_lazy("set per partner in [A] / [B]")),
    (r"set by the tool, leave it out", gettext_lazy("set by the tool, leave it out")),
    (r"unknown setting \(see docs/config.md\)",
     gettext_lazy("unknown setting (see docs/config.md)")),
    (r"unknown \(the file has couple, home, settings, A and B\)",
     gettext_lazy("unknown (the file has couple, home, settings, A and B)")),
    (r"give the couple's reference \(1-40 characters\)",
     gettext_lazy("give the couple's reference (1-40 characters)")),
    (r"missing: each partner needs a table", gettext_lazy("missing: each partner needs a table")),
    (r"ask the partner; give every group true or false \((?P<groups>.+)\)",
     gettext_lazy("ask the partner; give every group true or false (%(groups)s)")),
    (r"give every group true or false; missing (?P<groups>.+)",
     gettext_lazy("give every group true or false; missing %(groups)s")),
    # care/provision.py, care/report.py, care/usb.py: shown when writing or reading devices
    (r"(?P<device>.+): could not remove (?P<files>.+)",
     gettext_lazy("%(device)s: could not remove %(files)s")),
    (r"(?P<device>.+): (?P<name>\S+) read back differs from what was written",
     gettext_lazy("%(device)s: %(name)s read back differs from what was written")),
    (r"(?P<device>.+): verification after writing failed",
     gettext_lazy("%(device)s: verification after writing failed")),
    (r"not confirmed: nothing was written", gettext_lazy("not confirmed: nothing was written")),
    (r"(?P<device>.+): no readable config on the device .*",
     gettext_lazy("%(device)s: no readable settings on the device (not set up, or a read "
                  "error): nothing was read; check the cable and try again")),
    (r"both devices say they are partner (?P<role>[AB])'s: they are not one pair",
     gettext_lazy("both devices say they are partner %(role)s's: they are not one pair")),
    (r"the two devices are not paired with each other .*",
     gettext_lazy("the two devices are not paired with each other (devices of different "
                  "couples?): nothing was read")),
    (r"(?P<device>.+) belongs to couple (?P<other>.+), not (?P<ref>.+): nothing was read",
     gettext_lazy("%(device)s belongs to couple %(other)s, not %(ref)s: nothing was read")),
    (r"(?P<port>.+): no answer from the device \(is it connected\?\)",
     gettext_lazy("%(port)s: no answer from the device (is it connected?)")),
    (r"(?P<port>.+): writing (?P<name>\S+) was not confirmed",
     gettext_lazy("%(port)s: writing %(name)s was not confirmed")),
    (r"not a readable WAV: (?P<error>.*)", gettext_lazy("not a readable WAV: %(error)s")),
    (r"the recorded task lasts (?P<seconds>\d+) s; at most (?P<limit>\d+) s fit the flash",
     gettext_lazy("the recorded task lasts %(seconds)s s; at most %(limit)s s fit the flash")),
    (r"(?P<port>\S+): (?P<error>.*)", gettext_lazy("%(port)s: the device answered: %(error)s")),
]


def translate(problem):
    """A message of the rules or the device tools in the user's language (the catalogue's
    entry of the first pattern that matches it whole; unmatched ones as they are)."""
    for pattern, text in _PATTERNS:
        m = re.fullmatch(pattern, problem)
        if m:
            return str(text) % m.groupdict() if m.groupdict() else str(text)
    return _(problem)


def initial_from(doc, language):
    """Form values for an existing couple's document."""
    s = doc.get("settings", {})
    out = {"ref": doc.get("couple", ""), "language": s.get("language", language)}
    out.update(leaver=s.get("leaver", "presser"), timeout_min=s.get("timeout_min", 60),
               min_distance_m=s.get("min_distance_m", 100))
    home = doc.get("home", {})
    out.update(home_lat=home.get("lat", ""), home_lon=home.get("lon", ""),
               home_radius_m=home.get("radius_m", 75))
    for role in ("A", "B"):
        person = doc.get(role, {})
        p = role + "_"
        for key in ("wearer_name", "task", "phone"):
            out[p + key] = person.get(key, "")
        for i, c in enumerate(person.get("contacts", [])[:3]):
            out["%sc%d_name" % (p, i)] = c.get("name", "")
            out["%sc%d_phone" % (p, i)] = c.get("phone", "")
        out[p + "share_mood"] = person.get("share_mood") is True
        out[p + "welcome_text"] = person.get("welcome_text") is True
        for g in GROUPS:
            out["%sconsent_%s" % (p, g)] = bool(person.get("consent", {}).get(g))
    return out
