"""The couple's time-out as one device lives it: a pure state machine, time and events injected.

Inputs are `handle(now_ms, event)` and `tick(now_ms)`; outputs are lists of action tuples (the
kinds are core/vocab.py's):
  ("send", msg)                  a message for the partner device (see link/codec.py)
  ("notify", key, fields)        feedback for the wearer (light, vibration, spoken text)
  ("call", index, phone, why)    call contact `index` of the wearer's chain
  ("fallback", index, phone, why) nobody in the chain answered: text contact `index` (the
                                 result comes back as ("text_result", index, outcome))
  ("journal", category, fields)  a decision for the journal (never audio)
  ("persist",)                   the snapshot changed and must reach flash
  ("power", on)                  the wearer switched listening on or off (the shell obeys)
No I/O, no clock reads, no randomness of its own: the same inputs give the same actions on the
ESP32, the unix port and CPython. Times are ticks_ms values, compared only with ticks_diff.

Two tables carry the rules. The due-time table: one row per deadline, with when it falls and
what happens then; tick() runs the rows that are due and deadlines() lists the same rows'
times, so the time the shell sleeps to and the work it wakes for cannot disagree. The press
table: (phase, pattern) -> handler. The config's times are converted to milliseconds once
(Session.ms). How two devices converge on one time-out: core/converge.py.
"""

from compat import const, ticks_add, ticks_diff
from core import converge
from core.chain import ContactChain
from core.vocab import (DOUBLE, JOURNAL, LONG, NOTIFY, PERSIST, POWER, SEND, SINGLE, TRIPLE,
                        VERY_LONG)

IDLE = const(0)
PROPOSAL = const(1)
TIMEOUT = const(2)
END_CHECK = const(3)
PHASES = ("idle", "proposal", "timeout", "end_check")

NO_ANSWER = const(0)
CALM = const(1)
SO_SO = const(2)
ANGRY = const(3)
MOODS = ("no_answer", "calm", "so-so", "angry")
_PARTNER_MOOD_CUES = (None, "partner_calm", "partner_so_so", "partner_angry")
PRESS_MOOD = {SINGLE: CALM, DOUBLE: SO_SO, LONG: ANGRY}

WHY_PRESS = const(0)
WHY_PROPOSAL = const(1)
WHYS = ("press", "proposal")

OUT_MEET = const(1)
OUT_NOT_CALM = const(2)
OUT_PARTNER_NOT_CALM = const(3)
OUTCOMES = ("none", "meet", "not_calm", "partner_not_calm")

_CHECKPOINT_MS = const(60000)
# How late a message to the partner may arrive (core/config.py MSG_LATENCY_S). An undo later
# than the undo window plus this would end a time-out under way, and is refused; an end-check
# answer is taken only until this long before the partner stops waiting for it, so that it
# reaches the partner in time and both devices decide the round on the same two answers.
MSG_LATENCY_MS = const(30000)  # MSG_LATENCY_S in ms (tests/test_config.py)
# The least time an end-check question is asked with: too little to hear it and press, it is
# not asked (the round is decided on "no answer", as the partner's device will decide it).
_MIN_ASK_MS = const(15000)
_TICK_PASSES = const(4)
SNAPSHOT_VERSION = const(1)


# The due-time table's rows, in the order tick() looks at them (Session._due_at, _on_due).
_PROPOSAL_EXPIRES = const(0)  # a proposal's window closes unanswered
_ANSWER_MISSED = const(1)  # an open mood check gets no answer in time
_END = const(2)  # the time-out's end, extensions included: the end check begins
_MOOD_CHECK = const(3)  # the next regular mood check
_END_DECIDED = const(4)  # both end answers are in, or the wait for the partner's is over
_TOO_CLOSE_WARNING = const(5)  # too close once the walk-away grace is over: move apart
_TOO_CLOSE_CALL = const(6)  # ... and still, after the tolerance: the contact chain
_CHAIN = const(7)  # the contact chain's call guard or no-network retry
_PARTNER_LOST = const(8)  # nothing heard from the partner for partner_lost_s
_HEARTBEAT = const(9)  # the state message to the partner
_CHECKPOINT = const(10)  # a running time-out's snapshot to flash, once a minute
_UNKNOWN_TOLD = const(11)  # the distance unknown for unknown_alert_s in a time-out: say so
_ROWS = const(12)

# Session.ms holds the config's times in milliseconds, converted once: self.ms[_MS_TIMEOUT] is
# the time-out's length, and so on (durations_ms below).
_MS_TIMEOUT = const(0)
_MS_EXTENSION = const(1)
_MS_UNDO = const(2)
_MS_PROPOSAL = const(3)
_MS_REFRACTORY = const(4)
_MS_GRACE = const(5)
_MS_TOO_CLOSE = const(6)
_MS_MOOD_INTERVAL = const(7)
_MS_MOOD_WINDOW = const(8)
_MS_END_WAIT = const(9)
_MS_CALL_GUARD = const(10)
_MS_HEARTBEAT = const(11)
_MS_PARTNER_LOST = const(12)
_MS_UNKNOWN = const(13)


def _minutes_left(left_ms):
    """Whole minutes the wearer is told are left, rounded up: 20 s left is "1 minute", never
    "0 minutes" while the time-out still runs."""
    return (max(0, left_ms) + 59999) // 60000


def durations_ms(cfg):
    """The config's times in milliseconds (the config keeps its own units: minutes, seconds)."""
    return (
        cfg["timeout_min"] * 60000,
        cfg["extension_min"] * 60000,
        cfg["undo_window_s"] * 1000,
        cfg["proposal_window_s"] * 1000,
        cfg["proposal_refractory_min"] * 60000,
        cfg["walk_away_grace_s"] * 1000,
        cfg["too_close_tolerance_s"] * 1000,
        cfg["mood_interval_min"] * 60000,
        cfg["mood_answer_window_s"] * 1000,
        cfg["end_wait_s"] * 1000,
        cfg["call_guard_s"] * 1000,
        cfg["heartbeat_s"] * 1000,
        cfg["partner_lost_s"] * 1000,
        cfg["unknown_alert_s"] * 1000,
    )


class Session:
    def __init__(self, cfg, now_ms, rand16, snapshot=None, downtime_ms=0):
        self.cfg = cfg
        self.ms = durations_ms(cfg)
        self.me = 0 if cfg["role"] == "A" else 1
        self.rand16 = rand16
        self.phase = IDLE
        self.tid = 0
        self.by = 0
        self.why = WHY_PRESS
        self.leaver = 0
        self.start = now_ms
        self.ext = 0
        self.mood_seq = 0
        self.mood_pending = None  # (seq, final, window deadline)
        self.my_mood = NO_ANSWER
        self.my_final = None
        self.partner_final = None  # (round, mood)
        self.told_seq = -1
        self.told_final = -1
        self.end_check_started = now_ms
        self.distance = "unknown"
        self.measuring = False  # both positions fresh (a verdict may still be pending)
        self.too_close_since = None
        self.unknown_since = None  # in a time-out, the distance is unknown since then
        self.lost_at = None  # the distance became unknown then (None: it is known)
        # positions are measured only where a home is provisioned (shell/device.py)
        self.located = bool(cfg["home_lat_e7"] or cfg["home_lon_e7"])
        # both partners agreed at provisioning that each device tells the other's mood
        self.sharing_moods = cfg["share_mood"] is True and cfg["partner_share_mood"] is True
        self.warned = False
        self.violation = False
        self.chain = None
        self.proposal = None  # [pid, deadline]
        self.refractory_until = None
        self.home = None
        self.partner_near = False  # the partner's device is connected over BLE (close by)
        self.partner_seen = None
        self.partner_on = True
        self.next_heartbeat = now_ms
        self.next_checkpoint = ticks_add(now_ms, _CHECKPOINT_MS)
        self.done = []  # the last time-outs over here, [tid, "undo" or "end", outcome]: converge
        self.slack_ms = converge.CLAIM_SLACK_MS  # how much earlier the partner may still move
        # the start of the running time-out (in total, every claim counted: converge.py)
        self.refusal = None  # [tid, reason] of the last refused claim journaled (no repeats)
        self.partner_idle_at = None  # when the partner last said no time-out runs there
        self.resumed = False
        self.on = True  # off: no listening, no proposals; the button still starts a time-out
        if snapshot:
            self._restore(snapshot, now_ms, downtime_ms)

    # ----- helpers -----------------------------------------------------------------------

    def running(self):
        return self.phase == TIMEOUT or self.phase == END_CHECK

    def elapsed(self, now_ms):
        return ticks_diff(now_ms, self.start)

    def longest_ms(self):
        """The longest a time-out of this couple can run (every extension taken)."""
        return self.ms[_MS_TIMEOUT] + self.cfg["max_extensions"] * self.ms[_MS_EXTENSION]

    def end_at(self):
        return ticks_add(self.start, self.ms[_MS_TIMEOUT] + self.ext * self.ms[_MS_EXTENSION])

    def partner_reachable(self, now_ms):
        lost_at = self._due_at(_PARTNER_LOST)
        return lost_at is not None and ticks_diff(now_ms, lost_at) < 0

    def still_current(self, msg):
        """Is a message queued for the partner still worth sending? Not one about a time-out
        that has ended, been undone or merged away here since: arriving late, it would start
        that time-out again on the partner's device. The end and undo messages themselves go."""
        kind = msg["t"]
        if kind == "start" or kind == "mood":
            return self.running() and msg["tid"] == self.tid
        if kind == "state":
            return msg["tid"] == 0 or (self.running() and msg["tid"] == self.tid)
        if kind == "pos":  # positions only while a time-out runs
            return self.running()
        return True

    def _new_id(self):
        value = self.rand16() & 0xFFFF
        return value or 1

    def _state_msg(self, now_ms):
        running = self.running()  # nothing in it says where this device is (docs/gps.md)
        return (SEND, {"t": "state", "tid": self.tid if running else 0,
                       "el": self.elapsed(now_ms) if running else 0, "ph": self.phase,
                       "ext": self.ext, "m": self.my_mood,
                       "on": 1 if self.on else 0,
                       "by": self.by, "lv": self.leaver})

    def start_msg(self, now_ms):
        return (SEND, {"t": "start", "tid": self.tid, "by": self.by, "why": self.why,
                       "el": self.elapsed(now_ms), "lv": self.leaver})

    # ----- starting, undoing, finishing -------------------------------------------------

    def begin(self, now_ms, tid, by, why, leaver, elapsed_ms, via):
        self.phase = TIMEOUT
        self.tid = tid
        self.by = by
        self.why = why
        self.leaver = leaver
        self.start = ticks_add(now_ms, -elapsed_ms)
        self.slack_ms = converge.CLAIM_SLACK_MS
        self.ext = 0
        self.mood_seq = elapsed_ms // self.ms[_MS_MOOD_INTERVAL]
        self.mood_pending = None
        self.my_mood = NO_ANSWER
        self.my_final = None
        self.partner_final = None
        self.told_seq = -1  # the partner's last answer told (regular checks; the end checks)
        self.told_final = -1
        self.too_close_since = None if self.distance != "too_close" else now_ms
        self.unknown_since = now_ms if self.distance == "unknown" and not self.measuring \
            else None
        self.lost_at = now_ms if self.distance == "unknown" else None
        self.warned = False
        self.violation = False
        self.proposal = None
        remaining = _minutes_left(ticks_diff(self.end_at(), now_ms))
        return [
            (JOURNAL, "timeout_started", {"tid": tid, "by": "AB"[by], "why": WHYS[why],
                                          "via": via, "leaver": "AB"[leaver]}),
            (NOTIFY, "timeout_started", {"task": self.cfg["task"],
                                         "leave": 1 if leaver == self.me else 0,
                                         "minutes": remaining}),
            (PERSIST,),
        ]

    def extend_to(self, ext):
        """The partner's copy of this time-out was extended further: an end check in progress
        waits for the new end."""
        self.ext = ext
        if self.phase == END_CHECK:
            self.phase = TIMEOUT
            self.mood_pending = None

    def _start_own(self, now_ms, why):
        leaver_rule = self.cfg["leaver"]
        leaver = self.me if leaver_rule == "presser" else (0 if leaver_rule == "A" else 1)
        actions = self.begin(now_ms, self._new_id(), self.me, why, leaver, 0, "button")
        actions.append(self.start_msg(now_ms))
        return actions

    def _finish(self, now_ms, outcome, notify_key):
        tid = self.tid
        converge.remember(self.done, tid, "end", outcome)
        self.phase = IDLE
        self.mood_pending = None
        return [
            (JOURNAL, "timeout_ended", {"tid": tid, "outcome": OUTCOMES[outcome],
                                        "ext": self.ext,
                                        "minutes": self.elapsed(now_ms) // 60000}),
            (NOTIFY, notify_key, {}),
            (SEND, {"t": "end", "tid": tid, "out": outcome}),
            (PERSIST,),
        ]

    def _undo(self, now_ms, who):
        tid = self.tid
        converge.remember(self.done, tid, "undo", 0)
        self.phase = IDLE
        self.mood_pending = None
        actions = [(JOURNAL, "timeout_undone", {"tid": tid, "by": who}),
                   (NOTIFY, "undone", {}), (PERSIST,)]
        if who == "me":
            actions.append((SEND, {"t": "undo", "tid": tid}))
        return actions

    # ----- contact chain -----------------------------------------------------------------

    def _start_chain(self, now_ms, reason):
        if self.chain is not None and not self.chain.done:
            return [(JOURNAL, "chain_busy", {"reason": reason})]
        self.chain = ContactChain(self.cfg["contacts"], reason, now_ms, self.ms[_MS_CALL_GUARD])
        return [(JOURNAL, "chain_started", {"reason": reason, "tid": self.tid}),
                self.chain.call_action(now_ms), (PERSIST,)]

    # ----- mood checks --------------------------------------------------------------------

    def _ask_mood(self, now_ms, final, closes=None):
        seq = self.ext if final else self.mood_seq
        window = ticks_add(now_ms, self.ms[_MS_MOOD_WINDOW])
        if closes is not None and ticks_diff(closes, window) < 0:
            window = closes
        self.mood_pending = (seq, final, window)
        return [(NOTIFY, "mood_ask", {"final": final}),
                (JOURNAL, "mood_asked", {"tid": self.tid, "seq": seq, "final": final})]

    def _record_mood(self, now_ms, mood, asked=True):
        seq, final, _ = self.mood_pending
        self.mood_pending = None
        self.my_mood = mood
        if final:
            self.my_final = mood
        actions = [(JOURNAL, "mood_answer", {"tid": self.tid, "seq": seq, "final": final,
                                             "mood": MOODS[mood]})]
        if asked:
            actions.append((NOTIFY, "mood_recorded", {"mood": MOODS[mood]}))
        return actions + [
            (SEND, {"t": "mood", "tid": self.tid, "seq": seq, "m": mood, "fin": final}),
            (PERSIST,),
        ]

    def _first_of_round(self, msg):
        """A partner's answer is told once per mood check, and only for this check or the next
        (the devices' clocks differ a little): a flood of mood messages is not a flood of cues."""
        if msg["fin"]:
            if msg["seq"] != self.ext or self.told_final == self.ext:
                return False
            self.told_final = self.ext
            return True
        if not self.told_seq < msg["seq"] <= self.mood_seq + 1:
            return False
        self.told_seq = msg["seq"]
        return True

    def _enter_end_check(self, now_ms):
        """The end check, counted from the time-out's end (the partner's device starts its own
        then too), not from now: a device that was off at the end comes to it late. The answer
        must reach the partner before its wait (end_wait_s from the end) is over, so the
        question closes MSG_LATENCY_MS before that; with too little time left it is not asked,
        and the round is decided on "no answer", as the partner's device decides it."""
        actions = []
        if self.mood_pending is not None:
            actions += self._record_mood(now_ms, NO_ANSWER)
        self.phase = END_CHECK
        self.end_check_started = self.end_at()
        self.my_final = None
        closes = ticks_add(self.end_check_started, self.ms[_MS_END_WAIT] - MSG_LATENCY_MS)
        if ticks_diff(closes, now_ms) >= _MIN_ASK_MS:
            actions += self._ask_mood(now_ms, 1, closes)
        else:
            self.mood_pending = (self.ext, 1, now_ms)
            actions += self._record_mood(now_ms, NO_ANSWER, False)
        actions.append((PERSIST,))
        return actions

    def _theirs_final(self):
        """The partner's answer to this round's end check, or None."""
        if self.partner_final is not None and self.partner_final[0] == self.ext:
            return self.partner_final[1]
        return None

    def _decide_end(self, now_ms):
        theirs = self._theirs_final()
        mine = self.my_final
        if mine == CALM and theirs == CALM:
            return self._finish(now_ms, OUT_MEET, "meet_and_talk")
        actions = []
        if mine != CALM:
            actions += self._start_chain(now_ms, "not_calm")
        who = "you" if mine != CALM else "partner"
        if self.ext >= self.cfg["max_extensions"]:
            if mine != CALM:  # this wearer's chain has just started (or goes on): say only that
                return actions + self._finish(now_ms, OUT_NOT_CALM, "timeout_over_not_calm")
            return actions + self._finish(now_ms, OUT_PARTNER_NOT_CALM,
                                          "timeout_over_partner_not_calm")
        self.ext += 1
        self.phase = TIMEOUT
        # the regular checks go on from now (none is owed for the end check's minutes)
        self.mood_seq = max(self.mood_seq, self.elapsed(now_ms) // self.ms[_MS_MOOD_INTERVAL])
        actions += [
            (JOURNAL, "timeout_extended", {"tid": self.tid, "ext": self.ext, "who": who,
                                           "partner_mood": "unknown" if theirs is None
                                           else MOODS[theirs]}),
            (NOTIFY, "extended", {"minutes": self.cfg["extension_min"], "who": who}),
            (PERSIST,),
        ]
        return actions

    # ----- partner messages -------------------------------------------------------------

    def _partner(self, now_ms, msg):
        kind = msg["t"]
        was_reachable = self.partner_reachable(now_ms)
        self.partner_seen = now_ms
        actions = []
        if not was_reachable:
            actions.append((JOURNAL, "partner_reachable", {}))
        if kind == "state":
            partner_on = msg["on"] == 1
            if partner_on != self.partner_on:
                self.partner_on = partner_on
                actions.append((JOURNAL, "partner_switched_on" if partner_on
                                else "partner_switched_off", {}))
            if msg["tid"]:
                actions += converge.partner_timeout(self, now_ms, msg["tid"], msg["by"],
                                                    WHY_PRESS, msg["lv"], msg["el"], msg["ext"],
                                                    "sync")
            else:
                self.partner_idle_at = now_ms
                if self.running():
                    actions.append(self.start_msg(now_ms))
        elif kind == "start":
            actions += converge.partner_timeout(self, now_ms, msg["tid"], msg["by"], msg["why"],
                                                msg["lv"], msg["el"], 0, "partner")
        elif kind == "undo":
            if self.running() and msg["tid"] == self.tid:
                # an undo takes back an accidental start: only inside the undo window (plus
                # the time an undo message may take to arrive), never a time-out under way
                if self.elapsed(now_ms) <= self.ms[_MS_UNDO] + MSG_LATENCY_MS:
                    actions += self._undo(now_ms, "partner")
                else:
                    actions += converge.refused(self, "late_undo", msg["tid"], True)
            else:
                converge.remember(self.done, msg["tid"], "undo", 0)
        elif kind == "prop":
            if self.phase == IDLE:
                if self.refractory_until is not None and ticks_diff(
                        now_ms, self.refractory_until) < 0:  # not a cue a minute, on demand
                    return actions + converge.refused(self, "proposal_refractory", 0)
                actions += self._open_proposal(now_ms, msg["pid"], "partner")
        elif kind == "acc":
            actions.append((JOURNAL, "proposal_accepted", {"pid": msg["pid"], "by": "partner"}))
        elif kind == "mood":
            if msg["tid"] == self.tid and self.running():
                if msg["fin"] and (msg["seq"] > self.ext or self.phase == TIMEOUT and ticks_diff(
                        self.end_at(), now_ms) > converge.CLAIM_SLACK_MS):
                    # an answer to an end check that has not come: "calm" before being asked
                    return actions + converge.refused(self, "early_final", msg["tid"])
                actions.append((JOURNAL, "partner_mood", {"seq": msg["seq"],
                                                          "mood": MOODS[msg["m"]],
                                                          "final": msg["fin"]}))
                if msg["m"] != NO_ANSWER and self.sharing_moods and self._first_of_round(msg):
                    # what the partner's device says its wearer answered, told as such
                    actions.append((NOTIFY, _PARTNER_MOOD_CUES[msg["m"]], {}))
                if msg["fin"]:  # kept across a power cut: it is not sent twice
                    self.partner_final = (msg["seq"], msg["m"])
                    actions.append((PERSIST,))
        elif kind == "end":
            if self.running() and msg["tid"] == self.tid:
                out = msg["out"] if msg["out"] < len(OUTCOMES) else 0
                actions.append((JOURNAL, "partner_ended", {"tid": msg["tid"],
                                                           "outcome": OUTCOMES[out]}))
                if out == OUT_MEET and self.phase == END_CHECK:
                    # "meet" says the partner answered this round's end check calm (its own
                    # answer may not come: it is not sent once that time-out has ended there)
                    self.partner_final = (self.ext, CALM)
                    actions.append((PERSIST,))
                    if self.my_final == CALM:
                        actions += self._finish(now_ms, OUT_MEET, "meet_and_talk")
                elif out == OUT_MEET and self.my_final == CALM:
                    # a calm from an earlier round: the extension runs to its end
                    actions += converge.refused(self, "early_end", msg["tid"], True)
        return actions

    # ----- proposals ----------------------------------------------------------------------

    def _open_proposal(self, now_ms, pid, origin):
        self.phase = PROPOSAL
        self.proposal = [pid, ticks_add(now_ms, self.ms[_MS_PROPOSAL])]
        self.refractory_until = ticks_add(now_ms, self.ms[_MS_REFRACTORY])
        return [(JOURNAL, "proposal", {"pid": pid, "origin": origin}),
                (NOTIFY, "proposal", {})]

    def _detector_proposal(self, now_ms):
        reason = None
        if not self.on:
            reason = "off"
        elif self.phase != IDLE:
            reason = "busy"
        elif self.refractory_until is not None and ticks_diff(
                now_ms, self.refractory_until) < 0:
            reason = "refractory"
        elif self.home is not True:
            reason = "not_home"
        elif not self.partner_reachable(now_ms):  # say what is known: not where they are
            reason = "partner_unreachable"
        elif not self.partner_near:  # home here, and the partner's device out of BLE range
            reason = "partner_not_home"
        if reason is not None:
            return [(JOURNAL, "proposal_suppressed", {"reason": reason})]
        pid = self._new_id()
        actions = self._open_proposal(now_ms, pid, "detector")
        actions.append((SEND, {"t": "prop", "pid": pid}))
        return actions

    # ----- the button: (phase, pattern) -> handler, in _PRESSES below ----------------------
    # A handler returns its actions, or None when the press means nothing now.

    def _switch(self, now_ms, pattern):
        """A very long press: the wearer's own choice to switch listening off or on. Not
        during a time-out: it runs to its end (then the wearer may switch off)."""
        if self.running():
            return [(NOTIFY, "stays_on", {}),
                    (JOURNAL, "switch_refused", {"tid": self.tid})]
        self.on = not self.on
        if self.phase == PROPOSAL and not self.on:
            self.phase = IDLE
            self.proposal = None
        return [(JOURNAL, "device_on" if self.on else "device_off", {}),
                (NOTIFY, "switched_on" if self.on else "switched_off", {}),
                (POWER, self.on), self._state_msg(now_ms), (PERSIST,)]

    def _ask_help(self, now_ms, pattern):
        return [(JOURNAL, "help_asked", {"tid": self.tid if self.running() else 0})] + \
            self._start_chain(now_ms, "asked")

    def _start_pressed(self, now_ms, pattern):
        return self._start_own(now_ms, WHY_PRESS)

    def _accept(self, now_ms, pattern):
        pid = self.proposal[0]
        actions = [(JOURNAL, "proposal_accepted", {"pid": pid, "by": "me"}),
                   (SEND, {"t": "acc", "pid": pid})]
        return actions + self._start_own(now_ms, WHY_PROPOSAL)

    def _mood_or_status(self, now_ms, pattern):
        if self.mood_pending is not None:
            return self._record_mood(now_ms, PRESS_MOOD[pattern])
        left = ticks_diff(self.end_at(), now_ms)
        return [(NOTIFY, "status", {"task": self.cfg["task"], "minutes": _minutes_left(left)})]

    def _mood(self, now_ms, pattern):
        if self.mood_pending is not None:
            return self._record_mood(now_ms, PRESS_MOOD[pattern])
        return None

    def _mood_or_undo(self, now_ms, pattern):
        if self.mood_pending is not None:
            return self._record_mood(now_ms, PRESS_MOOD[pattern])
        if self.elapsed(now_ms) < self.ms[_MS_UNDO]:
            return self._undo(now_ms, "me")
        return None

    # phase None: in every phase. The wearer's side of each row is the README's press table.
    _PRESSES = (
        (None, VERY_LONG, _switch),
        (None, TRIPLE, _ask_help),
        (IDLE, SINGLE, _start_pressed),
        (PROPOSAL, SINGLE, _accept),
        (TIMEOUT, SINGLE, _mood_or_status),
        (TIMEOUT, DOUBLE, _mood),
        (TIMEOUT, LONG, _mood_or_undo),
        (END_CHECK, SINGLE, _mood_or_status),
        (END_CHECK, DOUBLE, _mood),
        (END_CHECK, LONG, _mood_or_undo),
    )

    def _press(self, now_ms, pattern):
        for phase, name, handler in self._PRESSES:
            if name == pattern and (phase is None or phase == self.phase):
                actions = handler(self, now_ms, pattern)
                if actions is not None:
                    return actions
                break
        return [(JOURNAL, "press_ignored", {"pattern": pattern, "phase": PHASES[self.phase]})]

    # ----- public interface ---------------------------------------------------------------

    def handle(self, now_ms, event):
        kind = event[0]
        if kind == "press":
            return self._press(now_ms, event[1])
        if kind == "partner":
            return self._partner(now_ms, event[1])
        if kind == "proposal":
            return self._detector_proposal(now_ms)
        if kind == "distance":  # (status, measuring): see _distance
            return self._distance(now_ms, event[1], len(event) > 2 and event[2] is True)
        if kind == "home":
            return self._home(now_ms, event[1])
        if kind == "near":  # the shell: the partner's device connected over BLE, or no longer
            self.partner_near = event[1] is True
            return []
        if kind == "call_result" or kind == "text_result":
            if self.chain is None:
                return [(JOURNAL, "call_result_ignored", {"index": event[1]})]
            if kind == "text_result":
                return self.chain.text_result(event[1], event[2], now_ms)
            return self.chain.result(event[1], event[2], now_ms)
        return [(JOURNAL, "event_ignored", {"kind": kind})]

    def _home(self, now_ms, home):
        if home == self.home:
            return []
        self.home = home  # kept here: it gates this device's proposals and is never sent
        return [(JOURNAL, "home_changed", {"home": home})]

    def _distance(self, now_ms, status, measuring):
        # "unknown" while both positions are fresh is a verdict still pending (the rule's
        # hysteresis): the device has a distance, so the wearer is not told it has none; the
        # silence alert counts from when the positions went stale.
        if measuring != self.measuring:
            self.measuring = measuring
            if status == "unknown" and status == self.distance:
                self.unknown_since = None if measuring else now_ms
        if status == self.distance:
            return []
        self.distance = status
        actions = []
        if self.running():
            actions.append((JOURNAL, "distance", {"status": status, "tid": self.tid}))
        # A count of being too close that has begun (the walk-away grace is over) ends only by
        # a measured "clear": "unknown" (a fix lost, the partner's device silent, shielded or
        # switched off) does not stop it. One that had not begun lapses (docs/gps.md).
        if status == "too_close":
            if self.too_close_since is None or self._lapsed():
                self.too_close_since = now_ms
        elif status == "clear":
            self.too_close_since = None
        if status == "unknown":
            self.lost_at = now_ms
        else:
            self.lost_at = None
        if status == "unknown" and not measuring:
            self.unknown_since = now_ms
        else:
            self.unknown_since = None
        if status == "clear":  # apart again: a new return would be a new violation
            self.warned = False
            self.violation = False
        return actions

    # ----- the due-time table -------------------------------------------------------------
    # One row per deadline (the list at the top): _due_at(row) says when it falls, None
    # when it is not armed; _on_due(row) what happens then. tick() runs the rows in order, each
    # after the ones before it have acted (the end of a time-out disarms its mood check);
    # deadlines() lists the same times, so the shell never sleeps past work or wakes to none.

    def _due_at(self, row):
        """The tick at which `row` falls due, or None when it is not armed."""
        if row == _PROPOSAL_EXPIRES:
            return self.proposal[1] if self.phase == PROPOSAL else None
        if row == _ANSWER_MISSED:
            return self.mood_pending[2] if self.running() and self.mood_pending is not None \
                else None
        if row == _END:
            return self.end_at() if self.phase == TIMEOUT else None
        if row == _MOOD_CHECK:
            if self.phase != TIMEOUT or self.mood_pending is not None:
                return None
            return ticks_add(self.start, (self.mood_seq + 1) * self.ms[_MS_MOOD_INTERVAL])
        if row == _END_DECIDED:
            if self.phase != END_CHECK or self.my_final is None:
                return None
            if self._theirs_final() is not None:
                return self.end_check_started
            return ticks_add(self.end_check_started, self.ms[_MS_END_WAIT])
        if row == _TOO_CLOSE_WARNING or row == _TOO_CLOSE_CALL:
            if not (self.running() and self.too_close_since is not None and not self.violation):
                return None
            if self._lapsed():
                return None
            if row == _TOO_CLOSE_WARNING:
                return None if self.warned else self._too_close_counts_from()
            return ticks_add(self._too_close_counts_from(), self.ms[_MS_TOO_CLOSE])
        if row == _CHAIN:
            return self.chain.next_deadline() if self.chain is not None and not self.chain.done \
                else None
        if row == _PARTNER_LOST:
            if self.partner_seen is None:
                return None
            return ticks_add(self.partner_seen, self.ms[_MS_PARTNER_LOST])
        if row == _HEARTBEAT:
            return self.next_heartbeat
        if row == _UNKNOWN_TOLD:
            if self.phase != TIMEOUT or self.unknown_since is None or not self.located:
                return None
            return ticks_add(self.unknown_since, self.ms[_MS_UNKNOWN])
        return self.next_checkpoint

    def _on_due(self, row, now_ms):
        """What happens when `row` falls due: its actions."""
        if row == _PROPOSAL_EXPIRES:
            pid = self.proposal[0]
            self.phase = IDLE
            self.proposal = None
            return [(JOURNAL, "proposal_expired", {"pid": pid}), (NOTIFY, "proposal_expired", {})]
        if row == _ANSWER_MISSED:
            return self._record_mood(now_ms, NO_ANSWER)
        if row == _END:
            return self._enter_end_check(now_ms)
        if row == _MOOD_CHECK:
            interval = self.ms[_MS_MOOD_INTERVAL]  # checks missed meanwhile are skipped
            self.mood_seq = max(self.mood_seq + 1, self.elapsed(now_ms) // interval)
            if ticks_diff(now_ms, ticks_add(self.end_at(), -self.ms[_MS_MOOD_WINDOW])) < 0:
                return self._ask_mood(now_ms, 0)
            return []
        if row == _END_DECIDED:
            return self._decide_end(now_ms)
        if row == _TOO_CLOSE_WARNING:
            self.warned = True
            return [(NOTIFY, "move_apart", {}), (JOURNAL, "too_close_warning", {"tid": self.tid}),
                    (PERSIST,)]
        if row == _TOO_CLOSE_CALL:  # counted at once: a reboot must not count it again
            self.violation = True
            return [(JOURNAL, "distance_violation", {"tid": self.tid}),
                    (NOTIFY, "too_close_alarm", {})] + self._start_chain(
                        now_ms, "too_close") + [(PERSIST,)]
        if row == _CHAIN:
            return self.chain.tick(now_ms)
        if row == _PARTNER_LOST:
            self.partner_seen = None
            actions = [(JOURNAL, "partner_unreachable", {"tid": self.tid if self.running()
                                                         else 0})]
            if self.running():  # silence is told: the wearer must not think all is well
                actions.append((NOTIFY, "partner_unreachable", {}))
            return actions
        if row == _HEARTBEAT:
            self.next_heartbeat = ticks_add(now_ms, self.ms[_MS_HEARTBEAT])
            return [self._state_msg(now_ms)]
        if row == _UNKNOWN_TOLD:  # told once until the distance is known again
            self.unknown_since = None
            return [(JOURNAL, "distance_unknown", {"tid": self.tid}),
                    (NOTIFY, "distance_unknown", {})]
        self.next_checkpoint = ticks_add(now_ms, _CHECKPOINT_MS)
        return [(PERSIST,)] if self.running() else []

    def _lapsed(self):
        """The distance became unknown before a count of being too close had begun."""
        return self.lost_at is not None and self.too_close_since is not None and \
            ticks_diff(self._too_close_counts_from(), self.lost_at) > 0

    def _too_close_counts_from(self):
        """When being too close starts to count: not before the walk-away grace is over."""
        grace_end = ticks_add(self.start, self.ms[_MS_GRACE])
        if ticks_diff(self.too_close_since, grace_end) < 0:
            return grace_end
        return self.too_close_since

    def tick(self, now_ms):
        """Everything due at now_ms. One step can make another due at once (an end check
        decided, a missed mood check); steps repeat until nothing is due, so the shell never
        wakes to find work left over."""
        actions = self._tick_once(now_ms)
        for _ in range(_TICK_PASSES):
            if self.wait_ms(now_ms) > 0:
                break
            actions += self._tick_once(now_ms)
        return actions

    def _tick_once(self, now_ms):
        actions = []
        for row in range(_ROWS):
            due = self._due_at(row)
            if due is not None and ticks_diff(now_ms, due) >= 0:
                actions += self._on_due(row, now_ms)
        return actions

    def deadlines(self):
        """Ticks at which tick() has something to do (the shell sleeps until the first)."""
        out = []
        for row in range(_ROWS):
            due = self._due_at(row)
            if due is not None:
                out.append(due)
        return out

    def wait_ms(self, now_ms):
        """Milliseconds until the next deadline (0 if one is due)."""
        best = None
        for deadline in self.deadlines():
            left = ticks_diff(deadline, now_ms)
            if best is None or left < best:
                best = left
        return max(0, best)

    # ----- persistence --------------------------------------------------------------------

    def snapshot(self, now_ms):
        snap = {"v": SNAPSHOT_VERSION, "ph": self.phase if self.running() else IDLE,
                "done": self.done, "home": self.home, "on": self.on}
        if self.running():
            snap.update({"tid": self.tid, "by": self.by, "why": self.why, "lv": self.leaver,
                         "el": self.elapsed(now_ms), "ext": self.ext, "mseq": self.mood_seq,
                         "mood": self.my_mood, "pf": self.partner_final,
                         "viol": self.violation, "warn": self.warned, "sl": self.slack_ms})
            if self.phase == END_CHECK and self.my_final is not None:
                snap["mf"] = self.my_final  # answered: the end check resumes without asking
        if self.chain is not None and not self.chain.done:
            snap["chain"] = self.chain.snapshot()
        return snap

    def add_downtime(self, downtime_ms):
        """Time the device was off, learnt after boot (the wall clock was unknown then): a
        resumed time-out counts it as if it had been known at boot."""
        if self.running() and self.resumed and downtime_ms > 0:
            self.start = ticks_add(self.start, -downtime_ms)
            if self.phase == END_CHECK:
                self.end_check_started = ticks_add(self.end_check_started, -downtime_ms)

    def _restore(self, snap, now_ms, downtime_ms):
        if snap.get("v") != SNAPSHOT_VERSION:
            return
        self.done = [list(item) for item in snap.get("done", [])]
        self.on = snap.get("on", True) is not False
        if snap.get("ph") in (TIMEOUT, END_CHECK):
            self.phase = TIMEOUT
            self.tid, self.by, self.why = snap["tid"], snap["by"], snap["why"]
            self.leaver, self.ext = snap["lv"], snap["ext"]
            self.start = ticks_add(now_ms, -(snap["el"] + downtime_ms))
            self.mood_seq = snap["mseq"]
            self.my_mood = snap["mood"]
            pf = snap.get("pf")
            self.partner_final = tuple(pf) if pf else None
            # a return already counted stays counted: a reboot is not the partners moving apart
            self.violation = snap.get("viol") is True
            self.warned = snap.get("warn") is True
            self.slack_ms = snap.get("sl", converge.CLAIM_SLACK_MS)
            self.resumed = True
            self.unknown_since = now_ms  # nothing is known about the distance after a boot
            mf = snap.get("mf")
            if snap["ph"] == END_CHECK and isinstance(mf, int) and 0 <= mf < len(MOODS):
                self.phase = END_CHECK
                self.end_check_started = self.end_at()
                self.my_final = mf
        chain = snap.get("chain")
        if chain:
            texts = chain.get("texts")
            self.chain = ContactChain(self.cfg["contacts"], chain["reason"], now_ms,
                                      self.ms[_MS_CALL_GUARD], chain["index"],
                                      list(texts) if texts else None)

    def boot_actions(self, now_ms):
        """What a restored session does first: tell the wearer, re-place an unfinished call."""
        actions = [(POWER, self.on)]
        if self.resumed:
            left = ticks_diff(self.end_at(), now_ms)
            actions += [(JOURNAL, "timeout_resumed", {"tid": self.tid,
                                                      "elapsed_s": self.elapsed(now_ms)
                                                      // 1000}),
                        (NOTIFY, "timeout_resumed", {"task": self.cfg["task"],
                                                     "minutes": _minutes_left(left)})]
        if self.chain is not None:
            actions += [(JOURNAL, "chain_resumed", {"index": self.chain.index}),
                        self.chain.next_action(now_ms)]
        return actions
