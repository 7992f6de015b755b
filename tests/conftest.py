import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Firmware modules import each other from the device's filesystem root: mirror that here.
for p in (ROOT / "firmware", ROOT / "boards" / "sim", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
