"""The cellular module's power-on sequence: an enable pin, then a PWRKEY pulse.

`sequence()` is pure (the steps as (pin_name, level, hold_ms)); `run()` plays them on pins.
Must not talk AT: the modem driver waits for the module to answer after this.
"""

from compat import sleep_ms


def sequence(pulse_ms, active_high=True, has_enable=False, settle_ms=100):
    """Steps for one power-on: enable (if any), PWRKEY idle, asserted for pulse_ms, released.
    active_high: the GPIO drives a transistor that pulls PWRKEY low (LilyGO boards)."""
    idle = 0 if active_high else 1
    out = []
    if has_enable:
        out.append(("enable", 1, settle_ms))
    out.append(("pwrkey", idle, settle_ms))
    out.append(("pwrkey", 1 - idle, pulse_ms))
    out.append(("pwrkey", idle, 0))
    return out


async def run(steps, pins):
    """Play `steps` on `pins` ({"pwrkey": Pin, "enable": Pin}); a missing pin is skipped."""
    for name, level, hold_ms in steps:
        pin = pins.get(name)
        if pin is not None:
            pin.value(level)
        if hold_ms:
            await sleep_ms(hold_ms)
