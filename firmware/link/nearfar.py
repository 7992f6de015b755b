"""The near/far choice: the partner's two transports behind one send() that picks the right one.

Near: BLE (ble.link.BleLink), when connected. Far: the cellular link (a frame pipe such as
SMS, link.pipe.PipeLink), otherwise. Both share one link.channel.Channel, so one counter space
and one replay window cover both transports: a frame heard on one cannot be replayed on the
other. Must not seal, queue or retry anything itself: the transports do.

The far link costs a text message per frame, and an attacker who holds the couple's secret (the
partner's own device) must not be able to run that bill up, so the far side keeps a budget
(docs/link.md, "The far-link budget"):
- outside a time-out, a state goes at most every FAR_IDLE_STATE_MS (a sign of life three
  times a day; being home, listening on or off are not worth a text: proposals need both
  partners home, and then BLE carries everything);
- during a time-out, a state when its time-out, phase, extension or home changed, else every
  FAR_STATE_EVERY_MS; positions at most every FAR_POS_EVERY_MS;
- every other message (start, undo, mood, end, proposals) goes at once the first time, and the
  same message again (same type and id: the replies a partner's messages ask for) only after
  FAR_REPEAT_MS, whatever the partner sends meanwhile.
"""

from compat import const, ticks_diff

FAR_STATE_EVERY_MS = const(300000)
FAR_IDLE_STATE_MS = const(28800000)  # 8 h
FAR_POS_EVERY_MS = const(25000)  # below gps relay_far_interval_ms: the relay limiter governs
FAR_REPEAT_MS = const(600000)
_REPEATS_KEPT = const(8)


def _within(now, then, span_ms):
    """then is less than span_ms before now (a time from the future, or from before the tick
    counter's half period, is not: never held back for ever)."""
    if then is None:
        return False
    d = ticks_diff(now, then)
    return 0 <= d < span_ms


class NearFarLink:
    """near: a transport with `connected` and send() (BLE); far: one with send() (SMS);
    ticks_ms: the time source for the far link's budget (None: nothing held back)."""

    def __init__(self, near=None, far=None, ticks_ms=None):
        self.near = near
        self.far = far
        self.ticks_ms = ticks_ms
        self.stats = {"near_tx": 0, "far_tx": 0, "far_held": 0, "unsent": 0}
        self._far_state = None  # (ticks, (tid, ph, ext)) of the last state sent far
        self._far_idle = None  # ticks of the last state sent far outside a time-out
        self._far_pos = None
        self._far_sent = []  # [(type, id, seq), ticks] of the last other messages sent far

    def _far_worth_it(self, msg):
        if self.ticks_ms is None:
            return True
        now = self.ticks_ms()
        kind = msg["t"]
        if kind == "state":
            if msg["tid"] == 0:
                if _within(now, self._far_idle, FAR_IDLE_STATE_MS):
                    return False
                self._far_idle = now
                return True
            key = (msg["tid"], msg["ph"], msg["ext"])
            last = self._far_state
            if last is not None and last[1] == key and _within(now, last[0],
                                                               FAR_STATE_EVERY_MS):
                return False
            self._far_state = (now, key)
        elif kind == "pos":
            if _within(now, self._far_pos, FAR_POS_EVERY_MS):
                return False
            self._far_pos = now
        else:
            key = (kind, msg.get("tid", msg.get("pid", 0)), msg.get("seq", 0))
            for item in self._far_sent:
                if item[0] == key:
                    if _within(now, item[1], FAR_REPEAT_MS):
                        return False
                    item[1] = now
                    return True
            self._far_sent.append([key, now])
            if len(self._far_sent) > _REPEATS_KEPT:
                self._far_sent.pop(0)
        return True

    def send_only_if(self, still_valid):
        """still_valid(msg): asked again of each queued message just before it goes, on both
        transports; one it says no to is dropped (counted), never delivered late."""
        if self.near is not None:
            self.near.queue.still_valid = still_valid
        if self.far is not None:
            self.far.pipe.still_valid = still_valid

    def receivers(self):
        return [link for link in (self.near, self.far) if link is not None]

    @property
    def connected(self):
        return self.near is not None and self.near.connected

    def send(self, msg):
        if self.near is not None and (self.near.connected or self.far is None):
            self.stats["near_tx"] += 1
            return self.near.send(msg)  # queued while it reconnects
        if self.far is not None:
            if not self._far_worth_it(msg):
                self.stats["far_held"] += 1
                return True
            self.stats["far_tx"] += 1
            return self.far.send(msg)
        self.stats["unsent"] += 1
        return False
