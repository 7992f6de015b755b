"""The partner link over a plain frame pipe: every message sealed and checked by link.channel.

Used where the transport is a simple "send these bytes / here are some bytes" pipe: the
simulator's in-memory radio stand-in and the SMS far link (link.far.FarPipe). The pipe is never
trusted: frames that fail authentication, replays and garbage are dropped and counted by the
channel. No acks or retries here: each message goes once, as one frame.
"""


class PipeLink:
    def __init__(self, pipe, channel):
        self.pipe = pipe
        self.channel = channel
        self.stats = channel.stats

    def send(self, msg):
        try:
            frame = self.channel.seal(msg)
        except ValueError:
            self.stats["tx_invalid"] = self.stats.get("tx_invalid", 0) + 1
            return False
        return self.pipe.send(frame, msg)

    async def recv(self):
        """The next authentic message from the partner (drops everything else)."""
        while True:
            frame = await self.pipe.recv()
            try:
                reason, _, msg = self.channel.open(frame)
            except Exception:  # a codec bug must not take the link down: count and go on
                self.stats["rej_crash"] = self.stats.get("rej_crash", 0) + 1
                continue
            if msg is not None:
                return msg
