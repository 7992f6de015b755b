"""The complete sets of the words that cross layers, each written down once: action kinds,
press patterns, notification (cue) keys and journal categories.

Action kinds and press patterns are names in core/vocab.py that the code on both sides uses.
Cue keys and journal categories the firmware writes as plain string literals where it makes
them: nothing on the device needs a whole list, and loading these would cost it several KB of
heap. So this module is not imported by the firmware; the tests and host tools are its users.
They hold every use to it: each cue key has one line in every language's cue file and the
firmware notifies with no other (tests/test_vocab.py); each journal category has a consent group
in store/consent.py and the firmware writes no other (tests/test_consent_coverage.py).
"""

from core.vocab import (CALL, DOUBLE, FALLBACK, JOURNAL, LONG, NOTIFY, PERSIST, POWER, SEND,
                        SINGLE, TRIPLE, VERY_LONG)

# Every action kind the core returns, every press pattern (their names: core/vocab.py).
ACTIONS = (SEND, NOTIFY, CALL, FALLBACK, JOURNAL, PERSIST, POWER)
PRESSES = (SINGLE, DOUBLE, TRIPLE, LONG, VERY_LONG)

# Notification keys: what the wearer is told (the light, vibration, tone and words of each are a
# line in every cue file).
CUES = (
    "timeout_started", "timeout_resumed", "leaver_changed", "undone", "proposal",
    "proposal_expired", "mood_ask", "mood_recorded", "status", "move_apart", "too_close_alarm",
    "contact_reached", "contacts_unreached", "extended", "meet_and_talk",
    "timeout_over_not_calm", "timeout_over_partner_not_calm",
    "no_network", "calling", "cannot_call", "switched_off", "switched_on", "stays_on",
    "claim_refused",
    "distance_unknown", "partner_unreachable",
    "partner_calm", "partner_so_so", "partner_angry",
)

# Journal categories (each one a consent group in store/consent.py GROUP_OF).
CATEGORIES = (
    "timeout_started", "timeout_undone", "timeout_merged", "timeout_resumed", "timeout_extended",
    "timeout_ended", "partner_ended", "proposal", "proposal_accepted", "proposal_expired",
    "proposal_suppressed", "distance", "too_close_warning", "distance_violation", "home_changed",
    "distance_unknown",
    "chain_started", "chain_resumed", "chain_busy", "chain_impossible", "help_asked",
    "contact_reached", "contact_unreached", "call_no_network", "all_contacts_unreached",
    "contact_texted",
    "mood_asked", "mood_answer", "partner_mood", "boot", "device_off", "device_on",
    "switch_refused", "partner_switched_off", "partner_switched_on", "partner_reachable",
    "partner_unreachable", "fault", "config_rejected", "config_migrated", "modem",
    "modem_no_network", "modem_network_back", "modem_reset", "event_ignored", "press_ignored",
    "call_result_ignored", "partner_claim_refused", "contact_text_failed",
    "time_known", "clock_step", "downtime_counted",
)
