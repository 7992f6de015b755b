# ruff: noqa: F821 (package/module are the manifest language's own functions)
# The firmware's packages and modules, frozen the same way for every board; each board's
# manifest.py includes this and adds its own board.py. MicroPython's manifest tool runs this
# file in its own folder, so paths are relative to boards/. Every package and module under
# firmware/ is frozen (a new one needs no line here); main.py stays a file on the flash (it is
# what the device runs at boot).
import os

for name in sorted(os.listdir("../firmware")):
    if os.path.isdir(os.path.join("../firmware", name)) and name != "__pycache__":
        package(name, base_path="../firmware", opt=2)
    elif name.endswith(".py") and name != "main.py":
        module(name, base_path="../firmware", opt=2)

# A manifest freezes Python only, and nothing of the firmware may sit on the flash beside a
# frozen image (a folder /ui there hides the frozen ui package). So each language's cue table,
# which is data (ui/cues_LANG.txt), is frozen as the module ui/cue_text_LANG: its lines as one
# string constant, which stays in flash with the bytecode; the device imports only the one of
# its wearer's language. Written to build/manifest/, never edited by hand.
os.makedirs("../build/manifest/ui", exist_ok=True)
for _name in sorted(os.listdir("../firmware/ui")):
    if not (_name.startswith("cues_") and _name.endswith(".txt")):
        continue
    _lang = _name[len("cues_"):-len(".txt")]
    with open("../firmware/ui/" + _name, encoding="utf-8") as f:
        _cues = [x for x in f.read().splitlines() if x.strip() and not x.startswith("#")]
    _module = "cue_text_%s.py" % _lang
    _tmp = "../build/manifest/ui/%s.%d" % (_module, os.getpid())
    with open(_tmp, "w", encoding="utf-8") as f:
        f.write("# Made from ui/%s by boards/firmware_manifest.py: edit that file.\n" % _name)
        f.write("TEXT = %r\n" % ("\n" + "\n".join(_cues) + "\n"))
    os.replace(_tmp, "../build/manifest/ui/" + _module)
    module("ui/" + _module, base_path="../build/manifest", opt=2)
