"""The partners' distance rule during a time-out: 'too_close' | 'clear' | 'unknown'.

Pure: fixes, BLE reports and the time are arguments; no I/O, no clock. Must not act on its
verdict (calling contact persons is the session's job) and must never turn missing data into a
violation: no usable fix is "unknown". Hysteresis: "too close" needs `too_close_fixes`
consecutive evaluations under min_distance_m, "clear" needs `clear_fixes` over
clear_distance_m; in between the previous verdict stands. A strong BLE "near" held for
ble_near_hold_ms is "too close" whatever GPS says, until "not near" has lasted ble_release_ms;
when its reports stop instead, the distance is "unknown" (not "clear") for ble_release_ms more.
"""

from compat import ticks_add, ticks_diff
from gps.defaults import merged
from gps.geo import distance_m
from gps.track import Track

TOO_CLOSE = "too_close"
CLEAR = "clear"
UNKNOWN = "unknown"


def usable(fix, p):
    """A parser Fix good enough for the rules: HDOP and satellite gates (when reported)."""
    if fix is None:
        return False
    if fix.hdop is not None and fix.hdop > p["max_hdop_x100"]:
        return False
    if fix.sats is not None and fix.sats < p["min_sats"]:
        return False
    return True


class DistanceRule:
    def __init__(self, params=None):
        p = merged(params)
        self.p = p
        self.own = Track(p)
        self.partner = Track(p)
        self._state = UNKNOWN
        self._near_n = 0
        self._far_n = 0
        self._ble_since = None
        self._ble_last = None
        self._ble_far_since = None  # "not near" reported without a break since then
        self.distance = None  # last evaluated distance, m (float), or None
        self.evaluations = 0
        self.gated = 0  # own or partner fixes refused by the HDOP/satellite gate

    # --- inputs ------------------------------------------------------------------------------
    def own_fix(self, fix, now_ms):
        """A Fix from the own receiver (gps.nmea.Fix). Returns True if it was used."""
        if not usable(fix, self.p):
            self.gated += 1
            return False
        if not self.own.offer(fix.lat, fix.lon, now_ms):
            return False
        self._evaluate(now_ms)
        return True

    def own_assumed(self, lat, lon, now_ms):
        """No own fix, but the device knows where it is (home, heard by its home context)."""
        age = self.own.age_ms(now_ms)
        if age is not None and not self.own.assumed and age <= self.p["own_stale_ms"]:
            return False  # a fresh measured fix wins
        self.own.assume(lat, lon, now_ms)
        self._evaluate(now_ms)
        return True

    def partner_fix(self, lat, lon, hdop, age_s, now_ms):
        """A relayed partner position (1e-7 degree), its HDOP x100 (None: assumed position,
        e.g. the partner's home) and its age in seconds when it arrived."""
        if hdop is not None and hdop > self.p["max_hdop_x100"]:
            self.gated += 1
            return False
        if age_s is None or age_s < 0:
            age_s = 0
        t = ticks_add(now_ms, -int(age_s * 1000))
        if hdop is None:
            self.partner.assume(lat, lon, t)
        elif not self.partner.offer(lat, lon, t):
            return False
        self._evaluate(now_ms)
        return True

    def ble_near(self, near, now_ms):
        """The BLE link's proximity verdict (strong RSSI from the paired partner = True). A
        "near" held long enough to be "too close" is released only by "not near" reported for
        ble_release_ms; a shorter one by the first "not near"."""
        self._ble_last = now_ms
        if near:
            if self._ble_since is None:
                self._ble_since = now_ms
            self._ble_far_since = None
            return
        if self._ble_far_since is None:
            self._ble_far_since = now_ms
        if self._ble_since is None:
            return
        held = ticks_diff(now_ms, self._ble_since) >= self.p["ble_near_hold_ms"]
        if not held or ticks_diff(now_ms, self._ble_far_since) >= self.p["ble_release_ms"]:
            self._ble_since = None

    # --- verdict -----------------------------------------------------------------------------
    def _fresh(self, now_ms):
        oa = self.own.age_ms(now_ms)
        pa = self.partner.age_ms(now_ms)
        return (oa is not None and oa <= self.p["own_stale_ms"]
                and pa is not None and pa <= self.p["partner_stale_ms"])

    def _evaluate(self, now_ms):
        if not self._fresh(now_ms):
            return
        p = self.p
        d = distance_m(self.own.lat, self.own.lon, self.partner.lat, self.partner.lon)
        self.distance = d
        self.evaluations += 1
        if d < p["min_distance_m"]:
            self._near_n += 1
            self._far_n = 0
            if self._near_n >= p["too_close_fixes"]:
                self._state = TOO_CLOSE
        elif d > p["clear_distance_m"]:
            self._far_n += 1
            self._near_n = 0
            if self._far_n >= p["clear_fixes"]:
                self._state = CLEAR
        else:
            self._near_n = 0
            self._far_n = 0

    def _ble_gone_quiet(self, now_ms):
        """A "too close" by BLE whose reports stopped (stale) less than ble_release_ms ago."""
        if self._ble_since is None or self._ble_last is None:
            return False
        if ticks_diff(self._ble_last, self._ble_since) < self.p["ble_near_hold_ms"]:
            return False
        quiet = ticks_diff(now_ms, self._ble_last)
        return quiet <= self.p["ble_stale_ms"] + self.p["ble_release_ms"]

    def ble_says_near(self, now_ms):
        if self._ble_since is None or self._ble_last is None:
            return False
        if ticks_diff(now_ms, self._ble_last) > self.p["ble_stale_ms"]:
            return False
        return ticks_diff(now_ms, self._ble_since) >= self.p["ble_near_hold_ms"]

    def status(self, now_ms):
        """'too_close' | 'clear' | 'unknown' at now_ms."""
        if self.ble_says_near(now_ms):
            return TOO_CLOSE
        if self._ble_gone_quiet(now_ms):
            return UNKNOWN  # "not heard" is not "far": relayed positions cannot clear it yet
        if not self._fresh(now_ms):
            self._state = UNKNOWN
            self._near_n = 0
            self._far_n = 0
            self.distance = None
            return UNKNOWN
        return self._state
