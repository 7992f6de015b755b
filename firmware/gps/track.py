"""One device's position track with outlier rejection (speed gate + confirmation).

Pure: positions and times are arguments. Must not decide anything about distances between
people; it only says which fixes are believable. A fix further from the last accepted one than
max_speed * dt + slack is an outlier, unless `outlier_confirm_fixes` consecutive fixes agree
with each other away from the track, which is a real move (a car, or a long outage).
"""

from compat import ticks_diff
from gps.geo import distance_m


class Track:
    def __init__(self, p):
        self._speed = p["max_speed_mps"]
        self._slack = p["jump_slack_m"]
        self._confirm = p["outlier_confirm_fixes"]
        self.lat = None
        self.lon = None
        self.t_ms = None  # when the accepted position was measured
        self.assumed = False  # position is assumed (home), not measured
        self._cand = None  # (lat, lon, t_ms) of the latest rejected fix
        self._cand_n = 0
        self.outliers = 0

    def _plausible(self, lat0, lon0, t0, lat, lon, t):
        dt_s = ticks_diff(t, t0) / 1000
        if dt_s < 0:
            dt_s = 0
        return distance_m(lat0, lon0, lat, lon) <= self._speed * dt_s + self._slack

    def offer(self, lat, lon, t_ms):
        """Offer a measured position; True if accepted as the track's current position."""
        if self.lat is None or self.assumed or self._plausible(
                self.lat, self.lon, self.t_ms, lat, lon, t_ms):
            self._accept(lat, lon, t_ms)
            return True
        c = self._cand
        if c is not None and self._plausible(c[0], c[1], c[2], lat, lon, t_ms):
            self._cand_n += 1
        else:
            self._cand_n = 1
        self._cand = (lat, lon, t_ms)
        if self._cand_n >= self._confirm:
            self._accept(lat, lon, t_ms)
            return True
        self.outliers += 1
        return False

    def assume(self, lat, lon, t_ms):
        """Use an assumed position (home while indoors without a fix)."""
        self._accept(lat, lon, t_ms)
        self.assumed = True

    def _accept(self, lat, lon, t_ms):
        self.lat = lat
        self.lon = lon
        self.t_ms = t_ms
        self.assumed = False
        self._cand = None
        self._cand_n = 0

    def age_ms(self, now_ms):
        if self.t_ms is None:
            return None
        return ticks_diff(now_ms, self.t_ms)
