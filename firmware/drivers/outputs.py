"""LED, vibration motor and buzzer on machine.PWM / neopixel: set a level, nothing more.

Must not sleep or decide timing: drivers/feedback.py plays patterns on these.
"""

from compat import const

_U16 = const(65535)


def scale_u16(value_255, max_u16=_U16):
    """0..255 (clamped) to a PWM duty 0..max_u16."""
    v = min(max(int(value_255), 0), 255)
    return v * max_u16 // 255


class NeoPixelLed:
    """One WS2812 (or a few, all the same colour) on `pin`; brightness 0..255 scales colours
    down (a bright LED at night is not discreet)."""

    def __init__(self, pin, count=1, brightness=64):
        from neopixel import NeoPixel

        self.np = NeoPixel(pin, count)
        self.count = count
        self.brightness = brightness

    def rgb(self, r, g, b):
        k = self.brightness
        colour = (r * k // 255, g * k // 255, b * k // 255)
        for i in range(self.count):
            self.np[i] = colour
        self.np.write()


class PwmRgbLed:
    """A common-cathode (or common-anode: invert=True) RGB LED on three PWM pins."""

    def __init__(self, pins, invert=False, freq=1000, brightness=64):
        from machine import PWM

        self.pwms = [PWM(p, freq=freq, duty_u16=_U16 if invert else 0) for p in pins]
        self.invert = invert
        self.brightness = brightness

    def rgb(self, r, g, b):
        for pwm, v in zip(self.pwms, (r, g, b)):
            duty = scale_u16(v * self.brightness // 255)
            pwm.duty_u16(_U16 - duty if self.invert else duty)


class PwmMotor:
    """A vibration motor behind a transistor on a PWM pin; `strength` 0..255 when on."""

    def __init__(self, pin, freq=200, strength=200):
        from machine import PWM

        self.pwm = PWM(pin, freq=freq, duty_u16=0)
        self.strength = strength

    def on(self, on):
        self.pwm.duty_u16(scale_u16(self.strength) if on else 0)


class PwmBuzzer:
    """A passive piezo on a PWM pin: `play(hz)` (0 = silent) at half duty."""

    def __init__(self, pin, volume=128):
        from machine import PWM

        self.pwm = PWM(pin, freq=1000, duty_u16=0)
        self.volume = volume

    def play(self, hz):
        if hz <= 0:
            self.pwm.duty_u16(0)
            return
        self.pwm.freq(int(hz))
        self.pwm.duty_u16(scale_u16(self.volume) // 2)
