"""The end check across a power cut: an answer given is kept, the check counts from the
time-out's end (as on the partner's device), and both devices decide the same round.

Each case is one the fault campaign found: a device that lost power a few seconds after its
wearer answered "calm" asked again after the reboot and ended "not calm" while the partner
ended "meet"; a device that was off through the whole end check asked after the partner had
given up waiting and ended "meet" alone."""

import json

import pytest

from compat import TICKS_PERIOD
from core.session import CALM, END_CHECK, IDLE, MSG_LATENCY_MS, NO_ANSWER, TIMEOUT, Session
from test_session import at, config, counter, journal, kinds, sent

CFG = dict(timeout_min=10, mood_interval_min=10, extension_min=5, max_extensions=1,
           mood_answer_window_s=120, end_wait_s=180)


@pytest.fixture(params=[0, TICKS_PERIOD - 5000], ids=["ticks0", "near_wrap"])
def t0(request):
    return request.param


def notes(actions):
    return [a[1] for a in actions if a[0] == "notify"]


def reboot(s, now_ms, t1, off_ms):
    """The snapshot as it comes back from flash, on a device whose ticks restarted."""
    snap = json.loads(json.dumps(s.snapshot(now_ms)))
    r = Session(config(**CFG), t1, counter(), snap, downtime_ms=off_ms)
    return r, r.boot_actions(t1)


def end_check(t0):
    s = Session(config(**CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    assert "mood_ask" in notes(s.tick(at(t0, 600)))
    assert s.phase == END_CHECK
    return s


def test_an_end_check_answer_survives_a_power_cut(t0):
    s = end_check(t0)
    s.handle(at(t0, 620), ("press", "single"))  # calm, sent to the partner
    t1 = 777
    r, boot = reboot(s, at(t0, 624), t1, 40000)
    assert r.phase == END_CHECK and r.my_final == CALM
    assert "mood_ask" not in notes(boot + r.tick(t1)), "not asked a second time"
    # the partner answered calm meanwhile and ended with "meet"; its answer is not sent once
    # its time-out has ended, only the end
    actions = r.handle(t1 + 5000, ("partner", {"t": "end", "tid": r.tid, "out": 1}))
    assert r.phase == IDLE and "meet_and_talk" in notes(actions)


def test_meet_from_the_partner_before_the_own_answer_counts_as_its_calm(t0):
    s = end_check(t0)
    actions = s.handle(at(t0, 610), ("partner", {"t": "end", "tid": s.tid, "out": 1}))
    assert s.phase == END_CHECK and "meet_and_talk" not in notes(actions)
    s.handle(at(t0, 630), ("press", "single"))
    assert "meet_and_talk" in notes(s.tick(at(t0, 631)))


def test_the_partners_final_answer_is_persisted_when_it_comes(t0):
    s = end_check(t0)
    actions = s.handle(at(t0, 605), ("partner", {"t": "mood", "tid": s.tid, "seq": 0, "m": 1,
                                                 "fin": 1}))
    assert kinds(actions, "persist"), "the partner does not send it twice"
    s.handle(at(t0, 620), ("press", "single"))
    r, _ = reboot(s, at(t0, 621), 5, 10000)
    assert r.phase == END_CHECK and "meet_and_talk" in notes(r.tick(5))


def test_off_through_the_partners_wait_is_decided_as_the_partner_decided(t0):
    s = Session(config(**CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 590))
    # power lost at 9:50, back at 13:30: the partner's end check (10:00 to 13:00) is over and
    # it has extended ("my partner did not answer")
    t1 = 4242
    r, boot = reboot(s, at(t0, 590), t1, 220000)
    actions = boot + r.tick(t1)
    assert "mood_ask" not in notes(actions), "an answer now could not count on the other side"
    assert "mood_recorded" not in notes(actions), "nothing was asked, nothing is thanked for"
    answer = [a[2] for a in actions if a[0] == "journal" and a[1] == "mood_answer"]
    assert answer and answer[0]["final"] == 1 and answer[0]["mood"] == "no_answer"
    assert r.phase == TIMEOUT and r.ext == 1, "extended, as the partner's device did"
    assert "timeout_extended" in journal(actions) and kinds(actions, "call")
    fin = sent(actions, "mood")
    assert fin and fin[0]["fin"] == 1 and fin[0]["m"] == NO_ANSWER and fin[0]["seq"] == 0


def test_back_inside_the_partners_wait_is_asked_for_the_time_left(t0):
    s = Session(config(**CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 590))
    t1 = 99
    r, boot = reboot(s, at(t0, 590), t1, 130000)  # back at 12:00: 60 s of the wait left
    actions = boot + r.tick(t1)
    assert "mood_ask" in notes(actions)
    # the answer must reach the partner before its wait is over: it closes MSG_LATENCY_MS early
    assert r.mood_pending is not None and r.mood_pending[2] == t1 + 60000 - MSG_LATENCY_MS
    actions = r.tick(t1 + 60000 - MSG_LATENCY_MS)
    assert "mood_answer" in journal(actions) and r.my_final == NO_ANSWER


@pytest.mark.parametrize("off_s", [150, 170])  # 30 s and 10 s of the partner's wait left
def test_back_too_late_for_an_answer_to_reach_the_partner_is_not_asked(t0, off_s):
    """An answer the partner's device would get after it stopped waiting would make the two
    decide the round on different answers ("meet" here, "not calm" there): not asked."""
    s = Session(config(**CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 590))
    t1 = 99
    r, boot = reboot(s, at(t0, 590), t1, off_s * 1000)
    actions = boot + r.tick(t1)
    assert "mood_ask" not in notes(actions)
    fin = sent(actions, "mood")
    assert fin and fin[0]["fin"] == 1 and fin[0]["m"] == NO_ANSWER
    assert r.my_final == NO_ANSWER


def test_a_regular_end_check_closes_before_the_partner_stops_waiting(t0):
    s = Session(config(**CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 600))
    closes = s.mood_pending[2]
    assert closes == at(t0, 600 + 120)  # mood_answer_window_s, inside end_wait_s - latency


def test_a_counted_violation_is_persisted_at_once_even_while_a_chain_runs(t0):
    s = Session(config(walk_away_grace_s=60, too_close_tolerance_s=30, **CFG), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 600))
    actions = s.tick(at(t0, 780))  # nobody answered the end check: contacts, and 5 more min
    assert "chain_started" in journal(actions) and s.phase == TIMEOUT
    s.handle(at(t0, 790), ("distance", "too_close"))
    actions = s.tick(at(t0, 820))
    assert "distance_violation" in journal(actions) and "chain_busy" in journal(actions)
    assert kinds(actions, "persist"), "a reboot must not count this return a second time"
    snap = json.loads(json.dumps(s.snapshot(at(t0, 821))))
    assert snap["viol"] is True
