"""Rate limiter for relaying the own position to the partner device.

Pure: decides when, never sends. Must never relay outside a time-out: nothing that says
where a device is leaves it then (docs/gps.md, "What leaves the device"). During a time-out a
report goes out when the minimum spacing for the link in use has passed (BLE when near,
cellular when far) and the wearer moved relay_min_move_m, or at least every
relay_heartbeat_ms.
"""

from compat import ticks_diff
from gps.defaults import merged
from gps.geo import distance_m


class RelayLimiter:
    def __init__(self, params=None):
        self.p = merged(params)
        self._sent_ms = None
        self._lat = None
        self._lon = None
        self.sent = 0

    def due(self, now_ms, lat, lon, timeout_active, link_near=False):
        """True when a position report should be sent now (then call sent_at)."""
        if not timeout_active or lat is None:
            return False
        if self._sent_ms is None or self._lat is None:
            return True
        p = self.p
        elapsed = ticks_diff(now_ms, self._sent_ms)
        spacing = p["relay_near_interval_ms"] if link_near else p["relay_far_interval_ms"]
        if elapsed < spacing:
            return False
        if elapsed >= p["relay_heartbeat_ms"]:
            return True
        return distance_m(self._lat, self._lon, lat, lon) >= p["relay_min_move_m"]

    def sent_at(self, now_ms, lat, lon):
        self._sent_ms = now_ms
        self._lat = lat
        self._lon = lon
        self.sent += 1

    def reset(self):
        """A time-out ended: the next one starts with an immediate report."""
        self._sent_ms = None
        self._lat = None
