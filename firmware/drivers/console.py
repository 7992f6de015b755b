"""The USB console (the REPL's stdin and stdout) read without blocking, for shell/console.py.

Must not interpret what it reads: the lock decides. Works on the ESP32 and the unix port.
"""

import select
import sys


class StdinConsole:
    def __init__(self, limit=64):
        self._in = sys.stdin.buffer
        self._poll = select.poll()
        self._poll.register(sys.stdin, select.POLLIN)
        self.limit = limit

    def read(self):
        """What has arrived (at most `limit` bytes), b"" when nothing has."""
        out = b""
        while len(out) < self.limit and self._poll.poll(0):
            ch = self._in.read(1)
            if not ch:
                break
            out += ch
        return out

    def write(self, data):
        sys.stdout.buffer.write(data)
        try:
            sys.stdout.buffer.flush()
        except AttributeError:
            pass


def keyboard_interrupt(on):
    """Ctrl-C on the console raises KeyboardInterrupt (on) or is a plain byte (off)."""
    try:
        import micropython

        micropython.kbd_intr(3 if on else -1)
    except (ImportError, AttributeError):
        pass
