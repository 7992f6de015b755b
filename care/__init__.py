"""The care organisation's tools: set up a couple's two devices, read their journals into the
caseworker report, and the organisation's web app (care.portal). CPython only.

It uses the firmware's own rules (core/config.py, store/consent.py, store/journal.py) by putting
the repository's firmware/ folder on the import path; it never imports the simulator.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"


def use_firmware_path():
    """Make firmware modules importable the way the device imports them (from its root)."""
    if str(FIRMWARE) not in sys.path:
        sys.path.insert(0, str(FIRMWARE))
