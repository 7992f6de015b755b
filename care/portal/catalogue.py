"""Compile the gettext message catalogues (.po -> .mo) without the gettext tools: run at every
start of the app and by the tests, so a fresh clone needs nothing beyond the venv."""

import ast
import struct
from pathlib import Path

LOCALE = Path(__file__).resolve().parent / "locale"


def parse_po(text):
    """{msgid: msgstr} (plural forms: msgid + NUL + plural -> forms joined by NUL)."""
    out, entry, key = {}, {}, None

    def flush():
        if "msgid" in entry and not entry.get("fuzzy"):
            mid = entry["msgid"]
            if "msgid_plural" in entry:
                mid += "\0" + entry["msgid_plural"]
                forms = [entry[k] for k in sorted(x for x in entry if x.startswith("msgstr["))]
                value = "\0".join(forms)
            else:
                value = entry.get("msgstr", "")
            if value.replace("\0", "") or mid == "":
                out[mid] = value

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            entry, key = {"fuzzy": True}, None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            if key:
                entry[key] += ast.literal_eval(line)
            continue
        word, _, rest = line.partition(" ")
        if word == "msgid" and ("msgid" in entry):
            fuzzy = entry.get("fuzzy") and "msgstr" not in entry
            flush()
            entry = {"fuzzy": True} if fuzzy else {}
        key = word
        entry[key] = ast.literal_eval(rest)
    flush()
    return out


def write_mo(messages, path):
    keys = sorted(messages)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(messages[k].encode() + b"\0" for k in keys)
    n = len(keys)
    start_ids = 28 + 16 * n
    start_strs = start_ids + len(ids)
    table_ids, table_strs, off_i, off_s = [], [], 0, 0
    for k in keys:
        kb, vb = k.encode(), messages[k].encode()
        table_ids += [len(kb), start_ids + off_i]
        table_strs += [len(vb), start_strs + off_s]
        off_i += len(kb) + 1
        off_s += len(vb) + 1
    head = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    data = head + struct.pack("<%dI" % (2 * n), *table_ids) + \
        struct.pack("<%dI" % (2 * n), *table_strs) + ids + strs
    Path(path).write_bytes(data)


def compile_all():
    done = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            write_mo(parse_po(po.read_text(encoding="utf-8")), mo)
        done.append(mo)
    return done
