"""The home unit: a mains-powered ESP32 DevKitC with an INMP441, a button, an RGB LED and a
piezo, the fixed listener at home. No GNSS (it is home by definition), no battery, no modem.
"""

from drivers.real_board import MicMixin, RealBoard


class Board(MicMixin, RealBoard):
    name = "home_unit"
    CPU_HZ = 0  # mains powered: MicroPython's default clock
    kind = "home"
    PINS = {
        "button": 13,
        "neopixel": 18,
        "buzzer": 21,
        "mic_sck": 32,
        "mic_ws": 25,
        "mic_sd": 33,
    }
    MIC_SENSITIVITY_DBFS = -26
