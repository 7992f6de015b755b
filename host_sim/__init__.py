"""Host-side simulator and tools around the time-out firmware (CPython only)."""

import sys
from pathlib import Path

from tools.unix_port import micropython_exe  # noqa: F401  (the simulator's engines use it)

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"


def use_firmware_path():
    """Make firmware modules importable the way the device imports them (from its root)."""
    for p in (FIRMWARE, BOARDS / "sim"):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
