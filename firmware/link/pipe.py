"""The partner link over a plain frame pipe: every message sealed and checked by link.channel.

Used where the transport is a simple "send these bytes / here are some bytes" pipe: the
simulator's in-memory radio stand-in and the SMS far link (link.far.FarPipe). The pipe is never
trusted: frames that fail authentication, replays and garbage are dropped and counted by the
channel. No acks or retries here: each message goes once, as one frame. While the channel
agrees a new epoch (link.channel) the newest few messages wait and go once it is agreed.
"""

_HELD = 4


class PipeLink:
    def __init__(self, pipe, channel):
        self.pipe = pipe
        self.channel = channel
        self.stats = channel.stats
        self._held = []
        self._gen = channel.gen

    def send(self, msg):
        try:
            frame = self.channel.seal(msg)
        except ValueError:
            self.stats["tx_invalid"] = self.stats.get("tx_invalid", 0) + 1
            return False
        if self.channel.last_counter < 0:  # the channel's ask went instead: msg waits
            self._held = (self._held + [dict(msg)])[-_HELD:]
            self.pipe.send(frame)
            return True
        return self.pipe.send(frame, msg)

    def _after_open(self):
        out, self.channel.out = self.channel.out, []
        for frame in out:
            self.pipe.send(frame)
        if self._gen != self.channel.gen:  # a new epoch: what waited can go now
            self._gen = self.channel.gen
            held, self._held = self._held, []
            for msg in held:
                self.send(msg)

    async def recv(self):
        """The next authentic message from the partner (drops everything else)."""
        while True:
            frame = await self.pipe.recv()
            try:
                reason, _, msg = self.channel.open(frame)
            except Exception:  # a codec bug must not take the link down: count and go on
                self.stats["rej_crash"] = self.stats.get("rej_crash", 0) + 1
                continue
            self._after_open()
            if msg is not None:
                return msg
