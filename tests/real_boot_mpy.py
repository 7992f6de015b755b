"""Boots a real board's whole firmware (app.start, as main.py does) under micropython on the
fake machine and bluetooth modules (tests/fake_hw), from the board's .mpy device tree: a
provisioned config in STORAGE_DIR, one scripted press of the button at 1.5 s, RUN_MS in all.
Prints one JSON line: the journal, the LED colours and motor pattern written, the heap, the
CPU clock. Usage: micropython real_boot_mpy.py STORAGE_DIR RUN_MS"""

import gc
import json
import sys

import bluetooth
import machine
import neopixel

import app
import board
from compat import sleep_ms

STORAGE = sys.argv[1]
RUN_MS = int(sys.argv[2])
machine.I2S.SLOTS = [((i * 2654435761) % 2001 - 1000) << 8 for i in range(64)]  # a quiet room
REPORT = {}


class Scripted(board.Board):
    STORAGE_DIR = STORAGE

    def console(self):
        return None  # the unix port's stdin is the test's pipe, not a USB console

    def until_stop(self):
        return self._script()

    async def _script(self):
        await sleep_ms(1500)
        gc.collect()
        REPORT["heap_booted"] = gc.mem_alloc()
        pin = self.PINS["button"]
        machine.set_level(pin, 0)  # pressed (to GND), the pin interrupt wakes the button
        await sleep_ms(150)
        machine.set_level(pin, 1)
        await sleep_ms(850)
        gc.collect()  # two seconds of the running time-out, every allocation counted
        gc.disable()
        before = gc.mem_alloc()
        await sleep_ms(2000)
        REPORT["alloc_2s"] = gc.mem_alloc() - before
        gc.enable()
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
