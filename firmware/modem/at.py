"""The AT-command engine: one command at a time over a byte stream, URCs never lost.

Owns the stream. A reader task cuts bytes into lines (modem.parse), hands unsolicited result
codes to a callback as they arrive (even in the middle of a command) and completes the pending
command on its final result code. Every wait has a timeout; after a timeout the engine
resynchronises ('AT' until 'OK'). It knows nothing about calls or SMS: callers give prefixes.

Stream interface (asyncio.StreamReader/StreamWriter on the device, an in-memory pipe in the
simulator): `await reader.read(n)` -> bytes (b'' at end), `writer.write(data)`,
`await writer.drain()`.
"""

import asyncio

from compat import Waker, const, sleep_ms, ticks_diff, ticks_ms
from modem import parse

_READ_CHUNK = const(128)
_PROMPT_TIMEOUT_MS = const(5000)
_RESYNC_TRIES = const(3)
_RESYNC_WAIT_MS = const(1000)
# After DTR goes low a sleeping module needs a moment before its UART listens again; the
# simulator drops what comes sooner (host_sim/modem_sim.py). Our margin, not a manual's figure.
WAKE_MS = 100
# DTR goes high this long after the last command, so that a burst of commands (init, a health
# check, the checks after a call) wakes the module once.
_DOZE_AFTER_MS = const(2000)


class Response:
    """status: 'ok', 'error', 'cme', 'cms', a call progress code ('BUSY', 'NO CARRIER', ...),
    'timeout' or 'closed'. code: the +CME/+CMS number. lines: the information lines."""

    __slots__ = ("status", "code", "lines")

    def __init__(self, status, code=None, lines=None):
        self.status = status
        self.code = code
        self.lines = lines if lines is not None else []

    @property
    def ok(self):
        return self.status == "ok"

    def __repr__(self):
        return "Response(%s, %s, %r)" % (self.status, self.code, self.lines)


class _Pending:
    __slots__ = ("text", "expect", "data", "dialling", "lines", "ev", "done", "prompt",
                 "status", "code")

    def __init__(self, text, expect, data, dialling, ev):
        self.text = text
        self.expect = expect
        self.data = data
        self.dialling = dialling
        self.lines = []
        self.ev = ev  # the engine's one Waker: a command waits without a task
        ev.clear()
        self.done = False
        self.prompt = False
        self.status = "timeout"
        self.code = None


class AtEngine:
    def __init__(self, reader, writer, on_urc, stats, dtr=None, clock=ticks_ms):
        self._r = reader
        self._w = writer
        self._on_urc = on_urc
        self.stats = stats
        self._lock = asyncio.Lock()
        self._pending = None
        self._ev = Waker()
        self.splitter = parse.LineSplitter()
        self.closed = False
        self._task = None
        # The module's DTR line (None: not wired). Low while commands run; raised by the doze
        # task _DOZE_AFTER_MS after the last, so that a module told AT+CSCLK=1 (may_sleep)
        # sleeps between bursts, unless keep_awake() says it must not (a call).
        self._dtr = dtr
        self.may_sleep = False
        self.keep_awake = None
        self._asleep = False
        self._users = 0
        self._clock = clock
        self._last_done = 0
        self._idle = Waker()  # set when the last command is done: the doze task's cue
        self._doze_task = None
        if dtr is not None:
            dtr(0)
        for k in ("wakes", "commands", "timeouts", "resyncs", "resync_failed", "urcs", "stray",
                  "unexpected", "dispatch_errors", "read_errors", "garbage_bytes",
                  "overlong_lines"):
            stats.setdefault(k, 0)

    def start(self):
        if self._task is None:
            self._task = asyncio.create_task(self._read_loop())
        if self._dtr is not None and self._doze_task is None:
            self._doze_task = asyncio.create_task(self._doze())

    def stop(self):
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._doze_task is not None:
            self._doze_task.cancel()
            self._doze_task = None

    async def _doze(self):
        """Raise DTR once no command has run for _DOZE_AFTER_MS."""
        while not self.closed:
            self._idle.clear()
            await self._idle.wait_ms(None)
            while not self.closed:
                quiet = ticks_diff(self._clock(), self._last_done)
                if self._users or quiet >= _DOZE_AFTER_MS:
                    break
                await sleep_ms(_DOZE_AFTER_MS - quiet)
            self._let_sleep()

    @property
    def busy(self):
        return self._pending is not None

    async def _read_loop(self):
        while not self.closed:
            try:
                data = await self._r.read(_READ_CHUNK)
            except asyncio.CancelledError:
                raise
            except Exception:  # a UART driver hiccup must not end the reader
                self.stats["read_errors"] += 1
                await sleep_ms(50)
                continue
            if not data:
                self.closed = True
                p = self._pending
                if p is not None:
                    p.status = "closed"
                    p.done = True
                    p.ev.set()
                return
            items = self.splitter.feed(data)
            self.stats["garbage_bytes"] = self.splitter.garbage
            self.stats["overlong_lines"] = self.splitter.overflow
            for item in items:
                try:
                    self._dispatch(item)
                except Exception:
                    self.stats["dispatch_errors"] += 1

    def _urc(self, line):
        self.stats["urcs"] += 1
        self._on_urc(line)

    def _dispatch(self, line):
        p = self._pending
        if line is parse.LineSplitter.PROMPT:
            if p is not None and not p.done:
                p.prompt = True
                p.ev.set()
            else:
                self.stats["stray"] += 1
            return
        if p is None or p.done:
            if parse.is_urc(line):
                self._urc(line)
            else:
                self.stats["stray"] += 1  # late final codes after a timeout, unknown lines
            return
        if parse.is_final(line, p.dialling):
            p.status, p.code = parse.error_code(line)
            p.done = True
            p.ev.set()
        elif line == p.text:
            pass  # command echo (echo is switched off at init; after a module reset it is on)
        elif p.expect is not None and line.startswith(p.expect):
            p.lines.append(line)
        elif p.data and (parse.is_hex(line) or not parse.is_urc(line)):
            p.lines.append(line)  # a PDU line, or what stands where one should: judged later
        elif parse.is_urc(line):
            self._urc(line)
        elif p.expect is None and not p.data:
            p.lines.append(line)
        else:
            self.stats["unexpected"] += 1

    @property
    def has_dtr(self):
        return self._dtr is not None

    async def _wake_module(self):
        if self._asleep:
            self._asleep = False
            self._dtr(0)
            self.stats["wakes"] += 1
            await sleep_ms(WAKE_MS)

    def _let_sleep(self):
        if self._users or not self.may_sleep or self._dtr is None or self._asleep:
            return
        if self.keep_awake is not None and self.keep_awake():
            return
        self._dtr(1)
        self._asleep = True

    async def command(self, text, timeout_ms=3000, expect=None, data=False, dialling=False,
                      payload=None):
        """Send `text` and wait for its final result code. `expect`: prefix of its information
        lines (others are URCs or noise); data=True also keeps hex lines (PDUs); `payload`:
        bytes sent after the '> ' prompt, followed by Ctrl-Z. Never raises for modem trouble:
        returns a Response whose status says what happened. A sleeping module is woken first,
        and let sleep again once no command has run for _DOZE_AFTER_MS."""
        self._users += 1
        try:
            return await self._command(text, timeout_ms, expect, data, dialling, payload)
        finally:
            self._users -= 1
            if not self._users:
                self._last_done = self._clock()
                self._idle.set()

    async def _command(self, text, timeout_ms, expect, data, dialling, payload):
        async with self._lock:
            if self.closed:
                return Response("closed")
            self.stats["commands"] += 1
            await self._wake_module()
            p = _Pending(text, expect, data, dialling, self._ev)
            self._pending = p
            try:
                self.splitter.want_prompt = payload is not None
                self._w.write(text.encode() + b"\r")
                await self._w.drain()
                if payload is not None:
                    await p.ev.wait_ms(_PROMPT_TIMEOUT_MS)  # no task, no coroutine
                    if not p.done:
                        if not p.prompt:
                            self.stats["timeouts"] += 1
                            self._pending = None
                            await self._resync()
                            return Response("timeout")
                        p.ev.clear()
                        self._w.write(payload + b"\x1a")
                        await self._w.drain()
                if not p.done:
                    await p.ev.wait_ms(timeout_ms)
                if not p.done and not p.ev.state:
                    self.stats["timeouts"] += 1
                    self._pending = None
                    await self._resync()
                    return Response("timeout", None, p.lines)
                return Response(p.status, p.code, p.lines)
            finally:
                self._pending = None
                self.splitter.want_prompt = False

    async def _resync(self):
        """Bring the line back to a known state: ESC (ends a stuck SMS prompt), then 'AT'
        until 'OK'. Returns True when the module answered."""
        for _ in range(_RESYNC_TRIES):
            if self.closed:
                return False
            p = _Pending("AT", None, False, False, self._ev)
            self._pending = p
            self._w.write(b"\x1b\r\nAT\r")
            await self._w.drain()
            await p.ev.wait_ms(_RESYNC_WAIT_MS)
            ok = p.ev.state
            self._pending = None
            if ok and p.status == "ok":
                self.stats["resyncs"] += 1
                return True
        self.stats["resync_failed"] += 1
        return False
