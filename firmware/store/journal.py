"""The device journal: one JSON line per decision, in a bounded pair of files on flash.

Entries carry a sequence number, the wall-clock time (when known) and a category with fields.
Audio never enters here. When the current file passes `max_bytes` it becomes the old file and
a new one starts, so the journal never fills the flash. A torn last line after a power cut is
skipped on reading, never fatal.
"""

import json
import os

from store.files import join, remove


class Journal:
    def __init__(self, folder, max_bytes=32768, name="journal", observer=None):
        self.observer = observer  # called with ("journal", entry) after each append
        self.path = join(folder, name + ".log")
        self.old_path = join(folder, name + ".1.log")
        self.max_bytes = max_bytes
        self.seq = 0
        self.size = 0
        self.errors = 0
        for entry in self.entries():
            self.seq = max(self.seq, entry.get("seq", 0))
        try:
            self.size = os.stat(self.path)[6]
        except OSError:
            self.size = 0

    def append(self, category, fields, epoch_s=None):
        self.seq += 1
        entry = {"seq": self.seq, "cat": category, "t": epoch_s}
        for key in fields:
            entry[key] = fields[key]
        line = json.dumps(entry) + "\n"
        try:
            if self.size + len(line) > self.max_bytes and self.size:
                remove(self.old_path)
                os.rename(self.path, self.old_path)
                self.size = 0
            with open(self.path, "a") as f:
                f.write(line)
            self.size += len(line)
        except OSError:
            self.errors += 1
        if self.observer:
            self.observer("journal", entry)
        return entry

    def _read(self, path):
        out = []
        try:
            with open(path) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        self.errors += 1
        except OSError:
            pass
        return out

    def entries(self):
        return self._read(self.old_path) + self._read(self.path)
