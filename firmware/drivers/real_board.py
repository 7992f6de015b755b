"""The building blocks of a real board: one mixin per part, composed by boards/<name>/board.py
with RealBoard (drivers/board_base.py's interface on the ESP32's own clock, RTC, storage,
button, feedback, BLE and watchdog) last.

Each mixin reads its pins from the board's PINS dict and constructs its driver once, on first
use. Must not hold pin numbers itself: those belong to boards/<name>/.
"""

from compat import ticks_ms
from drivers.board_base import BoardBase


class _Parts:
    """The pins and the drivers built so far: what every part mixin works with."""

    PINS = {}  # type: dict
    STORAGE_DIR = "/data"  # config, session state, journal, prompts (littlefs on the flash)

    def __init__(self):
        self._parts = {}

    def _part(self, name, make):
        part = self._parts.get(name)
        if part is None:
            part = make()
            self._parts[name] = part
        return part

    def _pin_out(self, key, value=0):
        from machine import Pin

        return Pin(self.PINS[key], Pin.OUT, value=value)


class RealBoard(_Parts, BoardBase):
    """Every real board: clock, RTC, reset cause, storage, button, feedback, BLE, watchdog.

    A board lists its part mixins first and RealBoard last: `class Board(MicMixin, RealBoard)`.
    MicroPython looks methods up depth-first, not in Python's C3 order, so the interface's
    "absent" defaults must come after every part."""

    WDT_TIMEOUT_MS = 30000
    # The journal's ring on the flash: 128 KB of the 2 MB littlefs partition a 4 MB board has
    # (weeks of use, `make bench`); the boot scan reads it all, so bigger boots slower.
    JOURNAL_BYTES = 131072
    # The CPU clock: 80 MHz, the lowest the ESP32 keeps BLE at, saves about 10 mA against
    # MicroPython's default 160 (datasheet, docs/boards.md power model); the detector needs a
    # few per cent of it (make bench). 0: MicroPython's default (a mains-powered board).
    CPU_HZ = 80000000

    def power_setup(self):
        if self.CPU_HZ:
            import machine

            machine.freq(self.CPU_HZ)

    def ticks_ms(self):
        return ticks_ms()

    def epoch_s(self):
        from drivers.system import epoch_s

        return epoch_s()

    def set_epoch_s(self, epoch):
        from drivers.system import set_epoch_s

        set_epoch_s(epoch)

    def reset_cause(self):
        from drivers.system import reset_cause

        return reset_cause()

    def storage_dir(self):
        import os

        try:
            os.mkdir(self.STORAGE_DIR)
        except OSError:
            pass  # already there
        return self.STORAGE_DIR

    def button(self):
        def make():
            from machine import Pin

            from drivers.button import PolledButton

            return PolledButton(Pin(self.PINS["button"], Pin.IN, Pin.PULL_UP), active_low=True,
                                irq=True)

        return self._part("button", make)

    def feedback(self):
        return self._part("feedback", self._make_feedback)

    def _make_feedback(self):
        from machine import Pin

        from drivers.feedback import Feedback
        from drivers.outputs import NeoPixelLed, PwmBuzzer, PwmMotor, PwmRgbLed

        pins = self.PINS
        led = None  # type: object
        if "neopixel" in pins:
            led = NeoPixelLed(Pin(pins["neopixel"], Pin.OUT))
        elif "led_rgb" in pins:
            led = PwmRgbLed([Pin(p, Pin.OUT) for p in pins["led_rgb"]])
        motor = PwmMotor(Pin(pins["motor"], Pin.OUT)) if "motor" in pins else None
        buzzer = PwmBuzzer(Pin(pins["buzzer"], Pin.OUT)) if "buzzer" in pins else None
        return Feedback(led, motor, buzzer)

    def ble(self):
        import bluetooth

        return bluetooth.BLE()

    def watchdog(self):
        def make():
            from drivers.system import watchdog

            return watchdog(self.WDT_TIMEOUT_MS)

        return self._part("watchdog", make)

    def console(self):
        from drivers.console import StdinConsole

        return self._part("console", StdinConsole)

    def console_lease(self, ms):
        wdt = self._parts.get("watchdog")
        if wdt is None:
            return
        from machine import Timer

        left = [ms // 5000]

        def feed(timer):
            if left[0] > 0:
                left[0] -= 1
                wdt.feed()
            else:
                timer.deinit()

        Timer(0, period=5000, callback=feed)


class MicMixin(_Parts):
    """An INMP441 (or another I2S MEMS mic): PINS mic_sck, mic_ws, mic_sd; MIC_SENSITIVITY."""

    MIC_SENSITIVITY_DBFS = -26
    MIC_RATE = 16000

    def microphone(self):
        def make():
            from machine import Pin

            from drivers.i2s_mic import I2sMic

            p = self.PINS
            return I2sMic(Pin(p["mic_sck"]), Pin(p["mic_ws"]), Pin(p["mic_sd"]), 0,
                          self.MIC_RATE, self.MIC_SENSITIVITY_DBFS)

        return self._part("mic", make)


class SpeakerMixin(_Parts):
    """A MAX98357A-class I2S amplifier and speaker on I2S 1 (the microphone has I2S 0):
    PINS amp_bclk, amp_lrc, amp_din. Plays the prompts rendered at provisioning
    (drivers/speaker.py), from the storage folder's prompts/ (written by `timeout-care write
    --prompts`, removed with the couple's other data by a wipe)."""

    def speaker(self):
        def make():
            from machine import I2S, Pin

            from drivers.speaker import RATE, Speaker

            p = self.PINS
            i2s = I2S(1, sck=Pin(p["amp_bclk"]), ws=Pin(p["amp_lrc"]), sd=Pin(p["amp_din"]),
                      mode=I2S.TX, bits=16, format=I2S.MONO, rate=RATE, ibuf=4096)
            return Speaker(i2s, self.STORAGE_DIR + "/prompts")

        return self._part("speaker", make)


class GnssMixin(_Parts):
    """A u-blox receiver on a UART: PINS gnss_tx (ESP32 -> receiver), gnss_rx; GNSS_UART."""

    GNSS_UART = 2
    GNSS_BAUD = 9600

    def gnss(self):
        def make():
            from drivers.gnss import UbloxGnss
            from drivers.uart_stream import ChunkReader, open_uart

            p = self.PINS
            uart = open_uart(self.GNSS_UART, p["gnss_tx"], p["gnss_rx"], self.GNSS_BAUD)
            return UbloxGnss(ChunkReader(uart))

        return self._part("gnss", make)


class ModemMixin(_Parts):
    """A SIMCom module on a UART: PINS modem_tx, modem_rx, modem_pwrkey (+ modem_enable).
    MODEM_PROFILE names its entry in modem/profiles.py."""

    MODEM_UART = 1
    MODEM_BAUD = 115200
    MODEM_PROFILE = "a7670e"
    PWRKEY_PULSE_MS = 100
    PWRKEY_ACTIVE_HIGH = True

    def modem_uart(self):
        def make():
            from drivers.uart_stream import open_uart, streams

            p = self.PINS
            return streams(open_uart(self.MODEM_UART, p["modem_tx"], p["modem_rx"],
                                     self.MODEM_BAUD))

        return self._part("modem_uart", make)

    def modem_dtr(self):
        """The module's DTR line (PINS modem_dtr), low (awake) at first: the AT engine raises
        it between commands so that the module sleeps (AT+CSCLK=1). None: not wired."""
        if "modem_dtr" not in self.PINS:
            return None
        return self._part("modem_dtr", lambda: self._pin_out("modem_dtr", 0)).value

    async def modem_power_on(self):
        from drivers import power_key

        pins = {"pwrkey": self._pin_out("modem_pwrkey", 0 if self.PWRKEY_ACTIVE_HIGH else 1)}
        if "modem_enable" in self.PINS:
            pins["enable"] = self._pin_out("modem_enable", 0)
        steps = power_key.sequence(self.PWRKEY_PULSE_MS, self.PWRKEY_ACTIVE_HIGH,
                                   "enable" in pins)
        await power_key.run(steps, pins)


class BatteryMixin(_Parts):
    """Battery voltage on an ADC1 pin behind a divider: PINS battery_adc; BATTERY_DIVIDER."""

    BATTERY_DIVIDER = (2, 1)  # (num, den): two equal resistors halve the voltage

    def battery_mv(self):
        def make():
            from machine import Pin

            from drivers.system import Battery

            return Battery(Pin(self.PINS["battery_adc"]), self.BATTERY_DIVIDER[0],
                           self.BATTERY_DIVIDER[1])

        return self._part("battery", make).mv()
