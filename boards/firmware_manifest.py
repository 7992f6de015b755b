# ruff: noqa: F821 (package/module are the manifest language's own functions)
# The firmware's packages and modules, frozen the same way for every board; each board's
# manifest.py includes this and adds its own board.py. Paths are relative to this file.
# main.py stays a file on the flash (it is what the device runs at boot).
for pkg in ("ble", "core", "drivers", "dsp", "gps", "link", "modem", "shell", "store", "ui"):
    package(pkg, base_path="../firmware", opt=2)
for mod in ("app.py", "compat.py", "selftest.py"):
    module(mod, base_path="../firmware", opt=2)
# ui/cues.txt is data, not code: copy it to the flash (make deploy does).
