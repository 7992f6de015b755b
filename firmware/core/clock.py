"""The wall clock's rules: which time reading to believe, and civil dates as epoch seconds.

Pure (no I/O, no ticks): the shell (wallclock.py) reads the board's RTC, asks `Clock.offer`
whether a reading from a source should set it, and writes the RTC when told to. Times are Unix
epoch seconds (UTC) everywhere, whatever epoch the port's `time` module uses.

Order of trust: GNSS (the RMC sentence's UTC date and time, only from a valid fix) over the
network (the modem's `+CCLK` clock after registration, or a NITZ `+CTZE` report) over nothing.
Sanity window: a reading before the firmware's build year, or 40 years after it, is dropped.
A reading from a less trusted source is ignored while the more trusted one set the clock
within the last `HOLD_S`. A step backwards by more than `MAX_BACK_S` is held until a second,
different source agrees with it within `AGREE_S` (a single bad reading must not move the
journal or a time-out's downtime backwards); any other step is taken.
"""

from compat import const

BUILD_YEAR = const(2026)  # no reading before 1 January of this year is believed
NONE = const(0)
NETWORK = const(1)
GNSS = const(2)
SOURCES = ("none", "network", "gnss")
MAX_BACK_S = const(300)
AGREE_S = const(120)
HOLD_S = const(6 * 3600)
SAME_S = const(2)  # closer than this, the clock is right: nothing is written


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (exact for any year >= 1)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil(epoch):
    """(year, month, day, hour, minute, second, weekday 0=Monday) of Unix epoch seconds."""
    days, rem = divmod(epoch, 86400)
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (m <= 2)
    return y, m, d, rem // 3600, (rem // 60) % 60, rem % 60, (days + 3) % 7


def epoch_of(y, mo, d, h, mi, s):
    """Unix epoch seconds of a UTC civil time, or None when a field is out of range."""
    if not (1 <= mo <= 12 and 1 <= d <= 31 and 0 <= h <= 23 and 0 <= mi <= 59 and 0 <= s <= 60):
        return None
    days = days_from_civil(y, mo, d)
    if civil(days * 86400)[2] != d:  # 31 April, 30 February
        return None
    return days * 86400 + h * 3600 + mi * 60 + s


MIN_EPOCH = days_from_civil(BUILD_YEAR, 1, 1) * 86400
# 40 years on: a modem's unset clock reads "70/01/01" or "80/01/06", i.e. 2070 or 2080 here.
MAX_EPOCH = days_from_civil(BUILD_YEAR + 40, 1, 1) * 86400


def _num(text, a, b):
    part = text[a:b]
    if len(part) != b - a or not part.isdigit():
        raise ValueError
    return int(part)


def rmc_epoch(date, time_s):
    """Epoch seconds of an RMC date field ('ddmmyy', bytes or str) and seconds of the UTC day,
    or None when either is missing or malformed. Two-digit years are 2000-2099."""
    if not date or time_s is None:
        return None
    if isinstance(date, (bytes, bytearray, memoryview)):
        date = bytes(date).decode()
    try:
        if len(date) != 6:
            return None
        day = epoch_of(2000 + _num(date, 4, 6), _num(date, 2, 4), _num(date, 0, 2), 0, 0, 0)
    except (ValueError, UnicodeError):
        return None
    if day is None or not 0 <= time_s < 86401:
        return None
    return day + time_s


def _local_to_utc(y, mo, d, h, mi, s, tz):
    local = epoch_of(y, mo, d, h, mi, s)
    if local is None or not -96 <= tz <= 96:
        return None
    return local - tz * 900  # tz: the local time's offset from UTC in quarters of an hour


def network_epoch(line):
    """Epoch seconds (UTC) of the modem's time reports, or None when malformed:

    `+CCLK: "yy/MM/dd,hh:mm:ss±zz"` (3GPP 27.007 8.15; zz in quarters of an hour, absent zone
    read as UTC) and the NITZ report `+CTZE: "±zz",dst,"yyyy/MM/dd,hh:mm:ss"` (27.007 8.41,
    local time; the A76XX and SIM7600 send it with AT+CTZR=2). `+CTZV: ±zz` carries no time."""
    try:
        if line.startswith("+CCLK:"):
            q = line.index('"')
            text = line[q + 1:line.index('"', q + 1)]
            tz = 0
            if len(text) == 20:
                tz = (-1 if text[17] == "-" else 1) * _num(text, 18, 20)
                if text[17] not in "+-":
                    return None
            elif len(text) != 17:
                return None
            if text[2] != "/" or text[5] != "/" or text[8] != "," or text[11] != ":" or \
                    text[14] != ":":
                return None
            return _local_to_utc(2000 + _num(text, 0, 2), _num(text, 3, 5), _num(text, 6, 8),
                                 _num(text, 9, 11), _num(text, 12, 14), _num(text, 15, 17), tz)
        if line.startswith("+CTZE:"):
            parts = line[6:].strip().split(",")
            if len(parts) != 4:
                return None
            zone = parts[0].strip('"')
            if len(zone) != 3 or zone[0] not in "+-":
                return None
            tz = (-1 if zone[0] == "-" else 1) * _num(zone, 1, 3)
            day, clock = parts[2].strip('"'), parts[3].strip('"')
            if len(day) != 10 or len(clock) != 8 or day[4] != "/" or day[7] != "/" or \
                    clock[2] != ":" or clock[5] != ":":
                return None
            return _local_to_utc(_num(day, 0, 4), _num(day, 5, 7), _num(day, 8, 10),
                                 _num(clock, 0, 2), _num(clock, 3, 5), _num(clock, 6, 8), tz)
    except ValueError:
        return None
    return None


class Clock:
    """What the wall clock believes: which source set it, and when (in its own time).

    `offer(source, epoch, current)` with `current` the RTC's reading (None while unknown)
    returns (verdict, epoch to write or None). Verdicts: "set" (write it), "same" (close enough,
    nothing to write), "window" (outside the sanity window), "trust" (a less trusted source
    while a better one is fresh), "held" (a backwards step waiting for a second source)."""

    def __init__(self):
        self.source = NONE
        self.set_at = None  # epoch of the last reading taken from self.source
        self.pending = None  # (source, offset s) of a backwards step not yet confirmed
        self.counts = {"set": 0, "same": 0, "window": 0, "trust": 0, "held": 0}

    def _verdict(self, verdict, epoch=None):
        self.counts[verdict] += 1
        return verdict, epoch

    def offer(self, source, epoch, current):
        if not isinstance(epoch, int) or not MIN_EPOCH <= epoch < MAX_EPOCH:
            return self._verdict("window")
        if current is None:
            return self._take(source, epoch, current)
        offset = epoch - current
        if -SAME_S < offset < SAME_S:
            if source >= self.source:
                self.source, self.set_at = source, current
            self.pending = None
            return self._verdict("same")
        if self.source == NONE:  # the RTC kept a time no source confirmed: any reading wins
            return self._take(source, epoch, current)
        if source < self.source and self.set_at is not None and \
                current - self.set_at < HOLD_S:
            return self._verdict("trust")
        if offset < -MAX_BACK_S:
            pend = self.pending
            if pend is None or pend[0] == source or abs(pend[1] - offset) > AGREE_S:
                self.pending = (source, offset)
                return self._verdict("held")
        return self._take(source, epoch, current)

    def _take(self, source, epoch, current):
        self.source = source
        self.set_at = epoch
        self.pending = None
        return self._verdict("set", epoch)
