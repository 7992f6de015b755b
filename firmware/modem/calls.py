"""Outgoing voice call state from +CLCC and call progress codes, and what the outcome means.

Pure: fed +CLCC states, end codes and poll results with the time; answers 'is it over' and
the outcome. The `OK` after ATD only means dialling started: a contact counts as reached only
when +CLCC shows the call active. No I/O here; modem.modem drives it.
"""

from compat import const, ticks_diff

# An alerting call that ends by itself sooner than this was declined by the contact; later it
# was the network's own no-reply timer (typically 30-60 s): 'no_answer'.
REJECT_WITHIN_MS = const(25000)
# Polls that do not list a call we never saw: the call is gone (dial failed silently).
_EMPTY_POLLS_GONE = const(2)

OUTCOMES = ("answered", "no_answer", "busy", "rejected", "failed", "no_network")


class CallTracker:
    def __init__(self, now_ms):
        self.started = now_ms
        self.alert_at = None  # ticks when alerting was first seen
        self.active = False
        self.ended = False
        self.end_code = None
        self.ended_at = None
        self.seen = False
        self._empty_polls = 0

    def on_clcc(self, cs, now_ms):
        """One parsed +CLCC line (parse.CallState) for an outgoing voice call."""
        if cs.dir != 0 or (cs.mode is not None and cs.mode != 0) or self.ended:
            return
        self.seen = True
        if cs.stat == 0:
            self.active = True
        elif cs.stat == 3 and self.alert_at is None:
            self.alert_at = now_ms
        elif cs.stat == 6:
            self._end(None, now_ms)

    def on_code(self, code, now_ms):
        """A call progress code ('BUSY', 'NO CARRIER', 'NO ANSWER', 'NO DIALTONE') or
        'END' (SIMCom 'VOICE CALL: END')."""
        if self.end_code is None and code != "END":
            self.end_code = code
        self._end(self.end_code, now_ms)

    def on_poll(self, states, now_ms):
        """The full +CLCC list from a poll: a call missing from it has ended."""
        mine = [cs for cs in states if cs.dir == 0]
        for cs in mine:
            self.on_clcc(cs, now_ms)
        if mine or self.ended:
            self._empty_polls = 0
            return
        self._empty_polls += 1
        if self.seen or self.active or self._empty_polls >= _EMPTY_POLLS_GONE:
            self._end(None, now_ms)

    def _end(self, code, now_ms):
        if not self.ended:
            self.ended = True
            self.ended_at = now_ms
            if code is not None and self.end_code is None:
                self.end_code = code

    def outcome(self, ring_expired=False):
        """The outcome now, or None while it is still dialling/alerting and time remains."""
        if self.active:
            return "answered"
        if not self.ended:
            if ring_expired:
                return "no_answer" if self.alert_at is not None else "failed"
            return None
        code = self.end_code
        alerted = self.alert_at is not None
        if code == "NO DIALTONE":
            return "no_network"
        if code == "NO ANSWER":
            return "no_answer"
        if code == "BUSY":
            return "rejected" if alerted else "busy"
        if not alerted:
            return "failed"
        if ticks_diff(self.ended_at, self.alert_at) >= REJECT_WITHIN_MS:
            return "no_answer"
        return "rejected"
