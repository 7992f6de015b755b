"""LilyGO T-A7670E (ESP32-WROVER-B + SIMCom A7670E, VoLTE voice) with an INMP441, a u-blox
receiver, a MAX98357A and speaker added, a button, a vibration motor and a WS2812. Pins only
(see README.md).
"""

from drivers.real_board import (BatteryMixin, GnssMixin, MicMixin, ModemMixin, RealBoard,
                                SpeakerMixin)


class Board(MicMixin, SpeakerMixin, GnssMixin, ModemMixin, BatteryMixin, RealBoard):
    name = "lilygo_t_a7670e"
    kind = "wearable"
    PINS = {
        # fixed by the board
        "modem_tx": 26,  # ESP32 TX -> A7670E RXD
        "modem_rx": 27,  # A7670E TXD -> ESP32 RX
        "modem_pwrkey": 4,  # through a transistor: high pulls PWRKEY low
        "modem_enable": 12,  # POWERON: switches the module's supply (also the blue LED)
        "modem_dtr": 25,  # DTR: high lets the module sleep (AT+CSCLK=1); RI is on 33, unused
        "battery_adc": 35,  # on-board 100k/100k divider
        # added parts (free pins; leave the SD slot empty: 2, 13, 14, 15 are its pins; 5 is
        # the module's RESET and 16/17 the WROVER's PSRAM, so not those)
        "button": 32,
        "neopixel": 13,
        "amp_bclk": 14,  # MAX98357A BCLK (I2S 1, the speaker): the SD slot's SCK
        "amp_lrc": 15,  # MAX98357A LRC: the SD slot's MOSI, a strapping pin the amp leaves alone
        "amp_din": 2,  # MAX98357A DIN: the SD slot's MISO, a strapping pin (as 15); SD pin of
        # the amp to 3.3 V through 1M: on, left channel
        "motor": 23,
        "mic_sck": 18,
        "mic_ws": 19,
        "mic_sd": 34,  # input-only pin: fine for data in
        "gnss_tx": 22,
        "gnss_rx": 21,
    }
    MIC_SENSITIVITY_DBFS = -26
    MODEM_PROFILE = "a7670e"
    PWRKEY_PULSE_MS = 100  # LilyGO's own examples use 100 ms for the A7670 family
    BATTERY_DIVIDER = (2, 1)
