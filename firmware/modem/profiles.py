"""Cellular module profiles: what each supported module can do and how it is driven.

Data only. The engine asks capability flags ("voice", "cereg", ...) instead of testing module
names, so the firmware does the best each module allows. Must not hold any I/O.
"""

# voice: can place voice calls at all. volte: voice only over VoLTE (needs a VoLTE SIM).
# creg/cereg: which registration reports mean service (LTE-only modules may report CREG 0).
# clcc_urc: supports AT+CLCC=1 (call state pushed as +CLCC URCs; we still poll as well).
# hangup: the command that ends a call. boot_ms: time from power-on to AT readiness.
# What each module says on its own (docs/modem.md gives the source of each), used by the
# simulator and by the tests that hold the firmware to it: boot_urcs, in order after power-on
# (the first means the module restarted and lost its settings); voice_urc: "VOICE CALL: BEGIN"
# when the audio path opens, "VOICE CALL: END: <6 digits>" when it closes; missed_call_urc:
# "MISSED_CALL: <time> <number>" after an unanswered incoming call; double_cr: result codes
# such as "+CRING: VOICE" framed CR CR LF instead of CR LF.
PROFILES = {
    "sim800": {
        "name": "SIMCom SIM800", "rat": "2G", "voice": True, "volte": False,
        "creg": True, "cereg": False, "clcc_urc": True, "hangup": "ATH", "boot_ms": 4000,
        "note": "2G only: Dutch 2G networks close 2023-2027, not for new builds",
        "boot_urcs": ("RDY", "+CFUN: 1", "+CPIN: READY", "Call Ready", "SMS Ready"),
        "voice_urc": False, "missed_call_urc": False, "double_cr": False,
    },
    "sim7600": {
        "name": "SIMCom SIM7600E-H", "rat": "LTE/3G/2G", "voice": True, "volte": False,
        "creg": True, "cereg": True, "clcc_urc": True, "hangup": "AT+CHUP", "boot_ms": 15000,
        "note": "voice only on variants with the audio interface",
        "boot_urcs": ("RDY", "+CPIN: READY", "SMS DONE", "PB DONE"),
        "voice_urc": True, "missed_call_urc": True, "double_cr": True,
    },
    "sim7600_noaudio": {
        "name": "SIMCom SIM7600 (no audio)", "rat": "LTE/3G/2G", "voice": False,
        "volte": False, "creg": True, "cereg": True, "clcc_urc": False, "hangup": "AT+CHUP",
        "boot_ms": 15000, "note": "variant without audio: SMS only for contacts",
        "boot_urcs": ("RDY", "+CPIN: READY", "SMS DONE", "PB DONE"),
        "voice_urc": False, "missed_call_urc": False, "double_cr": True,
    },
    "a7670e": {
        "name": "SIMCom A7670E", "rat": "LTE Cat-1", "voice": True, "volte": True,
        "creg": False, "cereg": True, "clcc_urc": True, "hangup": "AT+CHUP", "boot_ms": 10000,
        "note": "voice over VoLTE only: the SIM and operator must support VoLTE",
        "boot_urcs": ("*ATREADY: 1", "+CPIN: READY", "+CGEV: EPS PDN ACT 1", "SMS DONE",
                      "PB DONE"),
        "voice_urc": True, "missed_call_urc": True, "double_cr": True,
    },
    "sim7000g": {
        "name": "SIMCom SIM7000G", "rat": "LTE-M/NB-IoT", "voice": False, "volte": False,
        "creg": False, "cereg": True, "clcc_urc": False, "hangup": "ATH", "boot_ms": 8000,
        "note": "no voice at all: contacts get SMS only",
        "boot_urcs": ("RDY", "+CFUN: 1", "+CPIN: READY", "SMS Ready"),
        "voice_urc": False, "missed_call_urc": False, "double_cr": False,
    },
}

DEFAULT = "a7670e"


def get(name):
    """The profile dict for `name`; ValueError naming the known ones otherwise."""
    p = PROFILES.get(name)
    if p is None:
        raise ValueError("unknown modem profile %r (known: %s)"
                         % (name, ", ".join(sorted(PROFILES))))
    return p
