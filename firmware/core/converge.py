"""Two devices, one time-out: joining, merging with or answering the partner's time-out.

Each device runs its own copy of the couple's time-out and sends a state heartbeat. When both
started one (simultaneous presses, a lost message), the earlier start wins; within
SIMULTANEOUS_MS the one started on device A wins. Undone, finished and merged-away time-outs are
remembered in the done list (the session's `done`, stored with its snapshot: [tid, "undo" |
"end" | "merged", outcome], the last few) so a late or replayed start never revives them. The
partner's elapsed time is a claim: one past the longest possible time-out is refused, and it
may move the start of the time-out that runs here earlier by CLAIM_SLACK_MS in all (the
session's slack_ms is what is left of it): merging and every later claim together. A time-out
first heard of here may have started long ago only if the partner's device was silent since:
no earlier than CLAIM_SLACK_MS before it last said no time-out ran there (partner_idle_at),
so a partner who was out of reach at the press is joined with the right time left, and one
who said "no time-out" a minute ago cannot start one "an hour ago".

Pure, like the session it serves (core/session.py, its only user): it reads and sets the
running time-out's identity on the session (tid, by, why, leaver, start, ext, through begin()
and extend_to() where more changes) and returns actions; no I/O, no clock.
"""

from compat import const, ticks_add, ticks_diff
from core.vocab import JOURNAL, NOTIFY, PERSIST, SEND

SIMULTANEOUS_MS = const(5000)
# How much earlier than here the partner may say the same time-out started: the time a start
# message can take to arrive (a text's queue, a reconnection). More would shorten it.
CLAIM_SLACK_MS = const(120000)
_ALIGN_MS = const(1000)
_DONE_KEEP = const(8)


def remember(done, tid, kind, outcome):
    """Note that time-out `tid` is over here ("undo" or "end" with its outcome)."""
    if entry(done, tid) is not None:
        return
    done.append([tid, kind, outcome])
    if len(done) > _DONE_KEEP:
        done.pop(0)


def entry(done, tid):
    for item in done:
        if item[0] == tid:
            return item
    return None


def answer(s, now_ms, tid):
    """Tell the partner that `tid` is over here (it still runs or revived it): undone, ended,
    or merged into the time-out that runs here now."""
    item = entry(s.done, tid)
    if item[1] == "undo":
        return [(SEND, {"t": "undo", "tid": tid})]
    if item[1] == "merged":
        return [s.start_msg(now_ms)] if s.running() else []
    return [(SEND, {"t": "end", "tid": tid, "out": item[2]})]


def refused(s, reason, tid, tell=False):
    """A partner's claim this device does not follow: journaled once per time-out and reason
    (a partner repeating it is not news), never acted on. tell: the wearer hears that the
    time-out goes on (the claim would have changed what they should do)."""
    if s.refusal == [tid, reason]:
        return []
    s.refusal = [tid, reason]
    actions = [(JOURNAL, "partner_claim_refused", {"reason": reason, "tid": tid})]
    if tell:
        actions.append((NOTIFY, "claim_refused", {}))
    return actions


def adopt(s, now_ms, tid, by, why, leaver, elapsed_ms, ext, via):
    """Join or switch to the partner's time-out (its start at most s.slack_ms earlier)."""
    actions = []
    if s.running():
        allowed = s.elapsed(now_ms) + s.slack_ms
    elif s.partner_idle_at is None:
        allowed = elapsed_ms  # not heard from since boot: nothing says otherwise
    else:
        allowed = ticks_diff(now_ms, s.partner_idle_at) + CLAIM_SLACK_MS
    if 0 <= allowed < elapsed_ms:
        actions = refused(s, "earlier_start", tid)
        elapsed_ms = allowed
    if s.running():
        s.slack_ms = allowed - elapsed_ms
        actions += [(JOURNAL, "timeout_merged", {"from": s.tid, "to": tid}), (PERSIST,)]
        remember(s.done, s.tid, "merged", 0)  # never to come back, however late a message
        if leaver != s.leaver:
            actions.append((NOTIFY, "leaver_changed", {"leave": 1 if leaver == s.me else 0}))
        s.ext = max(s.ext, ext)
        s.tid, s.by, s.why, s.leaver = tid, by, why, leaver
        s.start = ticks_add(now_ms, -elapsed_ms)
        return actions
    actions += s.begin(now_ms, tid, by, why, leaver, elapsed_ms, via)
    s.slack_ms = CLAIM_SLACK_MS  # from here on, as for a time-out started here
    s.ext = ext
    return actions


def partner_timeout(s, now_ms, tid, by, why, leaver, elapsed_ms, ext, via):
    """The partner runs time-out `tid`, `elapsed_ms` in. Converge on one time-out."""
    if entry(s.done, tid) is not None:
        return answer(s, now_ms, tid)
    if elapsed_ms < 0 or elapsed_ms > s.longest_ms() or ext < 0 or ext > s.cfg["max_extensions"]:
        return refused(s, "elapsed", tid)  # no time-out of this couple can be that far in
    if not s.running():
        return adopt(s, now_ms, tid, by, why, leaver, elapsed_ms, ext, via)
    theirs_start = ticks_add(now_ms, -elapsed_ms)
    if tid == s.tid:
        actions = []
        earlier = ticks_diff(s.start, theirs_start)
        if earlier > s.slack_ms:  # the partner cannot shorten this time-out
            actions = refused(s, "earlier_start", tid)
        elif earlier > _ALIGN_MS:
            s.start = theirs_start
            s.slack_ms -= earlier
        if ext > s.ext:
            s.extend_to(ext)
            actions.append((PERSIST,))
        return actions
    later_ms = ticks_diff(s.start, theirs_start)  # > 0: mine started later
    if -SIMULTANEOUS_MS < later_ms < SIMULTANEOUS_MS:
        theirs_wins = (by, tid) < (s.by, s.tid)
    else:
        theirs_wins = later_ms > 0
    if theirs_wins:
        if later_ms < 0:  # keep the earlier start of the two
            elapsed_ms = s.elapsed(now_ms)
        return adopt(s, now_ms, tid, by, why, leaver, elapsed_ms, ext, "merge")
    return [s.start_msg(now_ms)]
