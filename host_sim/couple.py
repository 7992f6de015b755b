"""Reads the couple file a social worker fills in and builds each device's config from it.

The file (TOML or JSON, format in docs/provisioning.md) holds the couple's shared choices and
each partner's own. Every rule is the firmware's own (core/config.py validate): this module only
translates the file's friendlier names (home in degrees, each partner's phone) into config
fields and says which partner and which field is wrong. CPython only.
"""

import json
import tomllib

from host_sim import use_firmware_path

use_firmware_path()

from core.config import CONSENT_GROUPS, SCHEMA, VERSION, ConfigError, validate  # noqa: E402

# Fields the tool sets itself; a couple file may not.
_TOOL_FIELDS = ("version", "role", "pair_secret", "partner_phone")
_TOP = ("couple", "home", "settings", "A", "B")
_PERSON_ONLY = ("wearer_name", "task", "contacts", "consent", "sim_pin", "mic_cal_mdb")


class CoupleError(ValueError):
    pass


def load(path):
    """The couple file as a dict (TOML by default, JSON when it ends in .json)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CoupleError("%s: cannot read (%s)" % (path, e.strerror)) from None
    try:
        if str(path).endswith(".json"):
            doc = json.loads(data.decode("utf-8"))
        else:
            doc = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeError) as e:
        raise CoupleError("%s: not valid %s: %s"
                          % (path, "JSON" if str(path).endswith(".json") else "TOML", e)) from None
    if not isinstance(doc, dict):
        raise CoupleError("%s: must be a table of settings" % path)
    return doc


def _degrees_e7(value, name, limit):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > limit:
        raise CoupleError("home.%s: must be degrees between -%d and %d" % (name, limit, limit))
    return int(round(value * 1e7))


def _shared(doc):
    """The settings both devices share, as config fields."""
    out = {}
    home = doc.get("home", {})
    if not isinstance(home, dict):
        raise CoupleError("home: must be a table like {lat = 52.09, lon = 5.12, radius_m = 75}")
    for key in home:
        if key not in ("lat", "lon", "radius_m"):
            raise CoupleError("home.%s: unknown (lat, lon, radius_m)" % key)
    if "lat" in home or "lon" in home:
        if "lat" not in home or "lon" not in home:
            raise CoupleError("home: give both lat and lon")
        out["home_lat_e7"] = _degrees_e7(home["lat"], "lat", 90)
        out["home_lon_e7"] = _degrees_e7(home["lon"], "lon", 180)
    if "radius_m" in home:
        out["home_radius_m"] = home["radius_m"]
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise CoupleError("settings: must be a table")
    for key, value in settings.items():
        if key in _TOOL_FIELDS or key in _PERSON_ONLY:
            raise CoupleError("settings.%s: set per partner in [A] / [B], or by the tool" % key
                              if key in _PERSON_ONLY else
                              "settings.%s: set by the tool, leave it out" % key)
        if key not in SCHEMA:
            raise CoupleError("settings.%s: unknown setting (see docs/config.md)" % key)
        out[key] = value
    return out


def build_configs(doc, secret_hex):
    """{"A": config, "B": config}: complete, validated device configs. Raises CoupleError."""
    for key in doc:
        if key not in _TOP:
            raise CoupleError("%s: unknown (the file has couple, home, settings, A and B)" % key)
    couple = doc.get("couple")
    if not isinstance(couple, str) or not 1 <= len(couple) <= 40:
        raise CoupleError("couple: give the couple's reference (1-40 characters)")
    shared = _shared(doc)
    people = {}
    for role in ("A", "B"):
        person = doc.get(role)
        if not isinstance(person, dict):
            raise CoupleError("[%s]: missing: each partner needs a table" % role)
        people[role] = dict(person)
    out = {}
    for role, other in (("A", "B"), ("B", "A")):
        person = dict(people[role])
        phone = person.pop("phone", "")
        partner_phone = people[other].get("phone", "")
        for key in person:
            if key in _TOOL_FIELDS:
                raise CoupleError("%s.%s: set by the tool, leave it out" % (role, key))
            if key not in SCHEMA:
                raise CoupleError("%s.%s: unknown setting (see docs/config.md)" % (role, key))
        consent = person.get("consent", None)
        if consent is None:
            raise CoupleError("%s.consent: ask the partner; give every group true or false (%s)"
                              % (role, ", ".join(CONSENT_GROUPS)))
        if isinstance(consent, dict):
            missing = [g for g in CONSENT_GROUPS if g not in consent]
            if missing:
                raise CoupleError("%s.consent: give every group true or false; missing %s"
                                  % (role, ", ".join(missing)))
        raw = dict(shared)
        raw.update(person)
        raw.update(version=VERSION, role=role, pair_secret=secret_hex,
                   partner_phone=partner_phone)
        if phone != "":
            try:
                validate(dict(raw, partner_phone=phone))
            except ConfigError as e:
                if e.field == "partner_phone":
                    raise CoupleError("%s.phone: %s" % (role, e.reason)) from None
        try:
            out[role] = validate(raw)
        except ConfigError as e:
            field = e.field
            if field == "partner_phone":
                field = other + ".phone"
            elif field in shared:
                field = ("home." if field.startswith("home_") else "settings.") + field
            else:
                field = role + "." + field
            raise CoupleError("%s: %s" % (field, e.reason)) from None
    return out


def summary(doc, configs):
    """Lines the social worker reads before confirming (never the secret)."""
    lines = ["Couple %s" % doc.get("couple")]
    a = configs["A"]
    lines.append("  home: %s  radius %d m   keep apart: %d m   time-out: %d min"
                 % ("%.5f, %.5f" % (a["home_lat_e7"] / 1e7, a["home_lon_e7"] / 1e7)
                    if a["home_lat_e7"] or a["home_lon_e7"] else "not set (no GPS rules)",
                    a["home_radius_m"], a["min_distance_m"], a["timeout_min"]))
    lines.append("  who leaves: %s" % a["leaver"])
    for role in ("A", "B"):
        cfg = configs[role]
        lines.append("  %s: %s   task: %s" % (role, cfg["wearer_name"] or "(no name)",
                                               cfg["task"]))
        for i, c in enumerate(cfg["contacts"]):
            lines.append("     contact %d: %s %s" % (i + 1, c["name"], c["phone"]))
        shared_groups = [g for g in CONSENT_GROUPS if cfg["consent"][g]]
        lines.append("     shares with the caseworker: %s"
                     % (", ".join(shared_groups) if shared_groups else "nothing"))
        lines.append("     microphone correction: %+.1f dB" % (cfg["mic_cal_mdb"] / 1000))
    return lines
