"""Benchmarks of the whole system: simulator speed and the firmware's heap at boot.

Figures, not tests: printed by `make bench`, never asserted (the machine is shared and noisy).
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {"role": "A", "pair_secret": "dd2970e6874e9d835dc443a528a719f3",
          "contacts": [{"name": "C%d" % i, "phone": "+3161111111%d" % i} for i in range(3)]}


def bench_simulator(out=sys.stdout):
    from host_sim import scenario, vloop
    from host_sim.world import World

    out.write("\n== simulator (two devices, real firmware, virtual time)\n")
    for name in ("default", "full_day"):
        scn = scenario.load(ROOT / "scenarios" / (name + ".toml"))
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        world = World(scn, seed=scn.seed)
        try:
            timeline = vloop.run(world.run(scn.duration))
        finally:
            world.cleanup()
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        out.write("%-10s %7.0f s simulated in %5.1f s wall (%5.1f s CPU): %6.0fx real time, "
                  "%d timeline events\n" % (name, scn.duration, wall, cpu, scn.duration / cpu,
                                            len(timeline)))
        out.write("%-10s the modem slept (AT+CSCLK=1): %s\n" % ("", ", ".join(
            "%s %.1f%%" % (device, 100.0 * m.asleep_s / scn.duration)
            for device, m in sorted(world.modems.items()))))


def bench_boot_heap(out=sys.stdout):
    from tools import devtree, unix_port

    out.write("\n== firmware heap after boot and a time-out start (micropython unix port, "
              "sim board)\n")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.json"
        script.write_text(json.dumps({"folder": str(Path(tmp) / "data"), "run_ms": 2500,
                                      "config": CONFIG, "steps": [[300, "press", 80]]}))
        for layout in devtree.LAYOUTS:
            tree = devtree.build("sim", Path(tmp) / layout, "host", layout)
            for heap in (str(unix_port.MPY_WITH_BLE_BUDGET), unix_port.BOOT_HEAP):
                done = unix_port.run("-m", "main", path=tree.path(), heapsize=heap, cwd=tmp,
                                     env={"TIMEOUT_SIM_SCRIPT": str(script)}, timeout=60)
                stops = [json.loads(x)["data"] for x in done.stdout.decode().splitlines()
                         if '"stop"' in x]
                name = "%s, heap %s" % (layout, heap)
                if done.returncode != 0 or not stops:
                    last = done.stderr.decode().strip().splitlines()[-1:] or ["?"]
                    out.write("%-22s boot FAILED: %s\n" % (name, last[0]))
                    continue
                used, free = stops[0]["heap_used"], stops[0]["heap_free"]
                out.write("%-22s used %6d B, free %6d B\n" % (name, used, free))
    out.write("(%d B: what the .mpy layout may use next to the BLE link, %d KB of a 32-bit "
              "ESP32 at %.1f bytes here per byte there; %s B: the whole 110 KB, the boot test's "
              "heap, docs/boards.md. The frozen layout is simulated: its image is loaded into "
              "the heap like .mpy files, so its figure here is no smaller)\n"
              % (unix_port.MPY_WITH_BLE_BUDGET, unix_port.MPY_WITH_BLE_KB_32BIT,
                 unix_port.WORD_FACTOR, unix_port.BOOT_HEAP))


def bench_alloc(out=sys.stdout):
    """Heap allocated by what repeats all day, under micropython (tests/alloc_mpy.py)."""
    from tools import unix_port

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        done = unix_port.run(str(root / "tests" / "alloc_mpy.py"),
                             path=[root / "tests" / "fake_hw", root / "firmware", ".frozen"],
                             heapsize="400000", cwd=tmp, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[-300:])
    f = json.loads(done.stdout.decode().strip().splitlines()[-1])
    out.write("\n== heap allocated per repeat (micropython unix port, fake machine; bytes, "
              "averaged)\n")
    for key, what in (("waker_timeout", "a wait that runs out (Waker)"),
                      ("waker_set", "a wait woken by another task (Waker)"),
                      ("waker_irq_poll", "a wait for an IRQ's signal, 5 ms looks (Waker)"),
                      ("at_wait_timeout", "the AT engine's wait for a reply"),
                      ("uart_empty_read", "a UART read with nothing to read (Poll)"),
                      ("mic_block", "an audio block through the I2S driver"),
                      ("mic_and_detector_block", "an audio block, driver and detector"),
                      ("wait_for_ms_reference", "for comparison: asyncio.wait_for_ms")):
        out.write("%-50s %7.1f\n" % (what, f[key]))


REAL_BOOT_HEAP = 400000  # this 64-bit port; see tests/test_real_boot.py for why not an ESP32's
REAL_BOOT_CONFIG = dict(CONFIG, version=2)


def real_boot(board, folder, run_ms=5000, heap=REAL_BOOT_HEAP, config=None, prompts=False,
              call=False, rom=False):
    """Boot `board`'s .mpy tree under micropython on tests/fake_hw with a config (the default
    one updated by `config`) and a press (tests/real_boot_mpy.py); prompts=True renders the
    wearer's prompt clips first (care/prompts.py); call=True puts a module that answers on the
    modem's UART and asks for help, so the first contact is texted and called. The finished
    process (stdout: one JSON line)."""
    from tools import devtree, unix_port

    folder = Path(folder)
    tree = devtree.build(board, folder / "flash", "host").flash
    data = folder / "data"
    data.mkdir()
    cfg = dict(REAL_BOOT_CONFIG, **(config or {}))
    (data / "config.json").write_text(json.dumps(cfg))
    if prompts:
        from care import prompts as render

        from core.config import defaults

        render.render({"language": cfg.get("language", "nl"), "task": defaults()["task"],
                       "contacts": cfg["contacts"], "timeout_min": 60, "extension_min": 15},
                      str(data / "prompts"))
    script, args, path = "real_boot_mpy.py", [], [tree]
    if rom:  # the same .mpy files as a ROMFS image, executed in place (tests/rom_boot_mpy.py)
        image = folder / "romfs.img"
        rom_image(tree, image)
        script, args, path = "rom_boot_mpy.py", [str(image)], []
        heap += image.stat().st_size
    args += [str(data), str(run_ms)] + (["CALL"] if call else [])
    return unix_port.run(str(ROOT / "tests" / script), *args,
                         path=[ROOT / "tests" / "fake_hw"] + path + [".frozen"],
                         heapsize=str(heap), cwd=str(folder), timeout=90)


def rom_image(tree, image):
    """A ROMFS image of a device tree's files, as `mpremote romfs build --no-mpy` makes it."""
    subprocess.run([sys.executable, "-m", "mpremote", "romfs", "--no-mpy", "-o", str(image),
                    "build", str(tree)], check=True, capture_output=True)


def bench_real_boards(out=sys.stdout):
    from tools import unix_port

    out.write("\n== real boards' heap from .mpy files (micropython unix port, fake machine; a "
              "press at 1.5 s)\n")
    kb = unix_port.WORD_FACTOR * 1024
    for rom in (False, True):
        for board in ("esp32_devkitc", "lilygo_t_a7670e", "home_unit"):
            with tempfile.TemporaryDirectory() as tmp:
                done = real_boot(board, tmp, run_ms=12000, call=True, rom=rom)
            how = "ROMFS" if rom else ".mpy"
            if done.returncode != 0:
                out.write("%-16s %-5s boot FAILED: %s\n" % (board, how,
                                                             done.stderr.decode()[-200:]))
                continue
            r = json.loads(done.stdout.decode().strip().splitlines()[-1])
            own = {k: r[k] - r["heap_harness"] for k in ("heap_booted", "heap_running",
                                                         "heap_call_peak") if k in r}
            call = ("peak during a contact call %6d B (%3.0f KB)" % (
                own["heap_call_peak"], own["heap_call_peak"] / kb)) \
                if "heap_call_peak" in own else "no modem: no calls"
            out.write("%-16s %-5s booted %6d B (%3.0f KB), time-out running %6d B (%3.0f KB), %s; "
                      "allocated while running: %d B/s\n"
                      % (board, how, own["heap_booted"], own["heap_booted"] / kb,
                         own["heap_running"], own["heap_running"] / kb, call, r["alloc_2s"] / 2))
    out.write("(the firmware's heap: bytes here, on the 64-bit unix port, less the harness (the "
              "test script, the fake machine, bluetooth and modem modules, a ROMFS image: flash "
              "or C code on the device); KB: on the 32-bit ESP32, at %.1f bytes here "
              "per byte there. ROMFS: the same .mpy files as an image, executed in place. An "
              "ESP32 without PSRAM leaves MicroPython about 100-110 KB with BLE: the home unit "
              "fits it executed in place, the wearables do not; the LilyGO's WROVER has PSRAM. "
              "The call: tests/fake_hw/fake_modem.py answers, a triple press asks for help, the "
              "first contact is texted and called)\n" % unix_port.WORD_FACTOR)
