"""Runs under micropython (or CPython for the pure parts) with tests/fake_hw first on the path:
constructs boards/<name>/board.Board() on the fake machine module and exercises every part.
Prints one JSON object. Usage: micropython boards_mpy_check.py STORAGE_DIR"""

import asyncio
import json
import sys

import board
import machine
import neopixel

from compat import sleep_ms

# A 1 kHz-ish square-ish pattern of 24-bit samples, including the extremes and sign changes.
SAMPLES_24 = [0, 1, -1, 8388607, -8388608, 123456, -123456, 256, -256, 65535, -65536, 4660]


async def main(out):
    hw = board.Board()
    hw.STORAGE_DIR = sys.argv[1]
    pins = hw.PINS
    out["name"] = hw.name
    out["kind"] = hw.kind
    out["reset_cause"] = hw.reset_cause()
    before = machine.freq()
    hw.power_setup()  # what app.run does first
    out["cpu_hz"] = [before, machine.freq()]
    dtr = hw.modem_dtr()
    if dtr is not None:
        dtr(1)
    out["modem_dtr"] = None if dtr is None else \
        [w for w in machine.WRITES if w[0] == pins.get("modem_dtr")]
    out["storage"] = hw.storage_dir()
    # the parts this board has: the board interface answers None for the others
    out["methods"] = sorted(m for m in ("microphone", "gnss", "modem_uart", "battery_mv", "ble",
                                        "watchdog") if getattr(hw, m)() is not None)

    # button: released (pull-up high), then pressed (low)
    machine.set_level(pins["button"], 1)
    button = hw.button()
    none = await button.edge(60)
    rest = await button.edge(300)  # at rest: it sleeps until an interrupt, and times out
    polls = button.polls
    await sleep_ms(0)
    machine.set_level(pins["button"], 0)
    edge = await button.edge(200)
    out["button"] = [none, edge[0] if edge else None, button is hw.button()]
    out["button_rest"] = {"none": rest is None, "polls_at_rest": polls, "wakes": button.wakes}

    # feedback: colour at once, motor pattern plays and ends off, tone ends silent
    fb = hw.feedback()
    fb.show("t", (255, 0, 0), (60, 40, 60), "beep", "x")
    await sleep_ms(400)
    motor = machine.PWMS[pins["motor"]].history if "motor" in pins else None
    buzzer = machine.PWMS[pins["buzzer"]].history if "buzzer" in pins else None
    out["feedback"] = {"led": [list(c) for c in neopixel.WRITTEN], "motor": motor,
                       "buzzer_on": bool(buzzer) and max(buzzer) > 0,
                       "buzzer_last": buzzer[-1] if buzzer else None, "faults": fb.faults}

    if "microphone" in out["methods"]:
        machine.I2S.SLOTS = [(s << 8) for s in SAMPLES_24]
        from array import array

        mic = hw.microphone()
        buf = array("h", bytes(2 * 24))
        n = await mic.readinto(buf)
        out["mic"] = {"n": n, "samples": list(buf[:n]), "i2s": dict(machine.I2S.ARGS),
                      "sensitivity": mic.sensitivity_dbfs, "rate": mic.sample_rate}

    machine.I2S.ARGS.clear()
    spk = hw.speaker()
    out["speaker"] = None
    if spk is not None:
        amp = {pins["amp_bclk"], pins["amp_lrc"], pins["amp_din"]}
        others = {v for k, v in pins.items() if not k.startswith("amp_")}
        out["speaker"] = {"folder": spk.folder, "pins_free": not amp & others,
                          "i2s": dict(machine.I2S.ARGS)}

    if "gnss" in out["methods"]:
        gnss = hw.gnss()
        uart = machine.UARTS[hw.GNSS_UART]
        uart.feed(b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n")
        first = await gnss.read(200)
        empty = await gnss.read(50)
        gnss.power(False)
        gnss.power(False)
        uart.feed(b"$GPGGA,late*00\r\n")
        asleep = await gnss.read(50)
        sleep_frame = bytes(uart.tx)
        gnss.power(True)
        out["gnss"] = {"first": first.decode() if first else None, "empty": empty,
                       "asleep": asleep, "sleep_frame": sleep_frame.hex(),
                       "wake": bytes(uart.tx[len(sleep_frame):]).hex(),
                       "baud": uart.baudrate}

    if "modem_uart" in out["methods"]:
        machine.WRITES.clear()
        await hw.modem_power_on()
        writes = list(machine.WRITES)
        reader, writer = hw.modem_uart()
        uart = machine.UARTS[hw.MODEM_UART]
        writer.write(b"AT\r")
        await writer.drain()
        uart.feed(b"\r\nOK\r\n")
        got = await reader.read(64)
        out["modem"] = {"power": writes, "pwrkey": pins["modem_pwrkey"],
                        "enable": pins.get("modem_enable"), "sent": bytes(uart.tx).decode(),
                        "got": got.decode(), "baud": uart.baudrate, "profile": hw.MODEM_PROFILE}

    if "battery_mv" in out["methods"]:
        machine.ADC_UV[pins["battery_adc"]] = 1_950_000
        out["battery_mv"] = hw.battery_mv()

    wdt = hw.watchdog()
    wdt.feed()
    out["wdt"] = [machine.FEEDS[0], wdt is hw.watchdog()]


result = {}
asyncio.run(main(result))
print(json.dumps(result))
