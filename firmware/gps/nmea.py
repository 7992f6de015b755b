"""Incremental NMEA 0183 parser: raw UART bytes in, one merged position fix per epoch out.

Pure: no I/O, no clock, no floats (coordinates are integers in 1e-7 degree, HDOP x100).
It must never raise on input bytes: garbage, binary protocol frames, overlong or truncated lines
and bad checksums are skipped and counted in `stats`, with a fixed-size line buffer.

An epoch is the set of sentences with the same UTC time (RMC, GGA, GLL, GNS carry it; GSA,
which has none, joins the current epoch). The epoch is closed, and its fix queued when valid,
as soon as a sentence of the next epoch arrives, or when the shell calls `flush()` (end of a
file, or the UART idle for a while). At 1 Hz that is at most one second of latency.
"""

from compat import const

_MAX_LINE = const(120)  # NMEA says 82; some receivers send longer proprietary lines
_MAX_QUEUE = const(4)  # fixes waiting for the shell; the oldest is dropped beyond this
_DOLLAR = const(0x24)
_CR = const(0x0D)
_LF = const(0x0A)
_STAR = const(0x2A)

TALKERS = (b"GP", b"GN", b"GL", b"GA", b"GB", b"BD", b"QZ")

# stats keys, in the order the summary prints them
STAT_KEYS = (
    "sentences",  # well-formed sentences with a good checksum
    "rejected",  # everything below that made a line unusable, summed
    "bad_checksum",
    "no_checksum",
    "overlong",
    "truncated",  # a new '$' before the end of the previous line
    "bad_char",  # control or 8-bit byte inside a line
    "bad_field",  # checksum fine, but a field is malformed or out of range
    "garbage_bytes",  # bytes outside any line (binary protocols, noise)
    "ignored",  # good sentences of types or talkers we do not use (GSV, VTG, TXT, ...)
    "epochs",
    "fixes",  # valid fixes queued
    "no_fix",  # epochs with a position sentence but no valid fix
    "dropped",  # fixes dropped because the shell did not pop them in time
)


class Fix:
    """One epoch's position. lat/lon in 1e-7 degree; hdop x100; time_s seconds of the UTC day."""

    def __init__(self):
        self.lat = 0
        self.lon = 0
        self.mode = None  # 2 = 2D, 3 = 3D (gpsd's TPV mode)
        self.quality = None  # GGA fix quality (1 GPS, 2 DGPS, 4/5 RTK, ...)
        self.hdop = None  # HDOP x100
        self.sats = None  # satellites used
        self.time_s = None  # seconds of the UTC day
        self.time_ms = None  # milliseconds part of the UTC time
        self.date = None  # RMC's UTC date 'ddmmyy' (bytes), None when no RMC in the epoch

    def time_str(self):
        if self.time_s is None:
            return None
        t = self.time_s
        return "%02d:%02d:%02d" % (t // 3600, (t // 60) % 60, t % 60)

    def to_dict(self):
        """Integers only, so that CPython and MicroPython print the same thing."""
        return {"lat_e7": self.lat, "lon_e7": self.lon, "fix": self.mode,
                "quality": self.quality, "hdop_x100": self.hdop, "sats": self.sats,
                "time": self.time_str()}


def _digits(b):
    """Unsigned decimal integer from ASCII digits only (int() accepts '+', '_', spaces)."""
    if not b:
        raise ValueError
    v = 0
    for c in b:
        if c < 0x30 or c > 0x39:
            raise ValueError
        v = v * 10 + c - 0x30
    return v


def _scaled(b, ndigits):
    """Decimal field (optionally signed) as an integer times 10**ndigits, extra digits cut."""
    neg = False
    if b and b[0] == 0x2D:
        neg = True
        b = b[1:]
    dot = b.find(b".")
    if dot < 0:
        ip, fp = b, b""
    else:
        ip, fp = b[:dot], b[dot + 1:]
    if not ip and not fp:
        raise ValueError
    v = _digits(ip) if ip else 0
    fp = fp[:ndigits]
    f = _digits(fp) if fp else 0
    v = v * 10 ** ndigits + f * 10 ** (ndigits - len(fp))
    return -v if neg else v


def _coord(b, hemi, deg_digits_max):
    """'ddmm.mmmm' (or 'dddmm.mmmm') and a hemisphere letter -> 1e-7 degree, or None."""
    if not b or not hemi:
        return None
    dot = b.find(b".")
    whole = b if dot < 0 else b[:dot]
    if len(whole) < 3 or len(whole) > deg_digits_max + 2:
        raise ValueError
    deg = _digits(whole[:-2])
    frac = b"" if dot < 0 else b[dot + 1:dot + 8]  # 7 decimals of a minute is ~2 mm
    minutes_int = _digits(whole[-2:])
    k = len(frac)
    mfix = minutes_int * 10 ** k + (_digits(frac) if k else 0)
    # minutes * 1e7 / 60 with at most ~6e8 in flight: stays a small int on the ESP32
    if minutes_int >= 60:
        raise ValueError
    v = deg * 10000000 + (mfix * 10 ** (7 - k) + 30) // 60
    if hemi in (b"S", b"W"):
        v = -v
    elif hemi not in (b"N", b"E"):
        raise ValueError
    return v


def _time(b):
    """'hhmmss(.sss)' -> (seconds of day, ms), or (None, None) when empty."""
    if not b:
        return None, None
    dot = b.find(b".")
    whole = b if dot < 0 else b[:dot]
    if len(whole) != 6:
        raise ValueError
    h = _digits(whole[0:2])
    m = _digits(whole[2:4])
    s = _digits(whole[4:6])
    if h > 23 or m > 59 or s > 60:
        raise ValueError
    ms = 0
    if dot >= 0:
        frac = b[dot + 1:dot + 4]
        if frac:
            ms = _digits(frac) * 10 ** (3 - len(frac))
    return h * 3600 + m * 60 + s, ms


def _opt_int(b):
    return _digits(b) if b else None


def _opt_x100(b):
    return _scaled(b, 2) if b else None


def _field(f, i):
    return f[i] if i < len(f) else b""


class NmeaParser:
    """Feed UART bytes with feed(); pop() queued fixes; stats counts everything dropped."""

    def __init__(self):
        self._buf = bytearray(_MAX_LINE)
        self._n = 0
        self._in_line = False
        self._queue = []
        self.stats = {}
        for k in STAT_KEYS:
            self.stats[k] = 0
        self._reset_epoch(None)
        self._epoch_open = False

    # --- bytes -> lines -------------------------------------------------------------------
    def feed(self, chunk):
        """Consume any number of bytes; return how many fixes are waiting for pop()."""
        buf = self._buf
        st = self.stats
        # The line state lives in locals for the byte loop (the hot path on the device) and
        # goes back to the object at the end; _line and _reject do not touch it.
        in_line = self._in_line
        n = self._n
        for c in chunk:
            if c == _DOLLAR:
                if in_line:
                    self._reject("truncated")
                in_line = True
                n = 0
            elif c == _CR or c == _LF:
                if in_line:
                    in_line = False
                    self._line(memoryview(buf)[:n])
            elif not in_line:
                st["garbage_bytes"] += 1
            elif c < 0x20 or c > 0x7E:
                in_line = False
                self._reject("bad_char")
                st["garbage_bytes"] += 1
            elif n >= _MAX_LINE:
                in_line = False
                self._reject("overlong")
            else:
                buf[n] = c
                n += 1
        self._in_line = in_line
        self._n = n
        return len(self._queue)

    def pop(self):
        """The oldest queued Fix, or None."""
        if self._queue:
            return self._queue.pop(0)
        return None

    def flush(self):
        """Close the open epoch (end of input or an idle UART); return fixes waiting."""
        self._close_epoch()
        return len(self._queue)

    def _reject(self, why):
        self.stats[why] += 1
        self.stats["rejected"] += 1

    def _line(self, mv):
        n = len(mv)
        star = -1
        for i in range(n - 1, -1, -1):
            if mv[i] == _STAR:
                star = i
                break
        if star < 0:
            self._reject("no_checksum")
            return
        if n - star != 3:
            self._reject("bad_checksum")
            return
        try:
            want = _hex2(mv[star + 1], mv[star + 2])
        except ValueError:
            self._reject("bad_checksum")
            return
        x = 0
        for i in range(star):
            x ^= mv[i]
        if x != want:
            self._reject("bad_checksum")
            return
        self.stats["sentences"] += 1
        fields = bytes(mv[:star]).split(b",")
        head = fields[0]
        if len(head) != 5 or head[:2] not in TALKERS:
            self.stats["ignored"] += 1
            return
        kind = head[2:]
        try:
            if kind == b"RMC":
                self._rmc(fields)
            elif kind == b"GGA":
                self._gga(fields, head[:2])
            elif kind == b"GLL":
                self._gll(fields)
            elif kind == b"GNS":
                self._gns(fields)
            elif kind == b"GSA":
                self._gsa(fields)
            else:
                self.stats["ignored"] += 1
        except (ValueError, IndexError):
            # a receiver sending nonsense with a good checksum: distrust its whole epoch
            if self._epoch_open:
                self._invalid = True
            self._reject("bad_field")

    # --- sentences -> epoch ---------------------------------------------------------------
    def _reset_epoch(self, t):
        self._t = t
        self._t_ms = None
        self._lat = None
        self._lon = None
        self._valid = False  # some sentence of this epoch says the position is good
        self._invalid = False  # some sentence says it is not
        self._mode = None
        self._gsa_mode = None
        self._quality = None
        self._hdop = None
        self._gsa_hdop = None
        self._sats = None
        self._gga_talker = None
        self._gns_sats = False
        self._date = None

    def _enter(self, t, ms):
        """A timed sentence arrived: start a new epoch if its time differs."""
        if self._epoch_open and t == self._t and (ms == self._t_ms or ms is None):
            return
        self._close_epoch()
        self._reset_epoch(t)
        self._t_ms = ms
        self._epoch_open = True

    def _position(self, lat, lon, ok):
        if lat is None or lon is None:
            if ok:
                self._invalid = True  # "valid" with no position is not a fix
            return
        if lat < -900000000 or lat > 900000000 or lon < -1800000000 or lon > 1800000000:
            raise ValueError
        self._lat = lat
        self._lon = lon
        if ok:
            self._valid = True
        else:
            self._invalid = True

    def _rmc(self, f):
        # $xxRMC,time,status,lat,N,lon,E,speed,course,date,magvar,E,mode(,navstatus)
        t, ms = _time(_field(f, 1))
        self._enter(t, ms)
        status = _field(f, 2)
        lat = _coord(_field(f, 3), _field(f, 4), 2)
        lon = _coord(_field(f, 5), _field(f, 6), 3)
        mode = _field(f, 12)
        ok = status == b"A" and mode != b"N" and mode != b"E"
        if status not in (b"A", b"V"):
            raise ValueError
        date = _field(f, 9)
        if len(date) == 6 and _digits(date) >= 0:
            self._date = bytes(date)
        self._position(lat, lon, ok)

    def _gga(self, f, talker):
        # $xxGGA,time,lat,N,lon,E,quality,sats,hdop,alt,M,sep,M,age,station
        t, ms = _time(_field(f, 1))
        self._enter(t, ms)
        lat = _coord(_field(f, 2), _field(f, 3), 2)
        lon = _coord(_field(f, 4), _field(f, 5), 3)
        q = _opt_int(_field(f, 6))
        sats = _opt_int(_field(f, 7))
        hdop = _opt_x100(_field(f, 8))
        has_alt = len(_field(f, 9)) > 0
        ok = q is not None and q > 0 and q != 6  # 6 = dead reckoning: not a measurement
        self._position(lat, lon, ok)
        if q is not None:
            self._quality = q
        if sats is not None and not self._gns_sats:
            # one GGA per constellation (GP + GL) in the same epoch: their satellites add up
            if self._gga_talker is not None and talker != self._gga_talker and self._sats:
                sats += self._sats
            self._sats = sats
            self._gga_talker = talker
        if hdop is not None:
            self._hdop = hdop
        if ok and self._mode is None:
            self._mode = 3 if has_alt else 2

    def _gll(self, f):
        # $xxGLL,lat,N,lon,E,time,status(,mode)
        t, ms = _time(_field(f, 5))
        self._enter(t, ms)
        lat = _coord(_field(f, 1), _field(f, 2), 2)
        lon = _coord(_field(f, 3), _field(f, 4), 3)
        status = _field(f, 6)
        mode = _field(f, 7)
        if status not in (b"A", b"V"):
            raise ValueError
        ok = status == b"A" and mode != b"N" and mode != b"E"
        self._position(lat, lon, ok)

    def _gns(self, f):
        # $xxGNS,time,lat,N,lon,E,modes,sats,hdop,alt,sep,age,station(,navstatus)
        t, ms = _time(_field(f, 1))
        self._enter(t, ms)
        lat = _coord(_field(f, 2), _field(f, 3), 2)
        lon = _coord(_field(f, 4), _field(f, 5), 3)
        modes = _field(f, 6)
        sats = _opt_int(_field(f, 7))
        hdop = _opt_x100(_field(f, 8))
        ok = False
        for c in modes:
            if c in b"ADPRF":  # autonomous, differential, precise, RTK, float RTK
                ok = True
            elif c not in b"NSEM":  # none, simulated, estimated, manual: not a measurement
                raise ValueError
        self._position(lat, lon, ok)
        if sats is not None:
            self._sats = sats  # GNS counts every constellation used
            self._gns_sats = True
        if hdop is not None and self._hdop is None:
            self._hdop = hdop

    def _gsa(self, f):
        # $xxGSA,A/M,mode,sv*12,pdop,hdop,vdop(,system)
        mode = _opt_int(_field(f, 2))
        if mode is None or mode < 1 or mode > 3:
            raise ValueError
        hdop = _opt_x100(_field(f, 16))
        if not self._epoch_open:
            return  # no timed sentence yet: nothing to attach it to
        if mode == 1:
            self._invalid = True
        elif self._gsa_mode is None or mode > self._gsa_mode:
            self._gsa_mode = mode
        if hdop is not None and self._gsa_hdop is None:
            self._gsa_hdop = hdop

    def _close_epoch(self):
        if not self._epoch_open:
            return
        self._epoch_open = False
        st = self.stats
        st["epochs"] += 1
        if self._lat is None:
            return
        if not self._valid or self._invalid or (self._lat == 0 and self._lon == 0):
            st["no_fix"] += 1
            return
        fx = Fix()
        fx.lat = self._lat
        fx.lon = self._lon
        fx.mode = self._gsa_mode if self._gsa_mode is not None else self._mode
        if fx.mode is None:
            fx.mode = 2
        fx.quality = self._quality
        fx.hdop = self._hdop if self._hdop is not None else self._gsa_hdop
        fx.sats = self._sats
        fx.time_s = self._t
        fx.time_ms = self._t_ms
        fx.date = self._date
        if len(self._queue) >= _MAX_QUEUE:
            self._queue.pop(0)
            st["dropped"] += 1
        self._queue.append(fx)
        st["fixes"] += 1


def _hex2(a, b):
    return (_hexval(a) << 4) | _hexval(b)


def _hexval(c):
    if 0x30 <= c <= 0x39:
        return c - 0x30
    if 0x41 <= c <= 0x46:
        return c - 0x37
    if 0x61 <= c <= 0x66:
        return c - 0x57
    raise ValueError
