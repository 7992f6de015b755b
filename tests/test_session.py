"""The session core on its own: time and events in, actions out."""

import pytest

from compat import TICKS_PERIOD, ticks_add
from core.config import defaults, validate
from core.session import CALM, END_CHECK, IDLE, TIMEOUT, Session

CONTACTS = [{"name": "C%d" % i, "phone": "+3161234567%d" % i} for i in range(3)]


def config(**over):
    cfg = defaults()
    cfg.update(role="A", pair_secret="aaac85cb5966f30d27bf1b931d7ff132", contacts=CONTACTS)
    cfg.update(over)
    return validate(cfg)


def counter():
    state = [100]

    def rand16():
        state[0] += 1
        return state[0]

    return rand16


def kinds(actions, kind):
    return [a for a in actions if a[0] == kind]


def journal(actions):
    return [a[1] for a in actions if a[0] == "journal"]


def sent(actions, t=None):
    return [a[1] for a in actions if a[0] == "send" and (t is None or a[1]["t"] == t)]


@pytest.fixture(params=[0, TICKS_PERIOD - 5000], ids=["ticks0", "near_wrap"])
def t0(request):
    return request.param


def at(t0, seconds):
    return ticks_add(t0, int(seconds * 1000))


def test_press_starts_and_tells_partner(t0):
    s = Session(config(), t0, counter())
    actions = s.handle(t0, ("press", "single"))
    assert s.phase == TIMEOUT
    assert "timeout_started" in journal(actions)
    start = sent(actions, "start")[0]
    assert start["tid"] == s.tid and start["by"] == 0 and start["el"] == 0
    notify = kinds(actions, "notify")[0]
    assert notify[1] == "timeout_started" and notify[2]["task"] == "Een stuk wandelen"


def test_long_press_undoes_only_within_window(t0):
    s = Session(config(undo_window_s=10), t0, counter())
    s.handle(t0, ("press", "single"))
    actions = s.handle(at(t0, 9), ("press", "long"))
    assert s.phase == IDLE and "timeout_undone" in journal(actions)
    assert sent(actions, "undo")
    s.handle(at(t0, 20), ("press", "single"))
    actions = s.handle(at(t0, 31), ("press", "long"))
    assert s.phase == TIMEOUT and "timeout_undone" not in journal(actions)


def test_undone_timeout_is_not_revived_by_late_start(t0):
    s = Session(config(role="B"), t0, counter())
    s.handle(t0, ("partner", {"t": "undo", "tid": 77}))
    actions = s.handle(at(t0, 1), ("partner", {"t": "start", "tid": 77, "by": 0, "why": 0,
                                                "el": 500, "lv": 0}))
    assert s.phase == IDLE
    assert sent(actions, "undo")[0]["tid"] == 77


def test_partner_start_joins_with_remaining_time(t0):
    s = Session(config(role="B", timeout_min=30), t0, counter())
    s.handle(t0, ("partner", {"t": "start", "tid": 9, "by": 0, "why": 0, "el": 600000,
                              "lv": 0}))
    assert s.phase == TIMEOUT
    assert s.wait_ms(t0) >= 0
    # 30 minutes from the partner's start, i.e. 20 minutes from now.
    assert s.end_at() == at(t0, 20 * 60)


def test_partner_start_long_before_it_said_no_time_out_is_refused(t0):
    # The partner's device said a minute ago that no time-out ran there: "ten minutes in" is
    # not true, and would shorten this one. It counts from the slack before that minute.
    s = Session(config(role="B", timeout_min=30), t0, counter())
    s.handle(t0, ("partner", {"t": "state", "tid": 0, "el": 0, "ph": 0, "home": 1, "ext": 0,
                              "m": 0, "on": 1, "by": 0, "lv": 0}))
    s.handle(at(t0, 60), ("partner", {"t": "start", "tid": 9, "by": 0, "why": 0,
                                      "el": 600000, "lv": 0}))
    assert s.phase == TIMEOUT
    assert s.end_at() == at(t0, 30 * 60 - 120)


def test_simultaneous_starts_converge_on_device_a(t0):
    a = Session(config(role="A"), t0, counter())
    b = Session(config(role="B"), t0, lambda: 999)
    start_a = sent(a.handle(t0, ("press", "single")), "start")[0]
    start_b = sent(b.handle(at(t0, 1), ("press", "single")), "start")[0]
    out_a = a.handle(at(t0, 1.1), ("partner", start_b))
    out_b = b.handle(at(t0, 1.2), ("partner", start_a))
    assert a.tid == b.tid == start_a["tid"]
    assert "timeout_merged" in journal(out_b) and "timeout_merged" not in journal(out_a)
    assert sent(out_a, "start"), "A insists on its own time-out"


def test_earlier_start_wins_even_from_b(t0):
    a = Session(config(role="A"), t0, counter())
    a.handle(at(t0, 60), ("press", "single"))
    a.handle(at(t0, 61), ("partner", {"t": "start", "tid": 5, "by": 1, "why": 0,
                                      "el": 50000, "lv": 1}))
    assert a.tid == 5 and a.leaver == 1
    assert a.start == at(t0, 11)


def test_mood_checks_and_calm_end_gives_meet(t0):
    s = Session(config(timeout_min=20, mood_interval_min=10), t0, counter())
    s.handle(t0, ("press", "single"))
    actions = s.tick(at(t0, 600))
    assert [a for a in kinds(actions, "notify") if a[1] == "mood_ask"]
    actions = s.handle(at(t0, 610), ("press", "double"))
    assert sent(actions, "mood")[0]["m"] == 2
    actions = s.tick(at(t0, 1200))
    assert s.phase == END_CHECK
    s.handle(at(t0, 1210), ("press", "single"))
    assert s.my_final == CALM
    s.handle(at(t0, 1215), ("partner", {"t": "mood", "tid": s.tid, "seq": 0, "m": 1,
                                        "fin": 1}))
    actions = s.tick(at(t0, 1216))
    assert s.phase == IDLE
    assert [a for a in kinds(actions, "notify") if a[1] == "meet_and_talk"]
    assert sent(actions, "end")[0]["out"] == 1


def test_no_answer_at_end_calls_contact_and_extends(t0):
    s = Session(config(timeout_min=10, mood_interval_min=10, extension_min=5), t0, counter())
    s.handle(t0, ("press", "single"))
    s.tick(at(t0, 600))
    actions = s.tick(at(t0, 600 + 120))  # answer window closes unanswered
    assert "mood_answer" in journal(actions)
    actions = s.tick(at(t0, 600 + 180))  # partner's answer never came either
    calls = kinds(actions, "call")
    assert calls and calls[0][1] == 0 and calls[0][2] == CONTACTS[0]["phone"]
    assert s.phase == TIMEOUT and s.ext == 1
    assert s.end_at() == at(t0, 15 * 60)


def test_distance_violation_only_after_grace_and_tolerance(t0):
    s = Session(config(walk_away_grace_s=300, too_close_tolerance_s=60), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 10), ("distance", "too_close"))
    assert not kinds(s.tick(at(t0, 299)), "call")
    assert not kinds(s.tick(at(t0, 300 + 59)), "call")
    actions = s.tick(at(t0, 300 + 60))
    assert "distance_violation" in journal(actions) and kinds(actions, "call")
    assert not kinds(s.tick(at(t0, 500)), "call"), "one violation, one chain"


def test_unknown_distance_is_not_a_violation(t0):
    s = Session(config(), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 10), ("distance", "unknown"))
    for minute in range(1, 30):
        assert "distance_violation" not in journal(s.tick(at(t0, minute * 60)))


def test_chain_moves_on_and_guards_lost_results(t0):
    s = Session(config(call_guard_s=100), t0, counter())
    actions = s.handle(t0, ("press", "triple"))
    assert kinds(actions, "call")[0][1] == 0
    actions = s.handle(at(t0, 30), ("call_result", 0, "busy"))
    assert kinds(actions, "call")[0][1] == 1
    actions = s.tick(at(t0, 30 + 100))  # the result of call 2 never arrives
    assert "contact_unreached" in journal(actions)
    assert kinds(actions, "call")[0][1] == 2
    actions = s.handle(at(t0, 140), ("call_result", 2, "no_answer"))
    assert "all_contacts_unreached" in journal(actions) and kinds(actions, "fallback")
    assert s.wait_ms(at(t0, 140)) > 0


def test_stale_call_result_is_ignored(t0):
    s = Session(config(), t0, counter())
    s.handle(t0, ("press", "triple"))
    actions = s.handle(at(t0, 5), ("call_result", 2, "answered"))
    assert journal(actions) == ["call_result_ignored"]
    assert not s.chain.done


def test_proposal_needs_both_home_and_respects_refractory(t0):
    s = Session(config(proposal_refractory_min=15), t0, counter())
    assert journal(s.handle(t0, ("proposal",))) == ["proposal_suppressed"]
    s.handle(t0, ("home", True))
    actions = s.handle(at(t0, 1), ("proposal",))
    # nothing heard from the partner device yet: that is what the reason says, not "not home"
    assert [a[2] for a in actions if a[0] == "journal"][0]["reason"] == "partner_unreachable"
    s.handle(at(t0, 2), ("partner", {"t": "state", "tid": 0, "el": 0, "ph": 0, "home": 1,
                                     "ext": 0, "m": 0, "on": 1, "by": 1, "lv": 1}))
    # a home bit relayed by the partner's device (an older firmware, or a lie) opens nothing
    actions = s.handle(at(t0, 2), ("proposal",))
    assert [a[2] for a in actions if a[0] == "journal"][0]["reason"] == "partner_not_home"
    s.handle(at(t0, 2), ("near", True))  # its device connected over BLE: close by, at home
    actions = s.handle(at(t0, 3), ("proposal",))
    assert "proposal" in journal(actions) and sent(actions, "prop")
    s.tick(at(t0, 3 + 60))
    assert s.phase == IDLE
    s.handle(at(t0, 100), ("partner", {"t": "state", "tid": 0, "el": 0, "ph": 0, "home": 1,
                                       "ext": 0, "m": 0, "on": 1, "by": 1, "lv": 1}))
    actions = s.handle(at(t0, 120), ("proposal",))
    assert [a[2] for a in actions if a[0] == "journal"][0]["reason"] == "refractory"


def test_snapshot_restores_with_downtime(t0):
    s = Session(config(timeout_min=60), t0, counter())
    s.handle(t0, ("press", "triple"))
    s.handle(at(t0, 1), ("press", "single"))
    snap = s.snapshot(at(t0, 600))
    import json

    snap = json.loads(json.dumps(snap))  # as it comes back from flash
    t1 = 12345  # ticks restart after a reboot
    r = Session(config(timeout_min=60), t1, counter(), snap, downtime_ms=120000)
    assert r.phase == TIMEOUT and r.tid == s.tid
    assert r.elapsed(t1) == 600000 - 1000 + 120000
    boot = r.boot_actions(t1)
    assert "timeout_resumed" in journal(boot)
    assert kinds(boot, "call"), "an unfinished chain is called again"


def test_wait_ms_is_never_negative_and_ticks_progress(t0):
    s = Session(config(), t0, counter())
    s.handle(t0, ("press", "single"))
    now = t0
    for _ in range(500):
        s.tick(now)
        wait = s.wait_ms(now)
        assert wait >= 0
        now = ticks_add(now, max(wait, 1))
    assert s.phase in (IDLE, TIMEOUT, END_CHECK)


def test_switch_off_stops_proposals_and_survives_reboot(t0):
    s = Session(config(), t0, counter())
    actions = s.handle(t0, ("press", "very_long"))
    assert ("power", False) in actions and "device_off" in journal(actions)
    assert sent(actions, "state")[0]["on"] == 0
    s.handle(t0, ("home", True))
    actions = s.handle(at(t0, 5), ("proposal",))
    assert [a[2] for a in actions if a[0] == "journal"][0]["reason"] == "off"
    r = Session(config(), 7, counter(), s.snapshot(at(t0, 6)))
    assert ("power", False) in r.boot_actions(7)
    actions = r.handle(8, ("press", "single"))
    assert r.phase == TIMEOUT, "the button still starts a time-out when listening is off"
    actions = r.handle(20000, ("press", "very_long"))
    assert "switch_refused" in journal(actions) and r.on is False
