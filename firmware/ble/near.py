"""Is the partner near? A smoothed RSSI with hysteresis over the partner's verified adverts.

Pure: RSSI samples and time come in as arguments. With the simulator's indoor path-loss model
(-59 dBm at 1 m, exponent 2.7) the thresholds correspond to about 14 m (near) and 22 m (far).
"""

from compat import const, ticks_diff

NEAR_DBM = const(-90)  # smoothed RSSI at or above this: near
FAR_DBM = const(-95)  # smoothed RSSI below this: no longer near
STALE_MS = const(15000)  # no verified advert for this long: not near
_MIN_SAMPLES = const(2)


class NearEstimator:
    def __init__(self, near_dbm=NEAR_DBM, far_dbm=FAR_DBM, stale_ms=STALE_MS):
        self.near_dbm = near_dbm
        self.far_dbm = far_dbm
        self.stale_ms = stale_ms
        self.rssi_x4 = None  # smoothed RSSI in quarter dB (integer EWMA, alpha 1/4)
        self.samples = 0
        self._last = 0
        self._near = False

    def update(self, rssi_dbm, now_ms):
        """Feed one verified advert's RSSI (dBm) received at now_ms."""
        if self.rssi_x4 is None or ticks_diff(now_ms, self._last) > self.stale_ms:
            self.rssi_x4 = rssi_dbm * 4
            self.samples = 0
        else:
            self.rssi_x4 += (rssi_dbm * 4 - self.rssi_x4) // 4
        self.samples += 1
        self._last = now_ms
        if self.rssi_x4 >= self.near_dbm * 4 and self.samples >= _MIN_SAMPLES:
            self._near = True
        elif self.rssi_x4 < self.far_dbm * 4:
            self._near = False

    def near(self, now_ms):
        """True (near), False (heard weakly or not lately) or None (never heard)."""
        if self.rssi_x4 is None:
            return None
        if ticks_diff(now_ms, self._last) > self.stale_ms:
            return False
        return self._near

    def rssi(self, now_ms):
        """The smoothed RSSI in whole dBm, or None when never heard or stale."""
        if self.rssi_x4 is None or ticks_diff(now_ms, self._last) > self.stale_ms:
            return None
        return self.rssi_x4 // 4
