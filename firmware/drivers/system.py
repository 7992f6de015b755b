"""Reset cause, battery voltage and the watchdog from the machine module, as plain values.

Must not journal or decide: app.py journals the reset cause, the shell decides what a low
battery means. `cause_name` and `battery_mv_from_uv` are pure.
"""

# machine.reset_cause() codes on the ESP32 port. The ESP32 reports a brown-out as a power-on
# (ESP-IDF's ESP_RST_BROWNOUT maps to PWRON_RESET), so the two cannot be told apart here.
_CAUSES = {1: "power_on", 2: "hard", 3: "watchdog", 4: "deepsleep", 5: "soft"}


def cause_name(code):
    return _CAUSES.get(code, "unknown_%s" % code)


def reset_cause():
    import machine

    return cause_name(machine.reset_cause())


def battery_mv_from_uv(uv, divider_num, divider_den):
    """Battery millivolts from the ADC pin's microvolts and the divider ratio num/den."""
    return uv * divider_num // (divider_den * 1000)


class Battery:
    """ADC on a divider: `mv()` averages `samples` reads (read_uv is calibrated on the ESP32)."""

    def __init__(self, pin, divider_num=2, divider_den=1, samples=8, adc=None):
        if adc is None:
            from machine import ADC

            adc = ADC(pin, atten=ADC.ATTN_11DB)
        self.adc = adc
        self.num = divider_num
        self.den = divider_den
        self.samples = samples

    def mv(self):
        total = 0
        for _ in range(self.samples):
            total += self.adc.read_uv()
        return battery_mv_from_uv(total // self.samples, self.num, self.den)


def watchdog(timeout_ms):
    """machine.WDT: once started it cannot be stopped; only drivers/supervisor.py feeds it."""
    from machine import WDT

    return WDT(timeout=timeout_ms)


def _port_epoch():
    """Seconds from 1970 to the port's `time` epoch (2000-01-01 on older embedded ports)."""
    import time

    return 946_684_800 if time.gmtime(0)[0] == 2000 else 0


def epoch_s():
    """Unix epoch seconds from the RTC, or None while the clock was never set (the RTC starts
    at the port's epoch after power-on; anything before the build year is taken as unset)."""
    import time

    from core.clock import MIN_EPOCH

    now = int(time.time()) + _port_epoch()  # whole seconds on every port (the unix port's
    return now if now >= MIN_EPOCH else None  # time.time() is a float)


def set_epoch_s(epoch):
    """Write Unix epoch seconds (UTC) to the RTC (machine.RTC: the ESP32 keeps it in deep
    sleep and across soft resets, not across a power cut)."""
    from machine import RTC

    from core.clock import civil

    y, mo, d, h, mi, s, wd = civil(epoch)
    RTC().datetime((y, mo, d, wd, h, mi, s, 0))
