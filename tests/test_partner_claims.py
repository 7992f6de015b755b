"""What the partner's device says is a claim: the session follows it only within the rules."""

from compat import ticks_add, ticks_diff
from core.config import defaults, validate
from core.session import IDLE, TIMEOUT, Session


def config(**over):
    cfg = defaults()
    contacts = [{"name": n, "phone": "+3161111111%d" % i} for i, n in enumerate("ABC")]
    cfg.update(role="A", pair_secret="aaac85cb5966f30d27bf1b931d7ff132", contacts=contacts)
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


def test_fallback_texts_are_owed_until_sent_even_across_a_reboot():
    from core.chain import NO_NETWORK_RETRY_MS, ContactChain

    contacts = [{"name": n, "phone": "+3161111111%d" % i} for i, n in enumerate("ABC")]
    chain = ContactChain(contacts, "too_close", 0, 90000)
    actions = []
    for i, outcome in enumerate(("no_answer", "busy", "failed")):
        actions = chain.result(i, outcome, 1000 * i)
    assert ("fallback", 0, contacts[0]["phone"], "too_close") in actions and not chain.done
    assert chain.text_result(0, "no_network", 5000) == []  # kept, tried again a minute later
    assert chain.tick(5000 + NO_NETWORK_RETRY_MS)[0][:2] == ("fallback", 0)
    chain.text_result(0, "sent", 70000)
    # The power fails: what is owed is in the snapshot, and the next boot goes on with it.
    snap = chain.snapshot()
    again = ContactChain(contacts, snap["reason"], 0, 90000, snap["index"], snap["texts"])
    assert again.next_action(0)[:2] == ("fallback", 1)
    again.text_result(1, "sent", 1)
    again.text_result(2, "sent", 2)
    assert again.done and "texts" not in again.snapshot()


def said(actions, key):
    return [a for a in actions if a[0] == "notify" and a[1] == key]


def test_an_undo_after_the_window_and_its_latency_is_refused_and_told():
    from core.session import MSG_LATENCY_MS

    s = session()
    s.handle(0, ("press", "single"))
    tid = s.tid
    late = 10000 + MSG_LATENCY_MS + 1
    actions = s.handle(late, ("partner", {"t": "undo", "tid": tid}))
    assert s.phase == TIMEOUT and s.tid == tid
    assert journaled(actions, "partner_claim_refused") == [{"reason": "late_undo", "tid": tid}]
    assert said(actions, "claim_refused")
    # The partner repeating it is not news: not journaled or said again.
    again = s.handle(late + 60000, ("partner", {"t": "undo", "tid": tid}))
    assert again == [] and s.phase == TIMEOUT


def test_an_undo_inside_the_window_plus_latency_still_undoes():
    from core.session import MSG_LATENCY_MS

    s = session()
    s.handle(0, ("press", "single"))
    s.handle(10000 + MSG_LATENCY_MS, ("partner", {"t": "undo", "tid": s.tid}))
    assert s.phase == IDLE


def test_many_small_earlier_claims_cannot_add_up():
    from core.converge import CLAIM_SLACK_MS

    s = session()
    s.handle(0, ("press", "single"))
    tid, end = s.tid, s.end_at()
    now = 0
    for _ in range(40):  # each one just inside the slack of one claim
        now += 30000
        s.handle(now, ("partner", {"t": "state", "tid": tid, "el": s.elapsed(now) + 100000,
                                   "ph": 2, "home": 0, "ext": 0, "m": 0, "on": 1, "by": 0,
                                   "lv": 0}))
    assert 0 < ticks_diff(end, s.end_at()) <= CLAIM_SLACK_MS


def test_a_time_out_cannot_have_started_long_before_the_partner_said_none_ran():
    from core.converge import CLAIM_SLACK_MS

    s = session()
    s.handle(0, ("partner", {"t": "state", "tid": 0, "el": 0, "ph": 0, "home": 1, "ext": 0,
                             "m": 0, "on": 1, "by": 1, "lv": 1}))  # "no time-out here"
    actions = s.handle(30000, partner_start(5, 59 * 60000))
    assert s.phase == TIMEOUT
    assert journaled(actions, "partner_claim_refused")[0]["reason"] == "earlier_start"
    assert s.end_at() == ticks_add(-CLAIM_SLACK_MS, 60 * 60000)


def test_a_merge_cannot_take_the_start_earlier_than_the_slack():
    from core.converge import CLAIM_SLACK_MS

    s = session()
    s.handle(0, ("press", "single"))
    end = s.end_at()
    s.handle(600000, partner_start(3, 55 * 60000))  # "mine" started 45 minutes before yours
    assert s.tid == 3 and s.end_at() == ticks_add(end, -CLAIM_SLACK_MS)


def test_an_end_during_the_extension_does_not_end_it():
    s = session()
    s.handle(0, partner_start(9, 0))
    now = s.end_at()
    s.tick(now)  # the end check
    s.handle(now + 1000, ("press", "single"))  # calm
    s.handle(now + 2000, ("partner", {"t": "mood", "tid": 9, "seq": 0, "m": 3, "fin": 1}))
    s.tick(now + 3000)
    assert s.phase == TIMEOUT and s.ext == 1  # the partner was not calm: extended
    actions = s.handle(now + 60000, ("partner", {"t": "end", "tid": 9, "out": 1}))
    assert s.phase == TIMEOUT and said(actions, "meet_and_talk") == []
    assert journaled(actions, "partner_claim_refused")[0]["reason"] == "early_end"


def test_a_calm_before_the_end_check_is_not_this_round_s_answer():
    s = session()
    s.handle(0, partner_start(9, 0))
    actions = s.handle(10 * 60000, ("partner", {"t": "mood", "tid": 9, "seq": 0, "m": 1,
                                                "fin": 1}))
    assert journaled(actions, "partner_claim_refused")[0]["reason"] == "early_final"
    now = s.end_at()
    s.tick(now)
    s.handle(now + 1000, ("press", "single"))  # calm here
    actions = s.tick(now + 2000)
    assert said(actions, "meet_and_talk") == [] and s.phase != IDLE
    # The answer given at the end check counts.
    s.handle(now + 3000, ("partner", {"t": "mood", "tid": 9, "seq": 0, "m": 1, "fin": 1}))
    assert said(s.tick(now + 3000), "meet_and_talk")


def test_the_partner_s_proposals_wait_for_the_refractory_time_too():
    # A flood of proposals from the partner's device: before, one "It is getting heated" each
    # time the last one expired, as often as the partner liked.
    s = session()
    cues = 0
    for i in range(60):  # one a minute for an hour
        now = i * 60000
        s.tick(now)
        actions = s.handle(now, ("partner", {"t": "prop", "pid": i + 1}))
        cues += len(said(actions, "proposal"))
    assert cues == 4  # one per proposal_refractory_min (15 minutes)
