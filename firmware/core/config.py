"""The device's settings: documented defaults, validation, and nothing else (no file I/O).

Each device holds its own wearer's settings (role, task, contacts) and the couple's shared ones
(leaver, durations, distances). `validate()` returns a complete config with defaults filled in,
or raises ConfigError naming the first bad field, so a bad file never half-applies.
Facts about the hardware (which modem is fitted) are the board's (boards/<name>/board.py), not
settings; a setting that became one is RETIRED: still accepted from old files, and ignored.
"""

from gps.defaults import MIN_DISTANCE_M

ROLES = ("A", "B")
LEAVERS = ("A", "B", "presser")
# The wearer's language: what the device says is read from ui/cues_LANG.txt (every language
# listed here has one: tests/test_vocab.py). Dutch first.
LANGUAGES = ("nl", "en")
# Journal category groups the wearer can agree to share with the caseworker (store/consent.py
# maps each journal category to one of these). Missing from a file: not shared.
CONSENT_GROUPS = ("timeouts", "proposals", "distance", "contacts", "moods", "power", "faults")
VERSION = 2  # config schema version; store/migrate.py upgrades older files on load
# Settings older files may still carry; dropped on load (docs/config.md says what became of each).
RETIRED = ("modem_profile",)  # the board's MODEM_PROFILE now
# How late a message to the partner device may arrive (a text's queue, a reconnection); the
# session's rules allow for it (core/session.py), and the partner's wait at the end must outlast
# the time to answer by this much.
MSG_LATENCY_S = 30
TEXT_MAX = 60  # announced/shown text must stay short: it is spoken or shown in a few seconds

# Meanings and reasons for the defaults: docs/config.md.
# (name, default, kind, low, high). kind: "int" (range low..high), "text" (max length),
# "choice" (low = allowed values), "contacts", "phone". Times in seconds or minutes by suffix.
_FIELDS = (
    ("version", VERSION, "int", VERSION, VERSION),  # config schema version
    ("role", "A", "choice", ROLES, None),  # this device's partner role
    ("pair_secret", "", "secret", 32, 64),  # the couple's shared secret, hex (16-32 bytes)
    ("wearer_name", "", "text", 0, 30),  # named in the texts to contact persons
    ("task", "Een stuk wandelen", "text", 1, TEXT_MAX),  # the wearer's own calming task
    ("contacts", [], "contacts", 3, 3),  # the wearer's contact persons, called in this order
    ("partner_phone", "", "phone", 0, None),  # the partner device's number (far link), optional
    ("sim_pin", "", "pin", 0, 0),  # the SIM's PIN, or "" when it has none
    ("ring_time_s", 30, "int", 10, 90),  # let a contact's phone ring this long
    ("share_location", False, "bool", 0, 0),  # consent: contacts' texts carry the location
    # consent: the partner's device may tell its wearer this wearer's answers to mood checks;
    # told only when both agreed (partner_share_mood: the partner's choice, set by the tool)
    ("share_mood", False, "bool", 0, 0),
    ("partner_share_mood", False, "bool", 0, 0),
    ("discreet", False, "bool", 0, 0),  # feedback that draws no attention: no tones, dim LED
    ("language", "nl", "choice", LANGUAGES, None),  # what the device says to its wearer
    # Texts to contact persons ("": the built-in Dutch wording of modem/wording.py). Fields:
    # {wearer} {contact} {location}; the location template has {geo}.
    ("contact_sms_escalated", "", "template", 0, 320),
    ("contact_sms_fallback", "", "template", 0, 320),
    ("contact_sms_location", "", "template", 0, 80),
    ("contact_sms_welcome", "", "template", 0, 320),
    # the wearer's choice: each contact person gets a welcome text from the device, once,
    # saying what a call or a text from it means (shell/welcome.py)
    ("welcome_text", False, "bool", 0, 0),
    ("consent", {}, "consent", 0, 0),  # group -> true: the caseworker may see that group
    ("mic_cal_mdb", 0, "int", -20000, 20000),  # microphone correction, 1/1000 dB (calibrator)
    ("leaver", "presser", "choice", LEAVERS, None),  # who leaves the house at a time-out
    ("timeout_min", 60, "int", 10, 240),  # length of a time-out
    ("undo_window_s", 10, "int", 0, 60),  # a long press this soon after starting undoes it
    ("proposal_window_s", 60, "int", 10, 600),  # time to accept a detector proposal
    ("proposal_refractory_min", 15, "int", 1, 240),  # no new proposal this soon after one
    ("min_distance_m", MIN_DISTANCE_M, "int", 20, 5000),  # partners keep at least this far apart
    ("home_lat_e7", 0, "int", -900000000, 900000000),  # home latitude, 1e-7 degree (0: unset)
    ("home_lon_e7", 0, "int", -1800000000, 1800000000),  # home longitude, 1e-7 degree
    ("home_radius_m", 75, "int", 20, 500),  # "at home" within this distance of home
    ("walk_away_grace_s", 300, "int", 30, 1800),  # time the leaver has to get far enough
    ("too_close_tolerance_s", 60, "int", 0, 900),  # too close this long after the grace: call
    ("mood_interval_min", 10, "int", 2, 60),  # a mood check this often during a time-out
    ("mood_answer_window_s", 120, "int", 10, 600),  # time to answer a mood check
    ("end_wait_s", 180, "int", 10, 900),  # at the end, wait this long for the partner's answer
    ("extension_min", 15, "int", 5, 120),  # a time-out is extended by this when not calm
    ("max_extensions", 2, "int", 0, 10),  # extensions before the time-out ends regardless
    ("call_guard_s", 150, "int", 30, 600),  # a call with no result after this counts as failed
    ("heartbeat_s", 30, "int", 5, 600),  # presence and state message to the partner this often
    ("partner_lost_s", 600, "int", 15, 3600),  # partner counts as out of reach after this
    ("unknown_alert_s", 120, "int", 30, 900),  # in a time-out, distance unknown this long: say so
)
# Checked in this order (MicroPython dicts do not keep insertion order).
FIELD_NAMES = tuple(f[0] for f in _FIELDS)
SCHEMA = {f[0]: f[1:] for f in _FIELDS}


class ConfigError(ValueError):
    def __init__(self, field, reason):
        super().__init__("config field %r: %s" % (field, reason))
        self.field = field
        self.reason = reason


def defaults():
    out = {}
    for name in FIELD_NAMES:
        value = SCHEMA[name][0]
        if isinstance(value, list):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        out[name] = value
    return out


def valid_phone(text):
    """International form: '+', country code, 7 to 14 more digits."""
    if not isinstance(text, str) or len(text) < 8 or len(text) > 16 or text[0] != "+":
        return False
    for ch in text[1:]:
        if ch < "0" or ch > "9":
            return False
    return text[1] != "0"


def weak_secret(text):
    """True for a secret a person typed rather than a generator drew: fewer than 8 different
    byte values (all zero, "abab...") or one constant step from byte to byte (0011223344...).
    32 random bytes have about 30 different values; this never refuses them."""
    data = [int(text[i:i + 2], 16) for i in range(0, len(text) - 1, 2)]
    if len(set(data)) < 8:
        return True
    step = (data[1] - data[0]) & 0xFF
    for i in range(2, len(data)):
        if (data[i] - data[i - 1]) & 0xFF != step:
            return False
    return True


def _check_text(name, value, low, high):
    if not isinstance(value, str):
        raise ConfigError(name, "must be text")
    if len(value) < low or len(value) > high:
        raise ConfigError(name, "must be %d to %d characters" % (low, high))


_TEMPLATE_FIELDS = ("wearer", "contact", "location", "geo")


def _check_template(name, text):
    """Every {field} known, every brace closed: a typo shows at provisioning, not in an
    escalation text (modem/wording.py renders the same way)."""
    i = 0
    while i < len(text):
        if text[i] == "{":
            j = text.find("}", i)
            if j < 0:
                raise ConfigError(name, "a { is not closed")
            if text[i + 1:j] not in _TEMPLATE_FIELDS:
                raise ConfigError(name, "unknown field {%s} (use %s)" % (
                    text[i + 1:j], ", ".join("{%s}" % f for f in _TEMPLATE_FIELDS)))
            i = j
        elif text[i] == "}":
            raise ConfigError(name, "a } without {")
        i += 1


def _check(name, value):
    _, kind, low, high = SCHEMA[name]
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(name, "must be a whole number")
        if value < low or value > high:
            raise ConfigError(name, "must be between %d and %d" % (low, high))
    elif kind == "text":
        _check_text(name, value, low, high)
    elif kind == "choice":
        if value not in low:
            raise ConfigError(name, "must be one of " + ", ".join(low))
    elif kind == "secret":
        if not isinstance(value, str) or not low <= len(value) <= high or len(value) % 2:
            raise ConfigError(name, "must be %d to %d hex digits" % (low, high))
        for ch in value:
            if ch not in "0123456789abcdef":
                raise ConfigError(name, "must be lowercase hex digits")
        if weak_secret(value):
            raise ConfigError(name, "too weak: repeated or patterned bytes; use the tool's "
                                    "random secret")
    elif kind == "bool":
        if value is not True and value is not False:
            raise ConfigError(name, "must be true or false")
    elif kind == "template":
        _check_text(name, value, low, high)
        _check_template(name, value)
    elif kind == "pin":
        if not isinstance(value, str) or (value and not (4 <= len(value) <= 8
                                                         and value.isdigit())):
            raise ConfigError(name, "must be 4 to 8 digits, or empty")
    elif kind == "phone":
        if value != "" and not valid_phone(value):
            raise ConfigError(name, "must be an international number like +31612345678")
    elif kind == "consent":
        if not isinstance(value, dict):
            raise ConfigError(name, "must map groups to true or false")
        for group in sorted(value):
            if group not in CONSENT_GROUPS:
                raise ConfigError("%s.%s" % (name, group),
                                  "unknown group (one of %s)" % ", ".join(CONSENT_GROUPS))
            if value[group] is not True and value[group] is not False:
                raise ConfigError("%s.%s" % (name, group), "must be true or false")
    elif kind == "contacts":
        if not isinstance(value, list) or len(value) != low:
            raise ConfigError(name, "must list exactly %d contact persons" % low)
        for i, contact in enumerate(value):
            field = "%s[%d]" % (name, i)
            if not isinstance(contact, dict):
                raise ConfigError(field, "must have a name and a phone")
            for key in contact:
                if key not in ("name", "phone"):
                    raise ConfigError(field, "unknown key %r" % key)
            _check_text(field + ".name", contact.get("name"), 1, 30)
            if not valid_phone(contact.get("phone")):
                raise ConfigError(field + ".phone",
                                  "must be an international number like +31612345678")


def validate(raw):
    """Return a complete, checked config from `raw` (a dict), or raise ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError("(file)", "must be a JSON object")
    for name in sorted(raw):
        if name not in SCHEMA and name not in RETIRED:
            raise ConfigError(name, "unknown setting")
    cfg = defaults()
    for name in raw:
        if name in SCHEMA:
            cfg[name] = raw[name]
    for name in FIELD_NAMES:
        _check(name, cfg[name])
    given = cfg["consent"]
    cfg["consent"] = {}
    for group in CONSENT_GROUPS:  # spelled out: a group never asked about is not shared
        cfg["consent"][group] = given.get(group) is True
    seen = []
    for i, contact in enumerate(cfg["contacts"]):  # a chain that calls the partner is a danger
        field = "contacts[%d].phone" % i
        if contact["phone"] == cfg["partner_phone"]:
            raise ConfigError(field, "is the partner's device")
        if contact["phone"] in seen:
            raise ConfigError(field, "the same number as an earlier contact")
        seen.append(contact["phone"])
    if cfg["end_wait_s"] < cfg["mood_answer_window_s"] + MSG_LATENCY_S:
        # the end-check answer must reach the partner before it stops waiting (core/session.py)
        raise ConfigError("end_wait_s", "must be at least %d s longer than mood_answer_window_s"
                          % MSG_LATENCY_S)
    if cfg["walk_away_grace_s"] >= cfg["timeout_min"] * 60:
        raise ConfigError("walk_away_grace_s", "must be shorter than the time-out")
    return cfg
