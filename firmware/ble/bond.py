"""Link-layer bond keys for `_IRQ_GET_SECRET` / `_IRQ_SET_SECRET`, persisted outside the IRQ.

The IRQ only reads or updates the RAM dict; the file is written from a scheduled callback
(`micropython.schedule`) or, where that is unavailable, by the link task via `flush()`.
"""

from compat import const

_MAX_KEYS = const(8)


class BondStore:
    def __init__(self, path):
        self._path = path
        self._keys = {}  # (sec_type, key bytes) -> value bytes
        self.dirty = False
        self.writes = 0
        self._load()

    def get(self, sec_type, index, key):
        """IRQ side: the stored value for (sec_type, key), or the index'th of sec_type."""
        if key is None:
            i = 0
            for k, v in self._keys.items():
                if k[0] == sec_type:
                    if i == index:
                        return v
                    i += 1
            return None
        return self._keys.get((sec_type, bytes(key)))

    def set(self, sec_type, key, value):
        """IRQ side: remember (copies the memoryviews) and schedule the write."""
        k = (sec_type, bytes(key) if key is not None else b"")
        if value is None:
            self._keys.pop(k, None)
        elif k in self._keys or len(self._keys) < _MAX_KEYS:
            self._keys[k] = bytes(value)
        else:
            return False
        self.dirty = True
        try:
            import micropython

            micropython.schedule(self._flush_cb, None)
        except Exception:  # CPython, or the schedule queue is full: the link task flushes
            pass
        return True

    def _flush_cb(self, _):
        self.flush()

    def flush(self):
        if not self.dirty:
            return
        self.dirty = False
        out = bytearray()
        for (sec_type, key), value in self._keys.items():
            out += bytes((sec_type, len(key))) + key + bytes((len(value),)) + value
        try:
            with open(self._path, "wb") as f:
                f.write(out)
            self.writes += 1
        except OSError:
            self.dirty = True

    def _load(self):
        try:
            with open(self._path, "rb") as f:
                data = f.read()
        except OSError:
            return
        i = 0
        try:
            while i < len(data) and len(self._keys) < _MAX_KEYS:
                sec_type, klen = data[i], data[i + 1]
                key = bytes(data[i + 2: i + 2 + klen])
                vlen = data[i + 2 + klen]
                value = bytes(data[i + 3 + klen: i + 3 + klen + vlen])
                if len(value) != vlen:
                    break
                self._keys[(sec_type, key)] = value
                i += 3 + klen + vlen
        except IndexError:
            pass  # a damaged tail: keep what parsed, pairing redoes the rest
