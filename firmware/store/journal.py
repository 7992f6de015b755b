"""The device journal: a bounded ring of segment files on flash that survives power cuts.

Each entry is one line: the CRC-32 of its JSON text (8 hex digits), a space, the JSON text
`{"seq": n, "cat": category, "t": epoch_s or null, ...fields}`, a newline. Lines are only ever
appended, so a power cut can tear the last line only: its CRC fails, it is skipped and counted,
and the next append starts on a fresh line. When a segment is full the oldest segment is emptied
and written next, so the journal never fills the flash and never rewrites a line it keeps.
Consent filtering happens at export (store/consent.py), not here. Audio never enters here.
"""

import json

from compat import const
from store.files import join, remove

try:
    from binascii import crc32
except ImportError:  # a port built without binascii.crc32
    crc32 = None

_SEGMENTS = const(4)


def _crc(data):
    if crc32 is not None:
        return crc32(data) & 0xFFFFFFFF
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def encode(entry):
    """The journal line (str, newline-terminated) for an entry dict."""
    text = json.dumps(entry)
    return "%08x %s\n" % (_crc(text.encode()), text)


def decode(line):
    """The entry dict of one journal line, or None when torn, garbled or not an entry."""
    line = line.rstrip("\n")
    if len(line) < 11 or line[8] != " ":
        return None
    text = line[9:]
    try:
        if int(line[:8], 16) != _crc(text.encode()):
            return None
        entry = json.loads(text)
    except (ValueError, UnicodeError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
        return None
    return entry


class Journal:
    def __init__(self, folder, max_bytes=32768, name="journal", observer=None,
                 segments=_SEGMENTS):
        self.observer = observer  # called with ("journal", entry) after each append
        self.folder = folder
        self.name = name
        self.segments = segments
        self.segment_bytes = max(64, max_bytes // segments)
        self.seq = 0
        self.errors = 0  # torn or garbled lines skipped, and failed writes
        self.slot = 0
        self.size = 0
        self._newline = False  # the current segment ends in a torn line: start a fresh one
        best = -1
        for slot in range(segments):
            top, size, clean = self._scan(slot)
            if top > best:
                best = top
                self.slot, self.size, self._newline = slot, size, not clean
        self.seq = max(best, 0)

    @property
    def path(self):
        """The segment file being appended to."""
        return self.segment_path(self.slot)

    def segment_path(self, slot):
        return join(self.folder, "%s.%d.log" % (self.name, slot))

    def _lines(self, slot):
        try:
            with open(self.segment_path(slot)) as f:
                for line in f:
                    yield line
        except (OSError, UnicodeError):
            return

    def _scan(self, slot):
        """(highest seq, size in bytes, ends on a whole line) of one segment."""
        top, size, last = -1, 0, "\n"
        for line in self._lines(slot):
            size += len(line.encode())
            last = line
            entry = decode(line)
            if entry is not None and entry["seq"] > top:
                top = entry["seq"]
        return top, size, last.endswith("\n")

    def append(self, category, fields, epoch_s=None):
        self.seq += 1
        entry = {"seq": self.seq, "cat": category, "t": epoch_s}
        for key in fields:  # a field named like a header keeps its value under key + "_"
            entry[key + "_" if key in entry else key] = fields[key]
        line = encode(entry)
        try:
            if self.size and self.size + len(line) > self.segment_bytes:
                self.slot = (self.slot + 1) % self.segments
                remove(self.path)  # the oldest segment makes room
                self.size = 0
                self._newline = False
            if self._newline:
                line = "\n" + line
            with open(self.path, "a") as f:
                f.write(line)
            self.size += len(line.encode())
            self._newline = False
        except OSError:
            self.errors += 1
            self._newline = True  # a half-written line may be on flash
        if self.observer:
            self.observer("journal", entry)
        return entry

    def entries(self):
        """Every readable entry, oldest first (torn and garbled lines skipped and counted)."""
        out = []
        for slot in range(self.segments):
            for line in self._lines(slot):
                entry = decode(line)
                if entry is None:
                    if line.strip():
                        self.errors += 1
                else:
                    out.append(entry)
        out.sort(key=lambda e: e["seq"])
        return out

    def files(self):
        """Names of this journal's segment files (for export and wipe)."""
        return ["%s.%d.log" % (self.name, slot) for slot in range(self.segments)]
