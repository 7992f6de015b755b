"""When the GNSS receiver may sleep: full power during a time-out, duty-cycled otherwise.

Pure: inputs and time are arguments; the shell sends the UBX frames from gps.ubx. Must not
switch anything itself. Full power (1 Hz fixes) while a time-out runs, while the home status is
unknown or has changed within power_home_stable_ms; otherwise on for power_duty_on_ms out of
every power_duty_period_ms (enough for a hot start and a few fixes to notice leaving home).
"""

from compat import ticks_diff
from gps.defaults import merged

FULL = "full"
DUTY_ON = "duty_on"
DUTY_OFF = "duty_off"


class GpsPower:
    def __init__(self, params=None):
        self.p = merged(params)
        self._home = None
        self._home_since = None
        self._cycle_start = None

    def mode(self, now_ms, timeout_active, at_home):
        """'full' | 'duty_on' | 'duty_off' for now_ms."""
        if at_home != self._home or self._home_since is None:
            self._home = at_home
            self._home_since = now_ms
        p = self.p
        if timeout_active or at_home is None:
            self._cycle_start = None
            return FULL
        if ticks_diff(now_ms, self._home_since) < p["power_home_stable_ms"]:
            self._cycle_start = None
            return FULL
        if self._cycle_start is None:
            self._cycle_start = now_ms
        phase = ticks_diff(now_ms, self._cycle_start) % p["power_duty_period_ms"]
        return DUTY_ON if phase < p["power_duty_on_ms"] else DUTY_OFF

    def duty_fraction_x1000(self):
        """Receiver on-time per mille when duty-cycled (for the power budget in docs)."""
        return self.p["power_duty_on_ms"] * 1000 // self.p["power_duty_period_ms"]
