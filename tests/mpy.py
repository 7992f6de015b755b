"""Run firmware modules from source under the real MicroPython unix port (tools/unix_port.py):
firmware/ and boards/sim/ first on the path, as the simulator has them."""

from pathlib import Path

from tools import unix_port
from tools.unix_port import micropython_exe  # noqa: F401  (tests import it from here)

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
SIM_BOARD = ROOT / "boards" / "sim"
# Room for tests that import firmware modules as source, which the unix port compiles at import
# (a device never does: it gets .mpy files or a frozen image). Not a device figure: a boot's
# heap is unix_port.BOOT_HEAP.
SOURCE_HEAP = "110wK"


def run(script_path, *args, heapsize=SOURCE_HEAP, input_bytes=None, timeout=300, path=None,
        cwd=None, env=None):
    """Run a script file under micropython with firmware/ and boards/sim/ importable (or the
    folders in `path`, then the unix port's own frozen modules)."""
    dirs = list(path) if path is not None else [FIRMWARE, SIM_BOARD]
    return unix_port.run(script_path, *args, path=dirs + [".frozen"], heapsize=heapsize,
                         env=env, cwd=cwd, input_bytes=input_bytes, timeout=timeout)
