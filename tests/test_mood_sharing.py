"""The partner's mood is visible only when both partners agreed: after each mood check each
wearer hears what the partner's device says its wearer answered ("Your partner says: I am
calm"); without both consents nothing is told, and a claim the session refuses is never told."""

import pytest

from core.session import Session
from test_session import at, config, counter, journal, t0  # noqa: F401


def notes(actions):
    return [a[1] for a in actions if a[0] == "notify"]


def running(cfg, t0):
    s = Session(config(timeout_min=30, mood_interval_min=10, **cfg), t0, counter())
    s.handle(t0, ("press", "single"))
    return s


def mood(s, m, seq=1, fin=0):
    return {"t": "mood", "tid": s.tid, "seq": seq, "m": m, "fin": fin}


BOTH = {"share_mood": True, "partner_share_mood": True}


def test_both_agreed_each_answer_is_told_as_the_partners_word(t0):
    s = running(BOTH, t0)
    told = []
    for i, m in enumerate((3, 2, 1, 0)):
        actions = s.handle(at(t0, 620 + i), ("partner", mood(s, m, seq=1 + i)))
        assert "partner_mood" in journal(actions)
        told += notes(actions)
    assert told == ["partner_angry", "partner_so_so", "partner_calm"], "no answer: nothing"


@pytest.mark.parametrize("cfg", [{}, {"share_mood": True}, {"partner_share_mood": True}],
                         ids=["neither", "only_this_wearer", "only_the_partner"])
def test_without_both_consents_nothing_is_told(t0, cfg):
    s = running(cfg, t0)
    actions = s.handle(at(t0, 620), ("partner", mood(s, 1)))
    assert "partner_mood" in journal(actions), "still journaled (it decides the end)"
    assert not [n for n in notes(actions) if n.startswith("partner_")]


def test_a_refused_early_calm_is_not_told(t0):
    s = running(BOTH, t0)
    actions = s.handle(at(t0, 300), ("partner", mood(s, 1, seq=0, fin=1)))
    assert "partner_claim_refused" in journal(actions)
    assert "partner_calm" not in notes(actions)


def test_nothing_is_told_outside_a_time_out(t0):
    s = Session(config(**BOTH), t0, counter())
    actions = s.handle(at(t0, 5), ("partner", {"t": "mood", "tid": 4242, "seq": 1, "m": 1,
                                               "fin": 0}))
    assert not notes(actions)
