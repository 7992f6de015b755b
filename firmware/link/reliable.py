"""The reliable queue: messages to the partner one at a time, acknowledged, retried, coalesced.

Transport-neutral: a connected transport (BLE) hands it each frame it receives and writes the
frames it is given; this decides what goes out next, when to retry, what an ack settles and
what is delivered. It must not touch a radio, sleep, or be called from an IRQ (sealing may
write the counter store).

Bounded everywhere: at most 8 messages wait (of "state" and "pos" only the newest matters, so
a newer one replaces one still waiting), at most 16 received ones wait for the shell (the
oldest is dropped, counted). A frame kept across a reconnection keeps its counter, so a
receiver that already has it re-acknowledges instead of delivering twice; it is resealed only
when so many frames went out since that it may have left the partner's replay window.
"""

import asyncio

from compat import const, ticks_add, ticks_diff
from link import codec

ACK_TIMEOUT_MS = const(600)
_MAX_TRIES = const(5)  # then the transport is told the connection is broken
_QUEUE_MAX = const(8)
_RESEAL_AFTER = const(16)
_INBOX_MAX = const(16)
_COALESCE = ("state", "pos")  # only the newest of these matters


class ReliableQueue:
    """channel: the `link.channel.Channel`; stats: the transport's shared stats dict;
    wake(): tells the transport's task there is something to send; on_message(msg): optional
    callback for each delivered message."""

    def __init__(self, channel, stats, wake, on_message=None):
        for key in ("tx", "rx", "acked", "retries", "q_full", "q_replaced", "bad_msg",
                    "inbox_drop", "stale_dropped"):
            stats.setdefault(key, 0)
        self.channel = channel
        self.stats = stats
        self.on_message = on_message
        self.inbox = []
        self.inbox_event = asyncio.Event()
        self._wake = wake
        self._queue = []  # message dicts, oldest first
        self._inflight = None  # (frame bytes, counter, channel gen) of the queue head once sent
        self._tries = 0
        self._retry_at = 0
        # still_valid(msg): is a queued message still worth sending? None: every message is.
        # The session says no for one about a time-out that ended, was undone or merged away
        # since it was queued: delivered late, it would start that time-out again over there.
        self.still_valid = None

    # ---- outgoing -------------------------------------------------------------------------

    def pending(self):
        """Messages queued and not yet acknowledged."""
        return len(self._queue)

    def send(self, msg):
        """Queue msg for the partner. False (and counted) when invalid or the queue is full."""
        try:
            codec.payload_values(msg)
        except ValueError:
            self.stats["bad_msg"] += 1
            return False
        t = msg["t"]
        if t in _COALESCE:
            start = 1 if self._inflight is not None else 0
            for i in range(start, len(self._queue)):
                if self._queue[i]["t"] == t:
                    self._queue[i] = dict(msg)
                    self.stats["q_replaced"] += 1
                    self._wake()
                    return True
        if len(self._queue) >= _QUEUE_MAX:
            self.stats["q_full"] += 1
            return False
        self._queue.append(dict(msg))
        self._wake()
        return True

    def resume(self, now):
        """The connection is (again) up: resend whatever was in flight when it went down."""
        self._retry_at = now
        self._tries = 0

    def lost(self):
        """The connection went down: the next one starts counting tries afresh."""
        self._tries = 0

    def due(self, now, write):
        """While connected: write(frame) the head of the queue when it is due (first send or
        retry). False when it went unacknowledged too often: the connection is broken."""
        valid = self.still_valid
        while self._queue and valid is not None and not valid(self._queue[0]):
            self._queue.pop(0)  # in flight or not: it must not arrive any more
            self._inflight = None
            self.stats["stale_dropped"] += 1
        if not self._queue:
            return True
        stale = (self._inflight is not None
                 and (self._inflight[2] != self.channel.gen
                      or self.channel.store.tx - self._inflight[1] > _RESEAL_AFTER))
        if self._inflight is None or stale:
            msg = self._queue[0]
            try:
                frame = self.channel.seal(msg)
            except ValueError:  # cannot happen after send()'s check; never loop on it
                self._queue.pop(0)
                self.stats["bad_msg"] += 1
                return True
            # While the channel agrees an epoch the frame is its ask (counter -1); the message
            # is sealed again once the epoch changed.
            self._inflight = (frame, self.channel.last_counter, self.channel.gen)
            self._tries = 0
            self._retry_at = now
        if ticks_diff(now, self._retry_at) >= 0:
            if self._tries >= _MAX_TRIES:
                return False
            if self._tries:
                self.stats["retries"] += 1
            self._tries += 1
            self._retry_at = ticks_add(now, ACK_TIMEOUT_MS)
            write(self._inflight[0])
            self.stats["tx"] += 1
        return True

    def retry_in_ms(self, now):
        """Milliseconds until the frame in flight is due again, or None (nothing in flight)."""
        if self._inflight is None:
            return None
        return ticks_diff(self._retry_at, now)

    def ping(self):
        """A sealed ping: proves the secret right after connecting (acknowledged, not queued)."""
        return self.channel.seal({"t": "ping"})

    # ---- incoming -------------------------------------------------------------------------

    def open(self, frame, write):
        """(counter, msg) of an authentic new frame, else None. An authentic repeat (our ack
        got lost) is acknowledged again with write(frame) and not delivered again."""
        reason, counter, msg = self.channel.open(frame)
        out, self.channel.out = self.channel.out, []
        for f in out:  # the channel's handshake frames
            write(f)
        if reason == codec.R_DUP:
            write(self._ack(counter))
            return None
        if reason != codec.OK:
            return None
        return counter, msg

    def take_in(self, counter, msg, write):
        """An authentic message from open(): settles an ack, or acknowledges it with
        write(frame) and delivers it (pings only prove the secret)."""
        t = msg["t"]
        if t == "ack":
            if self._inflight is not None and msg["c"] == self._inflight[1]:
                self._queue.pop(0)
                self._inflight = None
                self._tries = 0
                self.stats["acked"] += 1
            return
        write(self._ack(counter))
        if t == "ping":
            return
        self.stats["rx"] += 1
        if len(self.inbox) >= _INBOX_MAX:
            self.inbox.pop(0)
            self.stats["inbox_drop"] += 1
        self.inbox.append(msg)
        self.inbox_event.set()
        if self.on_message is not None:
            self.on_message(msg)

    async def recv(self):
        """The next delivered message, oldest first."""
        while not self.inbox:
            await self.inbox_event.wait()
            self.inbox_event.clear()
        return self.inbox.pop(0)

    def _ack(self, counter):
        return self.channel.seal({"t": "ack", "c": counter})
