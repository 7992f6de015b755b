"""The truth checker: every cue has a rule, and a false sentence fails a run."""

from core.catalog import CUES
from host_sim import invariants


def cue_keys():
    """Every cue key (each has a line in every cue file: tests/test_vocab.py)."""
    return list(CUES)


def test_every_cue_has_a_truth_rule():
    keys = cue_keys()
    assert keys, "no cue file found"
    assert sorted(set(keys) - set(invariants.TRUTH)) == []


class _World:
    def __init__(self, timeline):
        self.timeline = timeline
        self.configs = {d: {"contacts": [{"name": "Ann"}, {"name": "Bob"}]} for d in "AB"}

    def config_at(self, device, t):  # no config written mid-run here
        return self.configs[device]


def _say(t, key, text, device="A", **fields):
    return dict(fields, t=t, event="say", device=device, key=key, text=text)


def test_answered_needs_an_answered_call_to_that_contact():
    said = _say(10.0, "contact_reached", "Ann heeft opgenomen.", name="Ann")
    assert invariants.truthful(_World([said])) != []
    answered = {"t": 9.0, "event": "call_answered", "device": "A", "name": "Ann"}
    assert invariants.truthful(_World([answered, said])) == []
    other = dict(answered, name="Bob")
    assert invariants.truthful(_World([other, said])) != []


def test_calling_reads_the_contact_from_the_cue_not_its_words():
    """The rules hold in every language: the contact is the cue's field, not parsed text."""
    placed = {"t": 12.0, "event": "call", "device": "A", "name": "Ann"}
    for text in ("Calling Ann.", "Ann wordt gebeld."):
        said = _say(10.0, "calling", text, name="Ann")
        assert invariants.truthful(_World([said, placed])) == [], text
        assert invariants.truthful(_World([said, dict(placed, name="Bob")])) != [], text


def test_they_will_get_a_message_needs_the_texts_delivered():
    unreached = {"t": 50.0, "event": "all_contacts_unreached", "device": "A"}
    said = _say(50.0, "contacts_unreached", "Nobody answered. They will get a message.")
    texts = [{"t": 60.0, "event": "text_delivered", "device": "A", "name": n}
             for n in ("Ann", "Bob")]
    assert invariants.truthful(_World([unreached, said])) != []
    assert invariants.truthful(_World([unreached, said] + texts[:1])) != []
    assert invariants.truthful(_World([unreached, said] + texts)) == []


def test_your_contact_will_be_called_needs_a_chain():
    said = _say(3600.0, "timeout_over_not_calm", "The time-out is over.")
    assert invariants.truthful(_World([said])) != []
    chain = {"t": 3600.0, "event": "chain_started", "device": "A", "reason": "not_calm"}
    assert invariants.truthful(_World([chain, said])) == []


def test_partner_not_calm_is_false_once_they_said_calm():
    start = {"t": 0.0, "event": "timeout_started", "device": "A"}
    said = _say(3600.0, "timeout_over_partner_not_calm", "Your partner has not said...")
    assert invariants.truthful(_World([start, said])) == []
    calm = {"t": 3590.0, "event": "partner_mood", "device": "A", "mood": "calm", "final": 1}
    assert invariants.truthful(_World([start, calm, said])) != []


def test_a_cue_without_a_rule_is_a_failure():
    assert invariants.truthful(_World([_say(1.0, "brand_new_cue", "Hello")])) != []


def test_a_hostile_partner_s_calm_is_what_its_device_said():
    """With a hostile partner, "You are both calm" is true of what the partner's device sent:
    the other device cannot know what its wearer really answered. Nobody else gets that."""
    class _Hostile:
        name = "B"

    mine = {"t": 5.0, "event": "mood_answer", "device": "A", "mood": "calm"}
    theirs = {"t": 5.0, "event": "mood_answer", "device": "B", "mood": "angry"}
    claim = {"t": 6.0, "event": "hostile_sent", "device": "B", "msg": "mood", "fin": 1, "m": 1}
    said = _say(10.0, "meet_and_talk", "You are both calm.")
    honest = _World([mine, theirs, claim, said])
    assert invariants.truthful(honest) != []  # no hostile device: B's own answer counts
    world = _World([mine, theirs, claim, said])
    world.hostile = _Hostile()
    assert invariants.truthful(world) == []
    world.timeline = [mine, theirs, said]  # it never said calm either
    assert invariants.truthful(world) != []
