"""Link-layer bond keys for `_IRQ_GET_SECRET` / `_IRQ_SET_SECRET`, persisted outside the IRQ.

The contract (MicroPython's `bluetooth` docs and its NimBLE binding, as aioble's security.py
keeps it):
- get(sec_type, index, key): the value stored for (sec_type, key); with key None the index'th
  value of sec_type (NimBLE walks the indexes until None); None when there is none.
- set(sec_type, key, value): store and return True; value None deletes and returns True only
  if something was deleted. NimBLE deletes a peer by repeating the delete until one fails, so
  True for a key not held makes it loop forever (any phone that pairs twice could do that).
- Our own address-privacy key (type 10) is asked for when the radio comes up.

Only the partner's keys are kept. Keys written while the connection has not yet proven the
pair secret are pending: held in RAM, never written, dropped by `forget_pending()` and kept by
`trust()`. Kept keys are ordered by last use; a new peer beyond the table's size evicts the
least recently used one. The IRQ only touches RAM; the file is written from a scheduled
callback (`micropython.schedule`) or, where that is unavailable, by the link task via `flush()`.
"""

from compat import const

_MAX_KEYS = const(8)  # peer entries kept (two per peer: ours and theirs)
_MAX_PENDING = const(4)
_OUR_IRK = const(10)


def peer_key(addr_type, addr):
    """The stack's key for a peer from a connection event's (addr_type, addr): the type, then
    the address least significant byte first. None for a malformed address."""
    if len(addr) != 6:
        return None
    key = bytearray(7)
    key[0] = addr_type
    for i in range(6):
        key[6 - i] = addr[i]
    return bytes(key)


class BondStore:
    def __init__(self, path):
        self._path = path
        self._keys = []  # [sec_type, key, value], least recently used first
        self._pending = []  # the same, for a connection not yet trusted
        self.dirty = False
        self.writes = 0
        self.evicted = 0
        self._load()

    def _find(self, table, sec_type, key):
        for i in range(len(table)):
            e = table[i]
            if e[0] == sec_type and e[1] == key:
                return i
        return -1

    def get(self, sec_type, index, key):
        """IRQ side: the stored value for (sec_type, key), or the index'th of sec_type."""
        if key is None:
            i = 0
            for table in (self._keys, self._pending):
                for e in table:
                    if e[0] == sec_type:
                        if i == index:
                            return e[2]
                        i += 1
            return None
        key = bytes(key)
        i = self._find(self._pending, sec_type, key)
        if i >= 0:
            return self._pending[i][2]
        i = self._find(self._keys, sec_type, key)
        if i < 0:
            return None
        value = self._keys[i][2]
        self._touch(key)  # used now: the last to be evicted (the order is saved with a write)
        return value

    def _touch(self, key):
        keys = self._keys
        n = len(keys)
        i = 0
        while i < n:  # move this peer's entries to the end, in place (no allocation)
            if keys[i][1] == key:
                keys.append(keys.pop(i))
                n -= 1
            else:
                i += 1

    def set(self, sec_type, key, value, trusted=False):
        """IRQ side: store (copying the memoryviews) or delete; see the contract above.
        trusted: the connection has proven the pair secret (or it is our own key)."""
        key = bytes(key) if key is not None else b""
        if value is None:
            i = self._find(self._pending, sec_type, key)
            if i >= 0:
                self._pending.pop(i)
                return True
            i = self._find(self._keys, sec_type, key)
            if i < 0:
                return False
            self._keys.pop(i)
            self._changed()
            return True
        entry = [sec_type, key, bytes(value)]
        i = self._find(self._pending, sec_type, key)
        if i >= 0:
            self._pending.pop(i)
        if trusted or sec_type == _OUR_IRK:
            self._keep(entry)
            return True
        # Not proven yet: held beside (and read before) any kept key of the same name, which
        # comes back if this connection never proves itself.
        if len(self._pending) >= _MAX_PENDING:
            self._pending.pop(0)  # never refuse: NimBLE would then evict a kept bond
        self._pending.append(entry)
        return True

    def trust(self):
        """The connection proved the pair secret: keep what it paired."""
        pending, self._pending = self._pending, []
        for e in pending:
            self._keep(e)

    def forget_pending(self):
        """The connection ended without proving anything: its keys are a stranger's."""
        self._pending = []

    def forget_peer(self, key):
        """Drop every key held for this peer (its 7-byte address key)."""
        key = bytes(key)
        n = len(self._keys)
        self._keys = [e for e in self._keys if e[1] != key]
        self._pending = [e for e in self._pending if e[1] != key]
        if len(self._keys) != n:
            self._changed()

    def peers(self):
        """How many keys are kept (our own key not counted)."""
        return sum(1 for e in self._keys if e[0] != _OUR_IRK)

    def _keep(self, entry):
        i = self._find(self._keys, entry[0], entry[1])
        if i >= 0:
            self._keys.pop(i)
        elif entry[0] != _OUR_IRK:
            while self.peers() >= _MAX_KEYS:
                self._evict_oldest_peer()
        self._touch(entry[1])
        self._keys.append(entry)
        self._changed()

    def _evict_oldest_peer(self):
        for e in self._keys:
            if e[0] != _OUR_IRK:
                key = e[1]
                self._keys = [x for x in self._keys if x[1] != key]
                self.evicted += 1
                return

    def _changed(self):
        self.dirty = True
        try:
            import micropython

            micropython.schedule(self._flush_cb, None)
        except Exception:  # CPython, or the schedule queue is full: the link task flushes
            pass

    def _flush_cb(self, _):
        self.flush()

    def flush(self):
        if not self.dirty:
            return
        self.dirty = False
        out = bytearray()
        for sec_type, key, value in self._keys:
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
            while i < len(data) and len(self._keys) < _MAX_KEYS + 1:
                sec_type, klen = data[i], data[i + 1]
                key = bytes(data[i + 2: i + 2 + klen])
                vlen = data[i + 2 + klen]
                value = bytes(data[i + 3 + klen: i + 3 + klen + vlen])
                if len(value) != vlen:
                    break
                if self._find(self._keys, sec_type, key) < 0:
                    self._keys.append([sec_type, key, value])
                i += 3 + klen + vlen
        except IndexError:
            pass  # a damaged tail: keep what parsed, pairing redoes the rest
