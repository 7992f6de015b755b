"""The shell's side of the wall clock: readings from GNSS and the network set the board's RTC.

The rules are core/clock.py's; here the board's clock is read (`hw.epoch_s()`, None while
unknown) and written (`hw.set_epoch_s(epoch)`), and the journal hears about it: the first
time the clock becomes known in a boot it writes the `time_known` anchor that dates the
entries written before (store/journal.py), and `on_known(boot_epoch_s)` is called with the
epoch this boot started at, so that the shell can count the time the device was off.
"""

from compat import sleep_ms, ticks_diff

_GNSS_EVERY_MS = 600000  # a tracking receiver offers its time at most this often
_STEP_JOURNAL_S = 60  # smaller corrections of a known clock are not journaled
_NET_POLL_MS = 60000  # how often the network side looks for registration or a NITZ report
_NET_EVERY_MS = 6 * 3600 * 1000  # the module's clock is asked again after this long


class WallClock:
    def __init__(self, hw, journal, on_known=None):
        self.hw = hw
        self.journal = journal
        self.on_known = on_known
        self.rules = None  # core/clock.py's Clock, loaded with the first reading (boot heap)
        self.known = hw.epoch_s() is not None
        self.boot_ticks = hw.ticks_ms()
        self._gnss_at = None

    def offer(self, source, epoch):
        """Offer a reading (Unix epoch seconds or None); returns the rules' verdict."""
        if epoch is None:
            return None
        from core.clock import SOURCES, Clock

        if self.rules is None:
            self.rules = Clock()
        current = self.hw.epoch_s()
        verdict, value = self.rules.offer(source, epoch, current)
        if value is None:
            return verdict
        setter = getattr(self.hw, "set_epoch_s", None)
        if setter is None:
            return verdict
        setter(value)
        if current is None or not self.known:
            self.known = True
            self.journal.time_known(value, SOURCES[source])
            if self.on_known is not None:
                up_s = self.journal.uptime_ms() // 1000
                self.on_known(value - up_s)
        elif not -_STEP_JOURNAL_S < value - current < _STEP_JOURNAL_S:
            self.journal.append("clock_step", {"src": SOURCES[source],
                                               "by_s": value - current}, value)
        return verdict

    def gnss_fix(self, fix, now_ms):
        """A valid fix (gps/nmea.Fix): its RMC date and time, at most every 10 minutes once
        the clock is known."""
        if fix.date is None:
            return None
        if self.known and self._gnss_at is not None and \
                0 <= ticks_diff(now_ms, self._gnss_at) < _GNSS_EVERY_MS:
            return None
        self._gnss_at = now_ms
        from core.clock import GNSS, rmc_epoch

        return self.offer(GNSS, rmc_epoch(fix.date, fix.time_s))

    def network_line(self, line):
        """A `+CCLK:` answer or `+CTZE:` report from the modem."""
        from core.clock import NETWORK, network_epoch

        return self.offer(NETWORK, network_epoch(line))

    async def network_loop(self, modem, alive=None):
        """The network's time: the module's clock (AT+CCLK?) once registered and every 6 h,
        and a NITZ report (+CTZE) when the module sends one. Never queries an unregistered
        modem (the modem's own service does the registration checks)."""
        asked = None
        while True:
            now = self.hw.ticks_ms()
            if alive is not None:
                alive["clock"] = now
            line = modem.nitz
            if line is not None:
                modem.nitz = None
                self.network_line(line)
            if modem.health.get("registered") and (
                    asked is None or ticks_diff(now, asked) >= _NET_EVERY_MS):
                line = await modem.network_time()
                if line is not None:
                    asked = now
                    self.network_line(line)
            await sleep_ms(_NET_POLL_MS)
