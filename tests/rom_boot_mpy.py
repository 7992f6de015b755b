"""Runs tests/real_boot_mpy.py with the board's firmware on a ROMFS instead of a filesystem:
the image (`mpremote romfs build` of the same .mpy tree) is mounted at /rom and searched
first, so MicroPython executes the bytecode in place, as from a memory-mapped ROMFS partition
(or a frozen image) on the ESP32. On this port the image itself is a bytes object in the heap:
its size is reported (rom_bytes) for the caller to subtract. Usage: micropython
rom_boot_mpy.py IMAGE STORAGE_DIR RUN_MS [CALL]"""

import sys
import vfs

with open(sys.argv[1], "rb") as f:
    IMAGE = f.read()
vfs.mount(vfs.VfsRom(IMAGE), "/rom")
sys.path.insert(0, "/rom")
del sys.argv[1]  # real_boot_mpy reads STORAGE_DIR RUN_MS [CALL]
import real_boot_mpy  # noqa: E402,F401  (runs the boot, prints its JSON line)
