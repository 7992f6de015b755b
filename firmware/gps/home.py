"""At-home rule: is this device home? True | False | None (unknown), with hysteresis.

Pure: fixes, the home context and time are arguments. Must not gate anything itself; the
shell combines both devices' answers with both_home() to allow or suppress detector proposals.
Home is inside radius_m of the provisioned home position; leaving needs home_leave_fixes
consecutive fixes beyond radius_m + home_hysteresis_m. Without a usable fix the device is home
when it hears its home context (the partner device connected at home), else the last decision
holds for home_hold_ms, else None.
"""

from compat import ticks_diff
from gps.defaults import merged
from gps.geo import distance_m
from gps.rules import usable


class HomeRule:
    def __init__(self, home_lat, home_lon, radius_m, params=None):
        self.p = merged(params)
        if home_lat is None or home_lon is None:
            raise ValueError("home position not provisioned")
        if not -900000000 <= home_lat <= 900000000 or not -1800000000 <= home_lon <= 1800000000:
            raise ValueError("home position out of range (1e-7 degree expected)")
        if radius_m is None or radius_m <= 0:
            raise ValueError("home radius must be > 0 m")
        self.home_lat = home_lat
        self.home_lon = home_lon
        self.radius_m = radius_m
        self._state = None
        self._in_n = 0
        self._out_n = 0
        self._fix_ms = None
        self._context = False
        self.distance = None  # last distance to home, m

    def own_fix(self, fix, now_ms):
        """A Fix from the own receiver; returns True if it was used."""
        if not usable(fix, self.p):
            return False
        p = self.p
        d = distance_m(self.home_lat, self.home_lon, fix.lat, fix.lon)
        self.distance = d
        self._fix_ms = now_ms
        if d <= self.radius_m:
            self._in_n += 1
            self._out_n = 0
            if self._state is not True and self._in_n >= p["home_enter_fixes"]:
                self._state = True
        elif d > self.radius_m + p["home_hysteresis_m"]:
            self._out_n += 1
            self._in_n = 0
            if self._state is not False and self._out_n >= p["home_leave_fixes"]:
                self._state = False
        else:
            self._in_n = 0
            self._out_n = 0
        return True

    def home_context(self, present, now_ms=None):
        """The home context (partner device connected at home) is heard, or no longer."""
        self._context = bool(present)

    def at_home(self, now_ms):
        """True | False | None (no fix for long and no home context)."""
        if self._fix_ms is not None:
            age = ticks_diff(now_ms, self._fix_ms)
            if age <= self.p["own_stale_ms"] and self._state is not None:
                return self._state
        if self._context:
            return True
        if self._fix_ms is not None and ticks_diff(now_ms, self._fix_ms) <= self.p["home_hold_ms"]:
            return self._state
        return None


def both_home(own, partner):
    """Proposals are allowed only when both devices are positively home."""
    return own is True and partner is True
