"""The near/far choice: the partner's two transports behind one send() that picks the right one.

Near: BLE (ble.link.BleLink), when connected. Far: the cellular link (a frame pipe such as
SMS, link.pipe.PipeLink), otherwise. Both share one link.channel.Channel, so one counter space
and one replay window cover both transports: a frame heard on one cannot be replayed on the
other. Must not seal, queue or retry anything itself: the transports do.

The far link costs a text message per frame, so there heartbeats go only when something
changed or every FAR_STATE_EVERY_MS, and positions at most every FAR_POS_EVERY_MS. Everything
else (start, undo, moods, end) goes at once.
"""

from compat import const, ticks_diff

FAR_STATE_EVERY_MS = const(300000)
FAR_POS_EVERY_MS = const(25000)  # below gps relay_far_interval_ms: the relay limiter governs


class NearFarLink:
    """near: a transport with `connected` and send() (BLE); far: one with send() (SMS);
    ticks_ms: the time source for the far link's budget (None: nothing held back)."""

    def __init__(self, near=None, far=None, ticks_ms=None):
        self.near = near
        self.far = far
        self.ticks_ms = ticks_ms
        self.stats = {"near_tx": 0, "far_tx": 0, "far_held": 0, "unsent": 0}
        self._far_state = None  # (ticks, (tid, ph, ext)) of the last state sent far
        self._far_pos = None

    def _far_worth_it(self, msg):
        if self.ticks_ms is None:
            return True
        now = self.ticks_ms()
        kind = msg["t"]
        if kind == "state":
            key = (msg["tid"], msg["ph"], msg["ext"])
            last = self._far_state
            if last is not None and last[1] == key and ticks_diff(
                    now, last[0]) < FAR_STATE_EVERY_MS:
                return False
            self._far_state = (now, key)
        elif kind == "pos":
            if self._far_pos is not None and ticks_diff(now, self._far_pos) < FAR_POS_EVERY_MS:
                return False
            self._far_pos = now
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
