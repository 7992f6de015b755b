"""Every journal category the firmware writes belongs to a consent group.

A category missing from store/consent.py is never exported (fail closed), so a new category
someone forgets to map silently disappears from the caseworker's report. This finds them.
"""

import re
from pathlib import Path

from store.consent import GROUP_OF

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
CALL = re.compile(r'(?:\("journal", |_journal\(|\bjournal\(|journal\.append\()\s*"([a-z_]+)"'
                  r'(?:\s+if\s+[^,]+?\s+else\s+"([a-z_]+)")?')


def categories():
    found = set()
    for path in FIRMWARE.rglob("*.py"):
        for first, other in CALL.findall(path.read_text()):
            found.add(first)
            if other:
                found.add(other)
    return found


def test_the_scan_finds_the_known_categories():
    found = categories()
    for known in ("timeout_started", "contact_reached", "device_off", "partner_switched_off",
                  "boot", "config_rejected", "contact_texted"):
        assert known in found


def test_every_journal_category_has_a_consent_group():
    missing = sorted(c for c in categories() if c not in GROUP_OF)
    assert missing == []
