"""The USB console's lock: on a provisioned device the REPL goes only to the organisation's
provisioning tool, after a challenge-response (docs/provisioning.md, "The locked console").

main.py turns Ctrl-C off first; app.start serves this lock as a task beside the device, so
the device keeps working while nobody is at the cable, and stops the device only for a right
answer. Whatever else arrives (mpremote's Ctrl-C and Ctrl-A, typing) is read and dropped.
Lines, one request at a time:
    tool: #?unlock                  device: #!challenge <id> <nonce>   (fresh after each answer)
    tool: #!answer <hex>            device: #!open, or after a growing wait #!refused
The answer is HMAC-SHA256(device key, nonce || id). The device holds only its own key, derived
by the tool from the organisation's key and the id (console.json in the storage folder), never
the organisation's key. Without console.json the device is not provisioned: the console is
open (Ctrl-C back on, as MicroPython has it). Must not journal itself: `refused` is counted by
the caller.
"""

import json

from compat import sleep_ms, ticks_add, ticks_diff
from link.auth import hmac_sha256, same

LOCK_FILE = "console.json"
_NONCE = 16
_LINE_MAX = 120
_WAIT_MS = 2000  # after the first wrong answer; doubled each time, at most _WAIT_MAX_MS
_WAIT_MAX_MS = 64000


def _unhex(text):
    return bytes(int(text[i:i + 2], 16) for i in range(0, len(text), 2))


def load_lock(folder):
    """(id bytes, key bytes), None when there is no lock file (open), or (b"", None) for one
    that cannot be read: then the console stays locked for everyone (fail closed)."""
    try:
        with open(folder + "/" + LOCK_FILE) as f:
            doc = json.loads(f.read())
    except OSError:
        return None
    except ValueError:
        return (b"", None)
    try:
        ident, key = _unhex(doc["id"]), _unhex(doc["key"])
    except (KeyError, TypeError, ValueError):
        return (b"", None)
    if len(key) != 32 or not ident:
        return (b"", None)
    return (ident, key)


class ConsoleLock:
    """Feed it what the console received; it answers and says when to hand over."""

    def __init__(self, lock, urandom, ticks_ms):
        self.lock = lock  # from load_lock
        self.urandom = urandom
        self.ticks_ms = ticks_ms
        self.nonce = None
        self.line = b""
        self.refused = 0  # this boot's wrong answers
        self.quiet_until = None  # ticks: requests are ignored until then
        self.opened = False

    def feed(self, data, out):
        """Take received bytes; append answers (bytes) to `out`. Returns the number of wrong
        answers in this chunk."""
        wrong = 0
        for b in data:
            if b in (10, 13):
                line, self.line = self.line, b""
                if line:
                    wrong += self._line(line, out)
                if self.opened:
                    break
            elif 32 <= b < 127 and len(self.line) < _LINE_MAX:
                self.line += bytes((b,))
            elif b == 3 and self.lock is None:  # open: Ctrl-C hands over, as always
                self.opened = True
                break
        return wrong

    def _line(self, line, out):
        if self.lock is None:
            if line == b"#?unlock":
                out.append(b"#!open\r\n")
                self.opened = True
            return 0
        ticks = self.ticks_ms()
        if self.quiet_until is not None:
            if ticks_diff(self.quiet_until, ticks) > 0:
                return 0
            self.quiet_until = None
        ident, key = self.lock
        if line == b"#?unlock":  # the challenge still open is said again, not replaced
            if self.nonce is None:
                self.nonce = self.urandom(_NONCE)
            out.append(b"#!challenge " + _hex(ident) + b" " + _hex(self.nonce) + b"\r\n")
            return 0
        if not line.startswith(b"#!answer ") or self.nonce is None:
            return 0
        nonce, self.nonce = self.nonce, None  # one answer per challenge
        try:
            answer = _unhex(line[9:].decode())
        except ValueError:
            answer = b""
        if key is not None and same(answer, hmac_sha256(key, nonce + ident)):
            out.append(b"#!open\r\n")
            self.opened = True
            return 0
        self.refused += 1
        wait = min(_WAIT_MS << min(self.refused - 1, 6), _WAIT_MAX_MS)
        self.quiet_until = ticks_add(ticks, wait)
        out.append(b"#!refused\r\n")
        return 1


def _hex(data):
    return "".join("%02x" % b for b in data).encode()


async def serve(console, lock, on_refused, poll_ms=100):
    """Read the console until the lock opens; `on_refused()` for each wrong answer."""
    out = []
    while not lock.opened:
        data = console.read()
        if data:
            for _ in range(lock.feed(data, out)):
                on_refused()
            for reply in out:
                console.write(reply)
            del out[:]
        await sleep_ms(poll_ms)
