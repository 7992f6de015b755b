"""The reference wearable: ESP32-WROOM DevKitC, INMP441, NEO-M8N, A7670E/SIM7600, button,
vibration motor, WS2812 LED, piezo, battery on ADC. Pins and part choices only (see README.md);
the drivers live in firmware/drivers/.
"""

from drivers.real_board import (BatteryMixin, GnssMixin, MicMixin, ModemMixin, RealBoard,
                                SpeakerMixin)


class Board(MicMixin, SpeakerMixin, GnssMixin, ModemMixin, BatteryMixin, RealBoard):
    name = "esp32_devkitc"
    kind = "wearable"
    PINS = {
        "button": 13,  # to GND, internal pull-up
        "neopixel": 18,  # WS2812B data (3.3 V logic is fine at short range)
        "motor": 23,  # gate of a logic-level N-MOSFET (AO3400) driving the motor, flyback diode
        "buzzer": 21,  # passive piezo through 100 ohm
        "mic_sck": 32,
        "mic_ws": 25,
        "mic_sd": 33,  # INMP441 L/R to GND: left slot
        "gnss_tx": 17,  # ESP32 TX -> NEO-M8N RX
        "gnss_rx": 16,  # NEO-M8N TX -> ESP32 RX
        "modem_tx": 27,  # ESP32 TX -> module RXD
        "modem_rx": 26,  # module TXD -> ESP32 RX
        "modem_pwrkey": 4,  # NPN base: high pulls PWRKEY low
        "modem_dtr": 22,  # ESP32 -> module DTR: high lets it sleep (AT+CSCLK=1)
        "battery_adc": 35,  # ADC1_CH7, 100k/100k divider from the cell
        "amp_bclk": 14,  # MAX98357A BCLK (I2S 1, the speaker)
        "amp_lrc": 5,  # MAX98357A LRC (a strapping pin, fine as an output after boot)
        "amp_din": 19,  # MAX98357A DIN; its SD pin tied high through 1M: on, left channel
    }
    MIC_SENSITIVITY_DBFS = -26  # INMP441 datasheet: -26 dBFS at 94 dB SPL
    MODEM_PROFILE = "a7670e"  # "sim7600" for a SIM7600E-H with audio
    PWRKEY_PULSE_MS = 500  # A7670E needs >= 50 ms, SIM7600 >= 500 ms: 500 serves both
    BATTERY_DIVIDER = (2, 1)
