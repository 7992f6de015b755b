"""The device journal: a bounded ring of segment files on flash that survives power cuts.

Each entry is one line: the CRC-32 of its JSON text (8 hex digits), a space, the JSON text
`{"seq": n, "cat": category, "t": epoch_s or null, ...fields}`, a newline. Lines are only ever
appended, so a power cut can tear the last line only: its CRC fails, it is skipped and counted,
and the next append starts on a fresh line. When a segment is full the oldest segment is emptied
and written next, so the journal never fills the flash and never rewrites a line it keeps.
Consent filtering happens at export (store/consent.py), not here. Audio never enters here.

Time: an entry written while the wall clock is unknown has `"t": null` and carries the boot
number `b` (one more than the highest in the journal when it was opened) and `up`, the
milliseconds since that boot. When the clock becomes known the shell writes a `time_known`
entry with the epoch, `b` and `up` of that moment; `resolve_times` (used by every reader) then
gives each earlier entry of the same boot its real time, marked `"t_fixed": true`.

Repeats: an entry identical to the previous one (same category and fields) is not written;
it is counted, and the count is written as the previous entry again with `"rep": n` (n more
identical entries, `t` of the last of them) when a different entry comes, or after
`repeat_flush` repeats. A power cut loses at most that unwritten count, never an entry that
differs from the one before it.
"""

import json

from compat import const, ticks_diff
from store.files import crc32 as _crc, join, remove

_SEGMENTS = const(4)
_REPEAT_FLUSH = const(96)


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


def resolve_times(entries):
    """Give entries written before the clock was known their time, in place, from the
    `time_known` anchor of their boot (entries of a boot that never learned it stay null)."""
    anchors = {}
    for e in entries:
        if e.get("cat") == "time_known" and isinstance(e.get("t"), int) and \
                isinstance(e.get("up"), int) and e.get("b") not in anchors:
            anchors[e.get("b")] = (e["t"], e["up"])
    for e in entries:
        if e.get("t") is None and isinstance(e.get("up"), int) and e.get("b") in anchors:
            t, up = anchors[e["b"]]
            if e["up"] <= up:
                e["t"] = t - (up - e["up"]) // 1000
                e["t_fixed"] = True
    return entries


class Journal:
    def __init__(self, folder, max_bytes=32768, name="journal", observer=None,
                 segments=_SEGMENTS, ticks=None, repeat_flush=_REPEAT_FLUSH):
        self.observer = observer  # called with ("journal", entry) after each line written
        self.ticks = ticks  # ticks_ms of the board: `up` in entries written without a time
        self._ticks_last = ticks() if ticks else 0
        self.up_ms = 0  # ms since this boot (summed per append: ticks wrap, the sum does not)
        self.repeat_flush = repeat_flush
        self._last = None  # (category, fields) of the last entry given to append
        self._repeats = 0
        self._repeat_t = None
        self.coalesced = 0  # entries counted instead of written, since boot
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
        self.boot = 0
        for slot in range(segments):
            top, size, clean = self._scan(slot)
            if top > best:
                best = top
                self.slot, self.size, self._newline = slot, size, not clean
        self.seq = max(best, 0)
        self.boot += 1  # this boot's number: one more than any in the journal

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
            if entry is not None:
                if entry["seq"] > top:
                    top = entry["seq"]
                b = entry.get("b")
                if isinstance(b, int) and b > self.boot:
                    self.boot = b
        return top, size, last.endswith("\n")

    def uptime_ms(self):
        if self.ticks:
            now = self.ticks()
            self.up_ms += max(0, ticks_diff(now, self._ticks_last))
            self._ticks_last = now
        return self.up_ms

    def append(self, category, fields, epoch_s=None):
        self.uptime_ms()  # summed on every append, so that ticks wrapping loses nothing
        last = self._last
        if last is not None and last[0] == category and last[1] == fields:
            self._repeats += 1
            self._repeat_t = epoch_s
            self.coalesced += 1
            if self._repeats >= self.repeat_flush:
                return self.flush()
            return {"seq": self.seq, "cat": category, "t": epoch_s, "rep": self._repeats}
        self.flush()
        self._last = (category, dict(fields))
        return self._write(category, fields, epoch_s)

    def flush(self):
        """Write the count of repeats not yet on flash (before a planned stop, and on change).
        Returns the entry written, or None when there was nothing to count."""
        if not self._repeats:
            return None
        n, self._repeats = self._repeats, 0
        fields = dict(self._last[1])
        fields["rep"] = n
        return self._write(self._last[0], fields, self._repeat_t)

    def time_known(self, epoch_s, source):
        """The anchor that dates this boot's earlier entries (see resolve_times)."""
        return self.append("time_known", {"src": source, "b": self.boot,
                                          "up": self.uptime_ms()}, epoch_s)

    def _write(self, category, fields, epoch_s):
        self.seq += 1
        entry = {"seq": self.seq, "cat": category, "t": epoch_s}
        if epoch_s is None:
            entry["b"] = self.boot
            if self.ticks:
                entry["up"] = self.uptime_ms()
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
        return resolve_times(out)

    def files(self):
        """Names of this journal's segment files (for export and wipe)."""
        return ["%s.%d.log" % (self.name, slot) for slot in range(self.segments)]
