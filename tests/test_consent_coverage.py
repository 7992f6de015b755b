"""Every journal category the firmware writes belongs to a consent group.

A category missing from store/consent.py is never exported (fail closed), so a new category
someone forgets to map silently disappears from the caseworker's report. This finds them.
The categories are written down once, in core/catalog.py CATEGORIES: the scan of the firmware
finds none missing there, and each one there has its group.
"""

import re
from pathlib import Path

from core.config import CONSENT_GROUPS
from core.catalog import CATEGORIES
from store.consent import GROUP_OF

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
CALL = re.compile(r'(?:\((?:"journal"|JOURNAL), |_journal\(|\bjournal\(|journal\.append\()\s*'
                  r'"([a-z_]+)"(?:\s+if\s+[^,]+?\s+else\s+"([a-z_]+)")?')


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
    missing = sorted(c for c in categories() | set(CATEGORIES) if c not in GROUP_OF)
    assert missing == []


def test_every_category_written_is_defined_once():
    assert sorted(c for c in categories() if c not in CATEGORIES) == []
    assert len(set(CATEGORIES)) == len(CATEGORIES)


def test_the_consent_table_names_only_defined_categories_and_known_groups():
    assert sorted(c for c in GROUP_OF if c not in CATEGORIES) == []
    for category, (group, about) in GROUP_OF.items():
        assert group in CONSENT_GROUPS, category
        assert about in ("self", "partner"), category
