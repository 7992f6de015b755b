"""The watchdog's only feeder: feeds machine.WDT while every watched task shows signs of life.

The shell's tasks write `alive[name] = ticks` when they run; a task silent for longer than its
limit (or a blocked event loop, which stops this task too) stops the feeding and the WDT resets
the device. `stale()` is pure. Must not restart tasks itself: a reset is the recovery.
"""

from compat import const, sleep_ms, ticks_diff

_FEED_EVERY_MS = const(5000)  # the WDT timeout is 30 s on the boards here
# The shell's session loop sleeps until its next deadline, capped at one minute; the button
# loop may wait for a press all day, so it is not watched here (a failing task is restarted by
# the shell). Limits are per task, in ms.
DEFAULT_LIMITS_MS = {"session": 150_000}


def stale(alive, now_ms, limits_ms):
    """Names of watched tasks silent longer than their limit (never seen counts as stale)."""
    out = []
    for name in limits_ms:
        seen = alive.get(name)
        if seen is None or ticks_diff(now_ms, seen) > limits_ms[name]:
            out.append(name)
    return out


class Supervisor:
    """sup = Supervisor(board.watchdog(), device.alive, board.ticks_ms); create_task(sup.run())"""

    def __init__(self, watchdog, alive, clock, limits_ms=None, grace_ms=30000):
        self.watchdog = watchdog
        self.alive = alive
        self.clock = clock
        self.limits_ms = limits_ms if limits_ms is not None else DEFAULT_LIMITS_MS
        self.started = clock()
        self.grace_ms = grace_ms  # tasks get this long after boot to show up
        self.feeds = 0
        self.withheld = None  # names that stopped the feeding, for the journal after reset

    def check(self, now_ms):
        """Feed if all is well; returns the stale names (empty: fed)."""
        names = stale(self.alive, now_ms, self.limits_ms)
        if names and ticks_diff(now_ms, self.started) < self.grace_ms:
            names = [n for n in names if n in self.alive]
        if names:
            self.withheld = names
            return names
        self.watchdog.feed()
        self.feeds += 1
        return names

    async def run(self):
        while True:
            self.check(self.clock())
            await sleep_ms(_FEED_EVERY_MS)
