"""Boots a real board's whole firmware (app.start, as main.py does) under micropython on the
fake machine and bluetooth modules (tests/fake_hw), from the board's .mpy device tree: a
provisioned config in STORAGE_DIR, one scripted press of the button at 1.5 s, RUN_MS in all.
Prints one JSON line: the journal, the LED colours and motor pattern written, the heap, the
CPU clock. With CALL, a fake module answers on the modem's UART (fake_hw/fake_modem.py) and a
triple press after the time-out asks for help, so the device texts and calls its first contact:
the heap's peak in use meanwhile (after a collection, every 100 ms) is reported too.
Usage: micropython real_boot_mpy.py STORAGE_DIR RUN_MS [CALL]"""

import gc
import json
import sys

import bluetooth
import fake_modem
import machine
import neopixel

gc.collect()
# The harness: this script's own code, the fake machine, bluetooth, neopixel and modem (C modules
# or a real module on the device, costing no heap there) and, run from rom_boot_mpy.py, the
# image. Whatever the firmware takes comes on top.
HARNESS = gc.mem_alloc()

import app  # noqa: E402
import board  # noqa: E402
from compat import sleep_ms  # noqa: E402

STORAGE = sys.argv[1]
RUN_MS = int(sys.argv[2])
CALL = len(sys.argv) > 3 and sys.argv[3] == "CALL"
machine.I2S.SLOTS = [((i * 2654435761) % 2001 - 1000) << 8 for i in range(64)]  # a quiet room
REPORT = {"heap_harness": HARNESS}


class Scripted(board.Board):
    STORAGE_DIR = STORAGE

    def console(self):
        return None  # the unix port's stdin is the test's pipe, not a USB console

    def until_stop(self):
        return self._script()

    async def _press(self, times=1):
        pin = self.PINS["button"]
        for _ in range(times):
            machine.set_level(pin, 0)  # pressed (to GND), the pin interrupt wakes the button
            await sleep_ms(150)
            machine.set_level(pin, 1)
            await sleep_ms(150)

    async def _call(self, modem):
        await self._press(3)  # help: the first contact is texted and called
        peak = 0
        for _ in range((RUN_MS - 5000) // 100):
            await sleep_ms(100)
            gc.collect()
            peak = max(peak, gc.mem_alloc())
        if modem is not None:
            REPORT["heap_call_peak"] = peak
            REPORT["modem"] = {"texts": modem.texts, "calls": modem.calls}

    async def _script(self):
        modem = None
        if CALL and self.modem_uart() is not None:
            import asyncio

            modem = fake_modem.FakeModem(machine.UARTS[self.MODEM_UART])
            asyncio.create_task(modem.run())
        await sleep_ms(1500)
        gc.collect()
        REPORT["heap_booted"] = gc.mem_alloc()
        await self._press()
        await sleep_ms(700)
        gc.collect()  # two seconds of the running time-out, every allocation counted
        gc.disable()
        before = gc.mem_alloc()
        await sleep_ms(2000)
        REPORT["alloc_2s"] = gc.mem_alloc() - before
        gc.enable()
        if CALL:
            await self._call(modem)
        else:
            await sleep_ms(RUN_MS - 4500)
        gc.collect()
        REPORT["heap_running"] = gc.mem_alloc()
        spk = self.speaker()
        if spk is not None:
            REPORT["speaker"] = {"played": spk.played, "missing": spk.missing}
        REPORT["heap_free"] = gc.mem_free()


app.start(Scripted())
motor = Scripted.PINS.get("motor")
from store.journal import Journal  # noqa: E402

journal = list(Journal(STORAGE, Scripted.JOURNAL_BYTES).entries())
REPORT.update({
    "journal": [e.get("cat") for e in journal],
    "faults": [e for e in journal if e.get("cat") == "fault"],
    "led": [list(c) for c in neopixel.WRITTEN],
    "motor": machine.PWMS[motor].history if motor in machine.PWMS else None,
    "cpu_hz": machine.freq(),
    "ble": sorted(set(name for name, _ in bluetooth.CALLS)),
    "spoken_bytes": machine.I2S.WRITTEN_BYTES[0],
})
print(json.dumps(REPORT))
