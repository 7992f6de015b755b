"""The couple's time-out as one device lives it: a pure state machine, time and events injected.

Inputs are `handle(now_ms, event)` and `tick(now_ms)`; outputs are lists of action tuples:
  ("send", msg)                  a message for the partner device (see link/codec.py)
  ("notify", key, fields)        feedback for the wearer (light, vibration, spoken text)
  ("call", index, phone, why)    call contact `index` of the wearer's chain
  ("fallback", why)              nobody in the chain answered (modem texts them all)
  ("journal", category, fields)  a decision for the journal (never audio)
  ("persist",)                   the snapshot changed and must reach flash
  ("power", on)                  the wearer switched listening on or off (the shell obeys)
No I/O, no clock reads, no randomness of its own: the same inputs give the same actions on the
ESP32, the unix port and CPython. Times are ticks_ms values, compared only with ticks_diff.

Convergence between the two devices: each runs its own copy of the couple's time-out and sends
a state heartbeat. When both started one (simultaneous presses, a lost message), the earlier
start wins; within SIMULTANEOUS_MS the one started on device A wins. Undone and finished
time-outs are remembered so a late or replayed start never revives them.
"""

from compat import const, ticks_add, ticks_diff
from core.chain import ContactChain

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
PRESS_MOOD = {"single": CALM, "double": SO_SO, "long": ANGRY}

WHY_PRESS = const(0)
WHY_PROPOSAL = const(1)
WHYS = ("press", "proposal")

OUT_MEET = const(1)
OUT_NOT_CALM = const(2)
OUT_PARTNER_NOT_CALM = const(3)
OUTCOMES = ("none", "meet", "not_calm", "partner_not_calm")

SIMULTANEOUS_MS = const(5000)
_ALIGN_MS = const(1000)
_CHECKPOINT_MS = const(60000)
_DONE_KEEP = const(8)
_TICK_PASSES = const(4)
SNAPSHOT_VERSION = const(1)


def _ms(seconds):
    return seconds * 1000


class Session:
    def __init__(self, cfg, now_ms, rand16, snapshot=None, downtime_ms=0):
        self.cfg = cfg
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
        self.end_check_started = now_ms
        self.distance = "unknown"
        self.too_close_since = None
        self.warned = False
        self.violation = False
        self.chain = None
        self.proposal = None  # [pid, deadline]
        self.refractory_until = None
        self.home = None
        self.partner_home = None
        self.partner_seen = None
        self.partner_on = True
        self.next_heartbeat = now_ms
        self.next_checkpoint = ticks_add(now_ms, _CHECKPOINT_MS)
        self.done = []  # [[tid, "undo" | "end", outcome]]
        self.resumed = False
        self.on = True  # off: no listening, no proposals; the button still starts a time-out
        if snapshot:
            self._restore(snapshot, now_ms, downtime_ms)

    # ----- helpers -----------------------------------------------------------------------

    def running(self):
        return self.phase == TIMEOUT or self.phase == END_CHECK

    def elapsed(self, now_ms):
        return ticks_diff(now_ms, self.start)

    def end_at(self):
        minutes = self.cfg["timeout_min"] + self.ext * self.cfg["extension_min"]
        return ticks_add(self.start, _ms(minutes * 60))

    def partner_reachable(self, now_ms):
        return self.partner_seen is not None and ticks_diff(
            now_ms, self.partner_seen) < _ms(self.cfg["partner_lost_s"])

    def _new_id(self):
        value = self.rand16() & 0xFFFF
        return value or 1

    def _state_msg(self, now_ms):
        running = self.running()
        home = 2 if self.home is None else (1 if self.home else 0)
        return ("send", {"t": "state", "tid": self.tid if running else 0,
                         "el": self.elapsed(now_ms) if running else 0, "ph": self.phase,
                         "home": home, "ext": self.ext, "m": self.my_mood,
                         "on": 1 if self.on else 0,
                         "by": self.by, "lv": self.leaver})

    def _start_msg(self, now_ms):
        return ("send", {"t": "start", "tid": self.tid, "by": self.by, "why": self.why,
                         "el": self.elapsed(now_ms), "lv": self.leaver})

    def _remember(self, tid, kind, outcome):
        for item in self.done:
            if item[0] == tid:
                return
        self.done.append([tid, kind, outcome])
        if len(self.done) > _DONE_KEEP:
            self.done.pop(0)

    def _done_entry(self, tid):
        for item in self.done:
            if item[0] == tid:
                return item
        return None

    def _answer_done(self, tid):
        """Tell the partner that `tid` is over here (it still runs or revived it)."""
        item = self._done_entry(tid)
        if item[1] == "undo":
            return [("send", {"t": "undo", "tid": tid})]
        return [("send", {"t": "end", "tid": tid, "out": item[2]})]

    # ----- starting, undoing, finishing -------------------------------------------------

    def _begin(self, now_ms, tid, by, why, leaver, elapsed_ms, via):
        self.phase = TIMEOUT
        self.tid = tid
        self.by = by
        self.why = why
        self.leaver = leaver
        self.start = ticks_add(now_ms, -elapsed_ms)
        self.ext = 0
        self.mood_seq = elapsed_ms // _ms(self.cfg["mood_interval_min"] * 60)
        self.mood_pending = None
        self.my_mood = NO_ANSWER
        self.my_final = None
        self.partner_final = None
        self.too_close_since = None if self.distance != "too_close" else now_ms
        self.warned = False
        self.violation = False
        self.proposal = None
        remaining = ticks_diff(self.end_at(), now_ms) // 60000
        return [
            ("journal", "timeout_started", {"tid": tid, "by": "AB"[by], "why": WHYS[why],
                                            "via": via, "leaver": "AB"[leaver]}),
            ("notify", "timeout_started", {"task": self.cfg["task"],
                                           "leave": 1 if leaver == self.me else 0,
                                           "minutes": remaining}),
            ("persist",),
        ]

    def _start_own(self, now_ms, why):
        leaver_rule = self.cfg["leaver"]
        leaver = self.me if leaver_rule == "presser" else (0 if leaver_rule == "A" else 1)
        actions = self._begin(now_ms, self._new_id(), self.me, why, leaver, 0, "button")
        actions.append(self._start_msg(now_ms))
        return actions

    def _finish(self, now_ms, outcome, notify_key):
        tid = self.tid
        self._remember(tid, "end", outcome)
        self.phase = IDLE
        self.mood_pending = None
        return [
            ("journal", "timeout_ended", {"tid": tid, "outcome": OUTCOMES[outcome],
                                          "ext": self.ext,
                                          "minutes": self.elapsed(now_ms) // 60000}),
            ("notify", notify_key, {}),
            ("send", {"t": "end", "tid": tid, "out": outcome}),
            ("persist",),
        ]

    def _undo(self, now_ms, who):
        tid = self.tid
        self._remember(tid, "undo", 0)
        self.phase = IDLE
        self.mood_pending = None
        actions = [("journal", "timeout_undone", {"tid": tid, "by": who}),
                   ("notify", "undone", {}), ("persist",)]
        if who == "me":
            actions.append(("send", {"t": "undo", "tid": tid}))
        return actions

    # ----- contact chain -----------------------------------------------------------------

    def _start_chain(self, now_ms, reason):
        if self.chain is not None and not self.chain.done:
            return [("journal", "chain_busy", {"reason": reason})]
        self.chain = ContactChain(self.cfg["contacts"], reason, now_ms,
                                  _ms(self.cfg["call_guard_s"]))
        return [("journal", "chain_started", {"reason": reason, "tid": self.tid}),
                self.chain.call_action(now_ms), ("persist",)]

    # ----- mood checks --------------------------------------------------------------------

    def _ask_mood(self, now_ms, final):
        seq = self.ext if final else self.mood_seq
        window = ticks_add(now_ms, _ms(self.cfg["mood_answer_window_s"]))
        self.mood_pending = (seq, final, window)
        return [("notify", "mood_ask", {"final": final}),
                ("journal", "mood_asked", {"tid": self.tid, "seq": seq, "final": final})]

    def _record_mood(self, now_ms, mood):
        seq, final, _ = self.mood_pending
        self.mood_pending = None
        self.my_mood = mood
        if final:
            self.my_final = mood
        return [
            ("journal", "mood_answer", {"tid": self.tid, "seq": seq, "final": final,
                                        "mood": MOODS[mood]}),
            ("notify", "mood_recorded", {"mood": MOODS[mood]}),
            ("send", {"t": "mood", "tid": self.tid, "seq": seq, "m": mood, "fin": final}),
            ("persist",),
        ]

    def _enter_end_check(self, now_ms):
        actions = []
        if self.mood_pending is not None:
            actions += self._record_mood(now_ms, NO_ANSWER)
        self.phase = END_CHECK
        self.end_check_started = now_ms
        self.my_final = None
        actions += self._ask_mood(now_ms, 1)
        actions.append(("persist",))
        return actions

    def _decide_end(self, now_ms):
        theirs = None
        if self.partner_final is not None and self.partner_final[0] == self.ext:
            theirs = self.partner_final[1]
        mine = self.my_final
        if mine == CALM and theirs == CALM:
            return self._finish(now_ms, OUT_MEET, "meet_and_talk")
        actions = []
        if mine != CALM:
            actions += self._start_chain(now_ms, "not_calm")
        who = "you" if mine != CALM else "partner"
        if self.ext >= self.cfg["max_extensions"]:
            outcome = OUT_NOT_CALM if mine != CALM else OUT_PARTNER_NOT_CALM
            return actions + self._finish(now_ms, outcome, "timeout_over_not_calm")
        self.ext += 1
        self.phase = TIMEOUT
        # the regular checks go on from now (none is owed for the end check's minutes)
        self.mood_seq = max(self.mood_seq,
                            self.elapsed(now_ms) // _ms(self.cfg["mood_interval_min"] * 60))
        actions += [
            ("journal", "timeout_extended", {"tid": self.tid, "ext": self.ext, "who": who,
                                             "partner_mood": "unknown" if theirs is None
                                             else MOODS[theirs]}),
            ("notify", "extended", {"minutes": self.cfg["extension_min"], "who": who}),
            ("persist",),
        ]
        return actions

    # ----- partner messages -------------------------------------------------------------

    def _adopt(self, now_ms, tid, by, why, leaver, elapsed_ms, ext, via):
        """Join or switch to the partner's time-out."""
        was_running = self.running()
        old = self.tid
        if was_running:
            actions = [("journal", "timeout_merged", {"from": old, "to": tid}), ("persist",)]
            if leaver != self.leaver:
                actions.append(("notify", "leaver_changed", {"leave": 1 if leaver == self.me
                                                             else 0}))
            self.ext = max(self.ext, ext)
            self.tid, self.by, self.why, self.leaver = tid, by, why, leaver
            self.start = ticks_add(now_ms, -elapsed_ms)
            return actions
        actions = self._begin(now_ms, tid, by, why, leaver, elapsed_ms, via)
        self.ext = ext
        return actions

    def _partner_timeout(self, now_ms, tid, by, why, leaver, elapsed_ms, ext, via):
        """The partner runs time-out `tid`, `elapsed_ms` in. Converge on one time-out."""
        if self._done_entry(tid) is not None:
            return self._answer_done(tid)
        if not self.running():
            return self._adopt(now_ms, tid, by, why, leaver, elapsed_ms, ext, via)
        theirs_start = ticks_add(now_ms, -elapsed_ms)
        if tid == self.tid:
            actions = []
            if ticks_diff(self.start, theirs_start) > _ALIGN_MS:
                self.start = theirs_start
            if ext > self.ext:
                self.ext = ext
                if self.phase == END_CHECK:
                    self.phase = TIMEOUT
                    self.mood_pending = None
                actions.append(("persist",))
            return actions
        later_ms = ticks_diff(self.start, theirs_start)  # > 0: mine started later
        if -SIMULTANEOUS_MS < later_ms < SIMULTANEOUS_MS:
            theirs_wins = (by, tid) < (self.by, self.tid)
        else:
            theirs_wins = later_ms > 0
        if theirs_wins:
            if later_ms < 0:  # keep the earlier start of the two
                elapsed_ms = self.elapsed(now_ms)
            return self._adopt(now_ms, tid, by, why, leaver, elapsed_ms, ext, "merge")
        return [self._start_msg(now_ms)]

    def _partner(self, now_ms, msg):
        kind = msg["t"]
        was_reachable = self.partner_reachable(now_ms)
        self.partner_seen = now_ms
        actions = []
        if not was_reachable:
            actions.append(("journal", "partner_reachable", {}))
        if kind == "state":
            self.partner_home = msg["home"]
            partner_on = msg["on"] == 1
            if partner_on != self.partner_on:
                self.partner_on = partner_on
                actions.append(("journal", "partner_switched_on" if partner_on
                                else "partner_switched_off", {}))
            if msg["tid"]:
                actions += self._partner_timeout(now_ms, msg["tid"], msg["by"], WHY_PRESS,
                                                 msg["lv"], msg["el"], msg["ext"], "sync")
            elif self.running():
                actions.append(self._start_msg(now_ms))
        elif kind == "start":
            actions += self._partner_timeout(now_ms, msg["tid"], msg["by"], msg["why"],
                                             msg["lv"], msg["el"], 0, "partner")
        elif kind == "undo":
            if self.running() and msg["tid"] == self.tid:
                actions += self._undo(now_ms, "partner")
            else:
                self._remember(msg["tid"], "undo", 0)
        elif kind == "prop":
            if self.phase == IDLE:
                actions += self._open_proposal(now_ms, msg["pid"], "partner")
        elif kind == "acc":
            actions.append(("journal", "proposal_accepted", {"pid": msg["pid"], "by": "partner"}))
        elif kind == "mood":
            if msg["tid"] == self.tid and self.running():
                if msg["fin"]:
                    self.partner_final = (msg["seq"], msg["m"])
                actions.append(("journal", "partner_mood", {"seq": msg["seq"],
                                                            "mood": MOODS[msg["m"]],
                                                            "final": msg["fin"]}))
        elif kind == "end":
            if self.running() and msg["tid"] == self.tid:
                out = msg["out"] if msg["out"] < len(OUTCOMES) else 0
                actions.append(("journal", "partner_ended", {"tid": msg["tid"],
                                                             "outcome": OUTCOMES[out]}))
                if out == OUT_MEET and self.my_final == CALM:
                    actions += self._finish(now_ms, OUT_MEET, "meet_and_talk")
        return actions

    # ----- proposals ----------------------------------------------------------------------

    def _open_proposal(self, now_ms, pid, origin):
        self.phase = PROPOSAL
        self.proposal = [pid, ticks_add(now_ms, _ms(self.cfg["proposal_window_s"]))]
        self.refractory_until = ticks_add(now_ms,
                                          _ms(self.cfg["proposal_refractory_min"] * 60))
        return [("journal", "proposal", {"pid": pid, "origin": origin}),
                ("notify", "proposal", {})]

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
        elif self.partner_home != 1 or not self.partner_reachable(now_ms):
            reason = "partner_not_home"
        if reason is not None:
            return [("journal", "proposal_suppressed", {"reason": reason})]
        pid = self._new_id()
        actions = self._open_proposal(now_ms, pid, "detector")
        actions.append(("send", {"t": "prop", "pid": pid}))
        return actions

    # ----- the button ---------------------------------------------------------------------

    def _switch(self, now_ms):
        """A very long press: the wearer's own choice to switch listening off or on. Not
        during a time-out: it runs to its end (then the wearer may switch off)."""
        if self.running():
            return [("notify", "stays_on", {}),
                    ("journal", "switch_refused", {"tid": self.tid})]
        self.on = not self.on
        if self.phase == PROPOSAL and not self.on:
            self.phase = IDLE
            self.proposal = None
        return [("journal", "device_on" if self.on else "device_off", {}),
                ("notify", "switched_on" if self.on else "switched_off", {}),
                ("power", self.on), self._state_msg(now_ms), ("persist",)]

    def _press(self, now_ms, pattern):
        if pattern == "very_long":
            return self._switch(now_ms)
        if pattern == "triple":
            return [("journal", "help_asked", {"tid": self.tid if self.running() else 0})] + \
                self._start_chain(now_ms, "asked")
        if self.phase == IDLE:
            if pattern == "single":
                return self._start_own(now_ms, WHY_PRESS)
        elif self.phase == PROPOSAL:
            if pattern == "single":
                pid = self.proposal[0]
                actions = [("journal", "proposal_accepted", {"pid": pid, "by": "me"}),
                           ("send", {"t": "acc", "pid": pid})]
                return actions + self._start_own(now_ms, WHY_PROPOSAL)
        else:
            if self.mood_pending is not None and pattern in PRESS_MOOD:
                return self._record_mood(now_ms, PRESS_MOOD[pattern])
            if pattern == "long" and self.elapsed(now_ms) < _ms(self.cfg["undo_window_s"]):
                return self._undo(now_ms, "me")
            if pattern == "single":
                left = ticks_diff(self.end_at(), now_ms)
                return [("notify", "status", {"task": self.cfg["task"],
                                              "minutes": max(0, left) // 60000})]
        return [("journal", "press_ignored", {"pattern": pattern, "phase": PHASES[self.phase]})]

    # ----- public interface ---------------------------------------------------------------

    def handle(self, now_ms, event):
        kind = event[0]
        if kind == "press":
            return self._press(now_ms, event[1])
        if kind == "partner":
            return self._partner(now_ms, event[1])
        if kind == "proposal":
            return self._detector_proposal(now_ms)
        if kind == "distance":
            return self._distance(now_ms, event[1])
        if kind == "home":
            return self._home(now_ms, event[1])
        if kind == "call_result":
            if self.chain is None:
                return [("journal", "call_result_ignored", {"index": event[1]})]
            return self.chain.result(event[1], event[2], now_ms)
        return [("journal", "event_ignored", {"kind": kind})]

    def _home(self, now_ms, home):
        if home == self.home:
            return []
        self.home = home
        return [("journal", "home_changed", {"home": home}), self._state_msg(now_ms)]

    def _distance(self, now_ms, status):
        if status == self.distance:
            return []
        self.distance = status
        actions = []
        if self.running():
            actions.append(("journal", "distance", {"status": status, "tid": self.tid}))
        if status == "too_close":
            self.too_close_since = now_ms
        else:
            self.too_close_since = None
            self.warned = False
            self.violation = False
        return actions

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
        if self.phase == PROPOSAL and ticks_diff(now_ms, self.proposal[1]) >= 0:
            actions += [("journal", "proposal_expired", {"pid": self.proposal[0]}),
                        ("notify", "proposal_expired", {})]
            self.phase = IDLE
            self.proposal = None
        if self.running():
            actions += self._tick_timeout(now_ms)
        if self.chain is not None:
            actions += self.chain.tick(now_ms)
        if self.partner_seen is not None and not self.partner_reachable(now_ms):
            self.partner_seen = None
            self.partner_home = None
            actions.append(("journal", "partner_unreachable", {"tid": self.tid
                                                               if self.running() else 0}))
        if ticks_diff(now_ms, self.next_heartbeat) >= 0:
            self.next_heartbeat = ticks_add(now_ms, _ms(self.cfg["heartbeat_s"]))
            actions.append(self._state_msg(now_ms))
        if ticks_diff(now_ms, self.next_checkpoint) >= 0:
            self.next_checkpoint = ticks_add(now_ms, _ms(60))
            if self.running():
                actions.append(("persist",))
        return actions

    def _tick_timeout(self, now_ms):
        cfg = self.cfg
        actions = []
        if self.mood_pending is not None and ticks_diff(now_ms, self.mood_pending[2]) >= 0:
            actions += self._record_mood(now_ms, NO_ANSWER)
        if self.phase == TIMEOUT:
            if ticks_diff(now_ms, self.end_at()) >= 0:
                actions += self._enter_end_check(now_ms)
            elif self.mood_pending is None:
                interval = _ms(cfg["mood_interval_min"] * 60)
                due = ticks_add(self.start, (self.mood_seq + 1) * interval)
                if ticks_diff(now_ms, due) >= 0:  # checks missed meanwhile are skipped
                    self.mood_seq = max(self.mood_seq + 1, self.elapsed(now_ms) // interval)
                    latest = ticks_add(self.end_at(), -_ms(cfg["mood_answer_window_s"]))
                    if ticks_diff(now_ms, latest) < 0:
                        actions += self._ask_mood(now_ms, 0)
        elif self.phase == END_CHECK and self.my_final is not None:
            have_theirs = self.partner_final is not None and self.partner_final[0] == self.ext
            waited = ticks_diff(now_ms, self.end_check_started) >= _ms(cfg["end_wait_s"])
            if have_theirs or waited:
                actions += self._decide_end(now_ms)
        if self.running() and self.too_close_since is not None and not self.violation:
            since = self._too_close_counts_from()
            if ticks_diff(now_ms, since) >= 0 and not self.warned:
                self.warned = True
                actions += [("notify", "move_apart", {}),
                            ("journal", "too_close_warning", {"tid": self.tid})]
            if ticks_diff(now_ms, since) >= _ms(cfg["too_close_tolerance_s"]):
                self.violation = True
                actions += [("journal", "distance_violation", {"tid": self.tid}),
                            ("notify", "too_close_alarm", {})]
                actions += self._start_chain(now_ms, "too_close")
        return actions

    def _too_close_counts_from(self):
        """When being too close starts to count: not before the walk-away grace is over."""
        grace_end = ticks_add(self.start, _ms(self.cfg["walk_away_grace_s"]))
        if ticks_diff(self.too_close_since, grace_end) < 0:
            return grace_end
        return self.too_close_since

    def deadlines(self):
        """Ticks at which tick() has something to do (the shell sleeps until the first)."""
        out = [self.next_heartbeat, self.next_checkpoint]
        if self.phase == PROPOSAL:
            out.append(self.proposal[1])
        if self.running():
            cfg = self.cfg
            if self.mood_pending is not None:
                out.append(self.mood_pending[2])
            if self.phase == TIMEOUT:
                out.append(self.end_at())
                if self.mood_pending is None:  # a due check waits for the open one to close
                    out.append(ticks_add(self.start, (self.mood_seq + 1) *
                                         _ms(cfg["mood_interval_min"] * 60)))
            elif self.my_final is not None:
                out.append(ticks_add(self.end_check_started, _ms(cfg["end_wait_s"])))
            if self.too_close_since is not None and not self.violation:
                since = self._too_close_counts_from()
                if not self.warned:
                    out.append(since)
                out.append(ticks_add(since, _ms(cfg["too_close_tolerance_s"])))
        if self.chain is not None and not self.chain.done:
            out.append(self.chain.next_deadline())
        if self.partner_seen is not None:
            out.append(ticks_add(self.partner_seen, _ms(self.cfg["partner_lost_s"])))
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
                         "mood": self.my_mood, "pf": self.partner_final})
        if self.chain is not None and not self.chain.done:
            snap["chain"] = self.chain.snapshot()
        return snap

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
            self.resumed = True
        chain = snap.get("chain")
        if chain:
            self.chain = ContactChain(self.cfg["contacts"], chain["reason"], now_ms,
                                      _ms(self.cfg["call_guard_s"]), chain["index"])

    def boot_actions(self, now_ms):
        """What a restored session does first: tell the wearer, re-place an unfinished call."""
        actions = [("power", self.on)]
        if self.resumed:
            left = ticks_diff(self.end_at(), now_ms)
            actions += [("journal", "timeout_resumed", {"tid": self.tid,
                                                        "elapsed_s": self.elapsed(now_ms)
                                                        // 1000}),
                        ("notify", "timeout_resumed", {"task": self.cfg["task"],
                                                       "minutes": max(0, left) // 60000})]
        if self.chain is not None:
            actions += [("journal", "chain_resumed", {"index": self.chain.index}),
                        self.chain.call_action(now_ms)]
        return actions
