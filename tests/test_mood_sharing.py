"""The partner's mood is visible only when both partners agreed: after each mood check each
wearer hears what the partner's device says its wearer answered ("Your partner says: I am
calm"); without both consents nothing is told, and a claim the session refuses is never told."""

import pytest

from compat import TICKS_PERIOD

from core.session import Session
from test_session import at, config, counter, journal


@pytest.fixture(params=[0, TICKS_PERIOD - 5000], ids=["ticks0", "near_wrap"])
def t0(request):
    return request.param


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
    for check, m in ((1, 3), (2, 2)):  # checks at 10 and 20 minutes: angry, so-so
        s.tick(at(t0, check * 600))
        actions = s.handle(at(t0, check * 600 + 20), ("partner", mood(s, m, seq=check)))
        assert "partner_mood" in journal(actions)
        told += notes(actions)
    s.tick(at(t0, 1800))  # the end check: calm
    told += notes(s.handle(at(t0, 1820), ("partner", mood(s, 1, seq=0, fin=1))))
    assert told == ["partner_angry", "partner_so_so", "partner_calm"]


def test_no_answer_tells_nothing(t0):
    s = running(BOTH, t0)
    s.tick(at(t0, 600))
    actions = s.handle(at(t0, 620), ("partner", mood(s, 0, seq=1)))
    assert "partner_mood" in journal(actions) and not notes(actions)


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


def test_a_flood_of_moods_is_told_once_per_check(t0):
    s = running(BOTH, t0)
    s.tick(at(t0, 600))  # the first check (seq 1)
    told = []
    for i in range(50):
        told += notes(s.handle(at(t0, 610 + i), ("partner", mood(s, 1 + i % 3, seq=1))))
    for seq in range(3, 60):  # checks that have not come yet
        told += notes(s.handle(at(t0, 700), ("partner", mood(s, 1, seq=seq))))
    assert told == ["partner_calm"]
