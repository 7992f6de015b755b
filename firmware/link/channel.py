"""The authenticated channel to the partner: seal dicts into frames, open frames into dicts.

Holds the message key, our role, the counter store and the replay window; counts every
rejection by reason in the shared stats dict. Transport-neutral: BLE and SMS use the same one.
Must not be called from an IRQ (it may write the counter store).
"""

from link import codec
from link.auth import Hmac, derive
from link.replay import ReplayWindow


class Channel:
    def __init__(self, secret, role, store, stats=None):
        if role not in (0, 1):
            raise ValueError("role must be 0 (A) or 1 (B)")
        if len(secret) < 16:
            raise ValueError("secret shorter than 16 bytes")
        self.role = role
        self.store = store
        self._mac = Hmac(derive(secret, b"msg"))
        self.window = ReplayWindow(store.rx_high)
        self.last_counter = -1
        self.stats = stats if stats is not None else {}

    def seal(self, msg):
        """The frame for msg with a fresh counter; ValueError if msg does not fit the table."""
        codec.payload_values(msg)  # validate before spending a counter
        self.last_counter = self.store.next_tx()
        return codec.encode(msg, self._mac, self.role, self.last_counter)

    def open(self, frame):
        """(reason, counter, msg). msg is a dict only when reason is OK; R_DUP frames are
        authentic repeats (re-acknowledge them, do not deliver them again)."""
        reason, sender, counter, msg = codec.decode(frame, self._mac)
        if reason == codec.OK and sender == self.role:
            reason = codec.R_REFLECT
        if reason == codec.OK:
            reason = self.window.check(counter)
        if reason != codec.OK:
            key = "rej_" + codec.REASONS[reason]
            self.stats[key] = self.stats.get(key, 0) + 1
            return reason, counter, None
        if self.window.accept(counter):
            self.store.set_rx_high(counter)
        return reason, counter, msg
