"""The SMS texts for contact persons: config templates filled in with the wearer's details.

Pure string work. Templates come from config (bad ones raise ValueError with the reason);
the wearer's location is added only when the partners consented to share it with contacts.
Must not send anything or decide whom to text.
"""

# Defaults in Dutch (the product's language); docs/modem.md gives the English meaning.
DEFAULT_TEMPLATES = {
    "contact_sms_escalated": (
        "Bericht van het apparaat van {wearer}: de time-out is ge\u00ebscaleerd en {wearer} heeft "
        "je nu nodig. Je wordt zo gebeld. Wil je luisteren en {wearer} helpen rustig te "
        "worden?{location}"
    ),
    "contact_sms_fallback": (
        "Bericht van het apparaat van {wearer}: de time-out is ge\u00ebscaleerd en niemand van de "
        "contactpersonen nam op. Neem zo snel mogelijk contact op met {wearer} en help "
        "{wearer} rustig te worden.{location}"
    ),
    "contact_sms_location": " Locatie: {geo}",
    # once, before any call, when the wearer chose it (shell/welcome.py): never a location
    "contact_sms_welcome": (
        "Hallo {contact}, dit is een bericht van het apparaat van {wearer}. Je bent een van "
        "de contactpersonen van {wearer}. Belt of sms't dit nummer je, dan loopt een ruzie uit de "
        "hand en heeft {wearer} je hulp nodig: luister en help {wearer} rustig te worden. "
        "Je hoeft op dit bericht niet te antwoorden."
    ),
}
FIELDS = ("wearer", "contact", "location", "geo")


def render(template, values):
    """Replace {name} placeholders from `values`; ValueError on an unknown name or a stray
    brace (so a typo in config is reported at provisioning, not at an escalation)."""
    if not isinstance(template, str):
        raise ValueError("template must be text")
    out = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "{":
            j = template.find("}", i)
            if j < 0:
                raise ValueError("unclosed { in template")
            name = template[i + 1:j]
            if name not in FIELDS:
                raise ValueError("unknown placeholder {%s}" % name)
            out.append(str(values.get(name, "")))
            i = j + 1
        elif ch == "}":
            raise ValueError("stray } in template")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def format_e7(value):
    """An integer coordinate in 1e-7 degree as decimal text, without floats."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return "%s%d.%07d" % (sign, value // 10000000, value % 10000000)


def geo_uri(lat_e7, lon_e7):
    return "geo:%s,%s" % (format_e7(lat_e7), format_e7(lon_e7))


def contact_text(kind, wearer, contact="", position=None, share_location=False, templates=None):
    """The SMS for one contact. kind: 'escalated', 'fallback' or 'welcome'. position:
    (lat_e7, lon_e7) or None; it appears only with share_location=True (the partners' consent
    in config), and never in the welcome text (sent when nothing is wrong)."""
    t = DEFAULT_TEMPLATES if templates is None else templates
    key = "contact_sms_" + kind
    template = t.get(key, DEFAULT_TEMPLATES.get(key))
    if template is None:
        raise ValueError("no template for %r" % kind)
    location = ""
    if share_location and position is not None and kind != "welcome":
        loc_t = t.get("contact_sms_location", DEFAULT_TEMPLATES["contact_sms_location"])
        location = render(loc_t, {"geo": geo_uri(position[0], position[1]), "wearer": wearer,
                                  "contact": contact})
    return render(template, {"wearer": wearer, "contact": contact, "location": location})

