"""What the wearer sees, feels and hears for each session notification.

A notification key maps to an LED colour, a vibration pattern (on/off milliseconds), a tone
pattern and a short spoken/shown text. The board's feedback driver plays them; in discreet mode
it drops tones. Only the wording lives here, so it can be translated in one place.
"""

# key: (rgb, vibration ms on/off pairs, tone, text template)
_CUES = {
    "timeout_started": ((0, 0, 255), (400, 200, 400), "rise",
                        "Time-out. Your task: {task}. {leave_text} {minutes} minutes."),
    "timeout_resumed": ((0, 0, 255), (400,), "rise",
                        "The time-out goes on. Your task: {task}. {minutes} minutes left."),
    "leaver_changed": ((0, 0, 255), (400, 200, 400), None, "Change: {leave_text}"),
    "undone": ((0, 255, 0), (100, 100, 100), "fall", "Time-out cancelled."),
    "proposal": ((255, 160, 0), (200, 200, 200, 200, 200), "chime",
                 "It is getting heated. Press once for a time-out."),
    "proposal_expired": ((0, 0, 0), (), None, ""),
    "mood_ask": ((255, 255, 0), (300, 300, 300), "ask",
                 "How do you feel? One press calm, two so-so, hold if still angry."),
    "mood_recorded": ((0, 255, 0), (100,), None, "Thank you."),
    "status": ((0, 0, 255), (100,), None, "Your task: {task}. {minutes} minutes left."),
    "move_apart": ((255, 0, 0), (800, 200, 800), "warn", "You are too close. Please move apart."),
    "too_close_alarm": ((255, 0, 0), (800, 200, 800, 200, 800), "alarm",
                        "Too close for too long. Calling your contact person."),
    "contact_reached": ((0, 255, 0), (200,), None, "{name} answered."),
    "contacts_unreached": ((255, 0, 0), (800, 200, 800), "warn",
                           "Nobody answered. They will get a message."),
    "extended": ((0, 0, 255), (400, 200, 400), None,
                 "The time-out goes on for {minutes} more minutes."),
    "meet_and_talk": ((0, 255, 0), (200, 100, 200, 100, 600), "rise",
                      "You are both calm. You may meet and talk it through."),
    "timeout_over_not_calm": ((255, 160, 0), (400, 200, 400), None,
                              "The time-out is over. Do not meet yet; your contact knows."),
    "calling": ((255, 160, 0), (200,), None, "Calling {name}."),
}

_LEAVE = ("Stay where you are.", "You leave the house now.")


def cue(key, fields):
    """(rgb, vibration, tone, text) for a notification; unknown keys get a neutral cue."""
    rgb, vibration, tone, template = _CUES.get(key, ((255, 255, 255), (100,), None, ""))
    values = {}
    for name in fields:
        values[name] = fields[name]
    if "leave" in values:
        values["leave_text"] = _LEAVE[1 if values["leave"] else 0]
    try:
        text = template.format(**values)
    except (KeyError, IndexError):
        text = template
    return rgb, vibration, tone, text
