"""What the partner's device says is a claim: the session follows it only within the rules."""

from compat import ticks_add
from core.config import defaults, validate
from core.session import IDLE, TIMEOUT, Session


def config(**over):
    cfg = defaults()
    contacts = [{"name": n, "phone": "+3161111111%d" % i} for i, n in enumerate("ABC")]
    cfg.update(role="A", pair_secret="ab" * 16, contacts=contacts)
    cfg.update(over)
    return validate(cfg)


def session(t0=0):
    counter = [0]

    def rand16():
        counter[0] += 1
        return counter[0]

    return Session(config(), t0, rand16)


def journaled(actions, category):
    return [a[2] for a in actions if a[0] == "journal" and a[1] == category]


def partner_start(tid, el):
    return ("partner", {"t": "start", "tid": tid, "by": 1, "why": 0, "el": el, "lv": 1})


def test_elapsed_past_any_time_out_is_refused_and_never_spins():
    # An elapsed time of six days: before, it armed deadlines half a tick period away and the
    # session woke for ever with nothing due.
    s = session()
    state = {"t": "state", "tid": 1, "el": 537000000, "ph": 0, "home": 0, "ext": 0, "m": 0,
             "on": 0, "by": 0, "lv": 0}
    actions = s.handle(0, ("partner", state)) + s.handle(0, partner_start(1, 0))
    assert journaled(actions, "partner_claim_refused")[0]["reason"] == "elapsed"
    now = 0
    for _ in range(200):
        s.tick(now)
        assert s.wait_ms(now) > 0
        now = ticks_add(now, s.wait_ms(now))
    assert s.phase == IDLE


def test_partner_cannot_move_the_start_earlier_than_the_slack():
    s = session()
    s.handle(0, partner_start(7, 0))
    assert s.phase == TIMEOUT
    end = s.end_at()
    # Ten minutes later the partner claims the same time-out is 50 minutes in.
    actions = s.handle(600000, partner_start(7, 50 * 60000))
    assert journaled(actions, "partner_claim_refused")[0]["reason"] == "earlier_start"
    assert s.end_at() == end


def test_a_merged_away_time_out_is_never_adopted_again():
    s = session()
    s.handle(0, ("press", "single"))
    mine = s.tid
    # The partner's earlier time-out wins: mine is merged away.
    s.handle(1000, partner_start(99, 60000))
    assert s.tid == 99
    s.handle(2000, ("partner", {"t": "end", "tid": 99, "out": 1}))
    # A late start for the merged-away one, long after.
    s.phase = IDLE
    actions = s.handle(4000000, partner_start(mine, 0))
    assert s.phase == IDLE and journaled(actions, "timeout_started") == []
