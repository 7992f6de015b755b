"""Which journal entries the partners agreed to share with their caseworker: rules only.

Every journal category (core/catalog.py CATEGORIES) belongs to one consent group
(core/config.py CONSENT_GROUPS). An entry may leave the device only when the wearer of the
device that wrote it agreed to that group, and, for an entry about the other partner (their
mood seen on this device), when that partner agreed too. Groups that describe what happened
between the two of them (JOINT: time-outs, proposals, distance) are shared only when both
agreed, since both devices record the same events. A category missing from the table is never
shared (fail closed). No I/O here.
"""

JOINT = ("timeouts", "proposals", "distance")

# category -> (group, about): about is "self" (the wearer's own) or "partner" (the other one)
GROUP_OF = {
    "timeout_started": ("timeouts", "self"),
    "timeout_undone": ("timeouts", "self"),
    "timeout_merged": ("timeouts", "self"),
    "timeout_resumed": ("timeouts", "self"),
    "timeout_extended": ("timeouts", "self"),
    "timeout_ended": ("timeouts", "self"),
    "partner_ended": ("timeouts", "self"),
    "proposal": ("proposals", "self"),
    "proposal_accepted": ("proposals", "self"),
    "proposal_expired": ("proposals", "self"),
    "proposal_suppressed": ("proposals", "self"),
    "distance": ("distance", "self"),
    "too_close_warning": ("distance", "self"),
    "distance_violation": ("distance", "self"),
    "distance_unknown": ("distance", "self"),
    "home_changed": ("distance", "self"),
    "chain_started": ("contacts", "self"),
    "chain_resumed": ("contacts", "self"),
    "chain_busy": ("contacts", "self"),
    "chain_impossible": ("contacts", "self"),
    "help_asked": ("contacts", "self"),
    "contact_reached": ("contacts", "self"),
    "contact_unreached": ("contacts", "self"),
    "call_no_network": ("contacts", "self"),
    "all_contacts_unreached": ("contacts", "self"),
    "contact_texted": ("contacts", "self"),
    "mood_asked": ("moods", "self"),
    "mood_answer": ("moods", "self"),
    "partner_mood": ("moods", "partner"),
    "boot": ("power", "self"),
    "device_off": ("power", "self"),
    "device_on": ("power", "self"),
    "switch_refused": ("power", "self"),
    "partner_switched_off": ("power", "partner"),
    "partner_switched_on": ("power", "partner"),
    "partner_reachable": ("power", "self"),
    "partner_unreachable": ("power", "self"),
    "fault": ("faults", "self"),
    "config_rejected": ("faults", "self"),
    "config_migrated": ("faults", "self"),
    "modem": ("faults", "self"),
    "modem_no_network": ("faults", "self"),
    "modem_network_back": ("faults", "self"),
    "modem_reset": ("faults", "self"),
    "time_known": ("faults", "self"),
    "clock_step": ("faults", "self"),
    "downtime_counted": ("faults", "self"),
    "event_ignored": ("faults", "self"),
    "press_ignored": ("faults", "self"),
    "call_result_ignored": ("faults", "self"),
    "partner_claim_refused": ("faults", "self"),
    "contact_text_failed": ("contacts", "self"),
}

# Fields that would tell the reader about other groups: shown only when both partners share
# every one of those groups. (category, field) -> groups
_WHY_CALLED = ("moods", "distance")  # a chain's reason: "not_calm", "distance", "help"
FIELD_GROUPS = {
    ("timeout_started", "why"): ("proposals",),  # "proposal": an accepted proposal
    ("timeout_ended", "outcome"): ("moods",),  # "not_calm" tells how someone felt
    ("partner_ended", "outcome"): ("moods",),
    ("timeout_extended", "who"): ("moods",),
    ("timeout_extended", "reason"): _WHY_CALLED,
    ("chain_started", "reason"): _WHY_CALLED,
    ("chain_busy", "reason"): _WHY_CALLED,
    ("chain_impossible", "reason"): _WHY_CALLED,
    ("all_contacts_unreached", "reason"): _WHY_CALLED,
    ("contact_reached", "reason"): _WHY_CALLED,
    ("contact_unreached", "reason"): _WHY_CALLED,
}


# The fields an exported entry may carry besides cat and t; anything else is dropped, so a
# field added to the firmware later is not exported by surprise.
_COMMON = ("tid", "pid", "by", "via", "leaver", "ext", "minutes", "index", "name", "status",
           "from", "to", "origin")
_EXTRA = {
    "timeout_started": ("why",), "timeout_ended": ("outcome",), "partner_ended": ("outcome",),
    "timeout_extended": ("who", "reason"), "chain_started": ("reason",),
    "chain_busy": ("reason",), "chain_impossible": ("reason",),
    "all_contacts_unreached": ("reason",),
    "contact_reached": ("outcome", "reason"), "contact_unreached": ("outcome", "reason"),
    "mood_asked": ("final",), "mood_answer": ("mood", "final"),
    "partner_mood": ("mood", "final"), "proposal_suppressed": ("reason",),
    "boot": ("cause", "board"), "fault": ("what", "field"), "config_rejected": ("field",),
}


def group_of(category):
    """The consent group of a category, or None when it is never shared."""
    found = GROUP_OF.get(category)
    return found[0] if found else None


def shared(category, own, partner):
    """True when an entry of `category` written on a device may be exported.

    own: the consent dict of that device's wearer; partner: the other wearer's (or None when
    unknown: then nothing about the partner is shared)."""
    found = GROUP_OF.get(category)
    if found is None:
        return False
    group, about = found
    if own.get(group) is not True:
        return False
    if about == "partner" or group in JOINT:
        return partner is not None and partner.get(group) is True
    return True


def redact(entry, own, partner):
    """A copy of a shareable entry without fields that belong to a group not shared by both.

    A field naming both partners' states (outcome, reason) is kept only when both agreed."""
    out = {}
    cat = entry.get("cat")
    for key in entry:
        if key not in ("cat", "t", "seq") and key not in _COMMON and \
                key not in _EXTRA.get(cat, ()):
            continue
        groups = FIELD_GROUPS.get((cat, key), ())
        if all(both(g, own, partner) for g in groups):
            out[key] = entry[key]
    return out


def both(group, own, partner):
    """True when both partners agreed to share `group`."""
    return own.get(group) is True and partner is not None and partner.get(group) is True
