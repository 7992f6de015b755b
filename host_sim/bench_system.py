"""Benchmarks of the whole system: simulator speed and the firmware's heap at boot.

Figures, not tests: printed by `make bench`, never asserted (the machine is shared and noisy).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {"role": "A", "pair_secret": "00112233445566778899aabbccddeeff",
          "contacts": [{"name": "C%d" % i, "phone": "+3161111111%d" % i} for i in range(3)]}


def bench_simulator(out=sys.stdout):
    from host_sim import scenario
    from host_sim.run_cli import simulate

    out.write("\n== simulator (two devices, real firmware, virtual time)\n")
    for name in ("default", "full_day"):
        scn = scenario.load(ROOT / "scenarios" / (name + ".toml"))
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        timeline = simulate(scn)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        out.write("%-10s %7.0f s simulated in %5.1f s wall (%5.1f s CPU): %6.0fx real time, "
                  "%d timeline events\n" % (name, scn.duration, wall, cpu, scn.duration / cpu,
                                            len(timeline)))


def bench_boot_heap(out=sys.stdout):
    sys.path.insert(0, str(ROOT / "tests"))
    from mpy import micropython_exe
    from mpy_build import build_device_tree

    out.write("\n== firmware heap after boot (micropython unix port, .mpy, sim board)\n")
    with tempfile.TemporaryDirectory() as tmp:
        tree = build_device_tree(Path(tmp) / "flash")
        script = Path(tmp) / "script.json"
        script.write_text(json.dumps({"folder": str(Path(tmp) / "data"), "run_ms": 2500,
                                      "config": CONFIG, "steps": [[300, "press", 80]]}))
        env = dict(os.environ, MICROPYPATH=str(tree) + ":.frozen",
                   TIMEOUT_SIM_SCRIPT=str(script))
        for heap in ("110wK", "110000"):
            done = subprocess.run([micropython_exe(), "-X", "heapsize=" + heap, "-m", "main"],
                                  capture_output=True, env=env, cwd=tmp, timeout=60)
            stops = [json.loads(x)["data"] for x in done.stdout.decode().splitlines()
                     if '"stop"' in x]
            if done.returncode != 0 or not stops:
                last = done.stderr.decode().strip().splitlines()[-1:] or ["?"]
                out.write("heap %-7s boot FAILED: %s\n" % (heap, last[0]))
                continue
            used, free = stops[0]["heap_used"], stops[0]["heap_free"]
            out.write("heap %-7s used %6d B, free %6d B after boot and a time-out start\n"
                      % (heap, used, free))
    out.write("(110wK: a 110 KB heap counted in 32-bit words, as on the ESP32; 110000: the "
              "same bytes with this port's 64-bit objects)\n")
