"""The cellular modem driver: init, health, calls, SMS out and in, the far link's transport.

The imperative shell around the pure parts (parse, sms, pdu, calls) on top of the AT engine.
It decides nothing about whom to call or when: the session does. The far
link's framing is not here: it is given (link.far), the modem only sends and receives those
binary SMS. Incoming SMS are read, handed over if they are far frames from the partner, and
always deleted so the SIM never fills. Never raises for modem or network trouble: results are
strings.
"""

import asyncio

from compat import Waker, const, sleep_ms, ticks_diff, ticks_ms, wait_for_ms
from modem import calls, parse, pdu, profiles, sms
from modem.at import AtEngine

_INIT_TRIES = const(10)
_HEALTH_EVERY_MS = const(60000)
_BACKOFF_MIN_MS = const(5000)
_BACKOFF_MAX_MS = const(300000)
_POLL_CALL_MS = const(1000)
_DIAL_TIMEOUT_MS = const(20000)
_SMS_TIMEOUT_MS = const(60000)
# +CME errors meaning "no network" (27.007: 30 no service, 31 timeout, 32 emergency only)
_CME_NO_NET = (30, 31, 32)
# +CMS errors meaning "no network" (27.005: 330 SMSC unknown, 331 no service, 332 timeout)
_CMS_NO_NET = (330, 331, 332)

SMS_OUTCOMES = ("sent", "failed", "no_network", "too_long")


class Modem:
    """modem = Modem(reader, writer, 'a7670e'); await modem.start(); await modem.call(...)

    on_far(number, payload_bytes): a far frame arrived from one of `far_peers`.
    far_framing: the far link's SMS framing, `encode(number, payload)` -> TPDU and
    `payload(deliver)` -> bytes or None (link.far); without it no SMS is a far frame.
    on_event(name, fields): 'health' (changed), 'no_network', 'network_back', 'modem_reset',
    'sms_ignored'; for the journal and the wearer's feedback.
    clock: a ticks_ms-like function (the simulator passes its virtual clock).
    dtr: set(level) for the module's DTR line, or None: with it the module is told
    AT+CSCLK=1 and sleeps between commands (2.5 mA instead of 18 idle, docs/boards.md).
    """

    def __init__(self, reader, writer, profile=profiles.DEFAULT, sim_pin=None, far_peers=(),
                 on_far=None, on_event=None, clock=None, far_framing=None, dtr=None):
        self.profile = profiles.get(profile) if isinstance(profile, str) else profile
        self.sim_pin = sim_pin
        self.far_peers = list(far_peers)
        self.on_far = on_far
        self.far_framing = far_framing
        self.on_event = on_event
        self.clock = clock or ticks_ms
        self.stats = {}
        for k in ("inits", "resets", "calls", "calls_answered", "calls_cut", "no_voice",
                  "sms_sent", "sms_segments", "sms_failed", "sms_received", "sms_ignored",
                  "sms_deleted", "far_sent", "far_received", "pdu_errors", "incoming_calls",
                  "missed_calls", "service_errors", "callback_errors", "pin_tries"):
            self.stats[k] = 0
        self.health = {"sim": "unknown", "registered": False, "reg": "none", "csq": 99,
                       "rssi_dbm": None, "responding": False}
        self.engine = AtEngine(reader, writer, self._on_urc, self.stats, dtr, self.clock)
        self.engine.keep_awake = self._in_call
        self._wake = Waker()  # the waits here repeat all day: no task per wait
        self._reg_ev = Waker()
        self._inbox = []
        self._needs_init = True
        self._reg = {}  # 'CREG'/'CEREG' -> last stat
        self.nitz = None  # the last +CTZE report not yet taken by the wall clock
        self._call = None
        self._call_ev = Waker()
        self._ref = 0
        self._service_task = None
        self._backoff_ms = _BACKOFF_MIN_MS
        self._pin_sent = False
        self._stopped = False

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self, service=True):
        """Start the reader, initialise the module and (service=True) the background task
        that reads incoming SMS, re-initialises after a module reset and watches the network.
        Returns True when the module answered (registration may still be pending)."""
        self.engine.start()
        ok = await self.init()
        if service and self._service_task is None:
            self._service_task = asyncio.create_task(self._service())
        return ok

    def stop(self):
        self._stopped = True
        self.engine.closed = True  # commands in flight or queued return 'closed'
        if self._service_task is not None:
            self._service_task.cancel()
            self._service_task = None
        self.engine.stop()

    async def close(self):
        """stop() and let the cancelled tasks finish."""
        tasks = [t for t in (self._service_task, self.engine._task) if t is not None]
        self.stop()
        for t in tasks:
            try:
                await wait_for_ms(t, 2000)
            except BaseException:  # CancelledError is not an Exception on CPython 3.8+
                pass

    @property
    def can_call(self):
        return bool(self.profile["voice"])

    def _emit(self, name, fields):
        if self.on_event is not None:
            try:
                self.on_event(name, fields)
            except Exception:
                self.stats["callback_errors"] += 1

    def _in_call(self):
        return self._call is not None

    async def _cmd(self, text, timeout_ms=3000, **kw):
        return await self.engine.command(text, timeout_ms, **kw)

    async def init(self):
        """AT handshake (modules take seconds to boot), echo off, numeric errors, PDU mode,
        +CMTI for new SMS, registration URCs, call state URCs, then health and SMS sweep."""
        ok = False
        for _ in range(_INIT_TRIES):
            r = await self._cmd("AT", 1000)
            if r.ok:
                ok = True
                break
            if self.engine.closed:
                break
            await sleep_ms(1000)
        self.health["responding"] = ok
        if not ok:
            return False
        self.stats["inits"] += 1
        self._needs_init = False
        self.engine.may_sleep = False  # a module that restarted has forgotten AT+CSCLK
        p = self.profile
        for c in ("ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CNMI=2,1,0,0,0"):
            await self._cmd(c)
        if p["creg"]:
            await self._cmd("AT+CREG=1")
        if p["cereg"]:
            await self._cmd("AT+CEREG=1")
        if p["clcc_urc"]:
            await self._cmd("AT+CLCC=1")
        if self.engine.has_dtr:  # sleep between commands while DTR is high (SIMCom AT+CSCLK)
            self.engine.may_sleep = (await self._cmd("AT+CSCLK=1")).ok
        await self.check_health()
        await self.sweep_sms()
        return True

    # ---- health ------------------------------------------------------------------------

    def _update_registered(self):
        best = None
        for key in ("CREG", "CEREG"):
            stat = self._reg.get(key)
            if stat is None:
                continue
            if parse.registered(stat) or best is None or best == 0:
                best = stat
            if parse.registered(stat):
                break
        self.health["registered"] = parse.registered(best)
        if self.health["registered"]:
            self._reg_ev.set()
        self.health["reg"] = parse.REG_NAMES.get(best, "none") if best is not None else "none"

    async def network_time(self):
        """The module's clock as its `+CCLK:` line, or None (not registered, no answer). SIMCom
        modules set it from the network's NITZ by default (AT+CTZU=1); core/clock.py reads it."""
        if not self.health["registered"]:
            return None
        r = await self._cmd("AT+CCLK?", 3000, expect="+CCLK:")
        return r.lines[0] if r.ok and r.lines else None

    async def check_health(self):
        """Query SIM, registration and signal. Returns the health dict (also kept in
        self.health): sim ('ready'|'pin'|'puk'|'absent'|'locked'|'unknown'), registered (bool),
        reg ('home'|'roaming'|'searching'|'denied'|'none'|...), csq (0..31, 99 unknown),
        rssi_dbm (int or None), responding (bool)."""
        before = dict(self.health)
        r = await self._cmd("AT+CPIN?", 5000, expect="+CPIN:")
        self.health["responding"] = r.status != "timeout" and r.status != "closed"
        sim = "unknown"
        if r.ok and r.lines:
            sim = parse.parse_cpin(r.lines[0]) or "unknown"
        elif r.status == "cme" and r.code == 10:
            sim = "absent"
        self.health["sim"] = sim
        if sim == "pin" and self.sim_pin and not self._pin_sent:
            # One try only: a wrong PIN retried would lock the SIM (PUK).
            self._pin_sent = True
            self.stats["pin_tries"] += 1
            await self._cmd("AT+CPIN=" + self.sim_pin, 10000)
        p = self.profile
        for key, want in (("CREG", p["creg"]), ("CEREG", p["cereg"])):
            if not want:
                continue
            r = await self._cmd("AT+%s?" % key, 3000, expect="+%s:" % key)
            if r.ok and r.lines:
                stat = parse.parse_reg(r.lines[0], True)
                if stat is not None:
                    self._reg[key] = stat
        self._update_registered()
        r = await self._cmd("AT+CSQ", 3000, expect="+CSQ:")
        if r.ok and r.lines:
            q = parse.parse_csq(r.lines[0])
            if q is not None:
                self.health["csq"] = q[0]
                self.health["rssi_dbm"] = parse.csq_dbm(q[0])
        if self.health != before:
            self._emit("health", dict(self.health))
            if before["registered"] and not self.health["registered"]:
                self._emit("no_network", dict(self.health))
            elif self.health["registered"] and not before["registered"]:
                self._emit("network_back", dict(self.health))
        return self.health

    async def wait_registered(self, timeout_ms):
        """Wait until registered (URC or poll with backoff). True if registered in time."""
        start = self.clock()
        backoff = _BACKOFF_MIN_MS // 5
        while True:
            if self._needs_init:
                await self.init()
            if not self.health["registered"]:
                await self.check_health()
            if self.health["registered"]:
                return True
            left = timeout_ms - ticks_diff(self.clock(), start)
            if left <= 0:
                return False
            self._reg_ev.clear()
            await self._reg_ev.wait_ms(min(backoff, left))
            backoff = min(backoff * 2, _BACKOFF_MAX_MS)

    # ---- URCs (called by the engine's reader: record and wake, never await) -----------------

    def _on_urc(self, line):
        now = self.clock()
        if parse.is_boot(line):
            self.stats["resets"] += 1
            self._needs_init = True
            self._reg = {}
            self._update_registered()
            if self._call is not None:
                self._call.on_code("NO CARRIER", now)
                self._call_ev.set()
            self._emit("modem_reset", {"urc": line})
        elif line.startswith("+CMTI:"):
            idx = parse.parse_cmti(line)
            if idx is not None and idx not in self._inbox:
                self._inbox.append(idx)
        elif line.startswith("+CREG:") or line.startswith("+CEREG:"):
            stat = parse.parse_reg(line, False)
            if stat is not None:
                self._reg[line[1:line.index(":")]] = stat
                self._update_registered()
        elif line.startswith("+CLCC:"):
            cs = parse.parse_clcc(line)
            if cs is not None and cs.dir == 1 and cs.stat == 4:
                self.stats["incoming_calls"] += 1
            if cs is not None and self._call is not None:
                self._call.on_clcc(cs, now)
                self._call_ev.set()
        elif line in parse.CALL_CODES or line.startswith("VOICE CALL: END"):
            if self._call is not None:
                self._call.on_code(line if line in parse.CALL_CODES else "END", now)
                self._call_ev.set()
        elif line == "RING" or line.startswith("+CRING:"):
            self.stats["incoming_calls"] += 1
        elif line.startswith("MISSED_CALL"):
            self.stats["missed_calls"] += 1  # the caller's number is not kept: anyone may call
        elif line.startswith("VOICE CALL: BEGIN"):
            self._call_ev.set()  # the audio path is up: ask +CLCC at once
        elif line.startswith("+CTZE:"):  # NITZ with the time (AT+CTZR=2): for the wall clock
            self.nitz = line
        self._wake.set()

    # ---- calls ----------------------------------------------------------------------------

    async def call(self, number, ring_time_ms):
        """Call `number`; returns 'answered' | 'no_answer' | 'busy' | 'rejected' | 'failed' |
        'no_network'. Answered means +CLCC showed the call active; the call then stays up
        (hang_up() or wait_call_end()). Otherwise the call is hung up before returning.
        Modules without voice return 'failed' at once (stats['no_voice'])."""
        self.stats["calls"] += 1
        if not self.can_call:
            self.stats["no_voice"] += 1
            return "failed"
        why = await self._ready()
        if why:
            return why
        if parse.digits(number) == "" or len(number) > 20:
            return "failed"
        tracker = calls.CallTracker(self.clock())
        self._call = tracker
        self._call_ev.clear()
        r = await self._cmd("ATD%s;" % number, _DIAL_TIMEOUT_MS, dialling=True)
        now = self.clock()
        if r.status in parse.CALL_CODES:
            tracker.on_code(r.status, now)
        elif r.status == "cme" and r.code in _CME_NO_NET:
            self._call = None
            return "no_network"
        elif not r.ok:
            self._call = None
            await self.hang_up()
            return "failed"
        outcome = tracker.outcome()
        while outcome is None:
            left = ring_time_ms - ticks_diff(self.clock(), tracker.started)
            if left <= 0:
                outcome = tracker.outcome(ring_expired=True)
                break
            await self._call_ev.wait_ms(min(_POLL_CALL_MS, left))
            self._call_ev.clear()
            outcome = tracker.outcome()
            if outcome is None:
                r = await self._cmd("AT+CLCC", 3000, expect="+CLCC:")
                if r.ok:
                    states = [parse.parse_clcc(ln) for ln in r.lines]
                    tracker.on_poll([s for s in states if s is not None], self.clock())
                outcome = tracker.outcome()
        if outcome == "answered":
            self.stats["calls_answered"] += 1
            return outcome
        self._call = None
        await self.hang_up()
        if tracker.ended and outcome != "no_network":
            # A call that ended while the module lost the network was cut, not declined: the
            # contact was never really asked, so it must not count against them. Registration
            # is asked again because the +CREG URC may come after NO CARRIER.
            if not self.health["registered"] or not (await self.check_health())["registered"]:
                self.stats["calls_cut"] += 1
                outcome = "no_network"
        return outcome

    async def hang_up(self):
        r = await self._cmd(self.profile["hangup"], 5000)
        if self._call is not None:
            self._call.on_code("END", self.clock())
            self._call = None
        return r.ok

    async def wait_call_end(self, timeout_ms):
        """After 'answered': wait until the call ends (True) or timeout_ms passes (False)."""
        start = self.clock()
        while self._call is not None and not self._call.ended:
            left = timeout_ms - ticks_diff(self.clock(), start)
            if left <= 0:
                return False
            await self._call_ev.wait_ms(min(5000, left))
            if not self._call_ev.state:
                r = await self._cmd("AT+CLCC", 3000, expect="+CLCC:")
                if r.ok and self._call is not None:
                    states = [parse.parse_clcc(ln) for ln in r.lines]
                    self._call.on_poll([s for s in states if s is not None], self.clock())
            self._call_ev.clear()
        self._call = None
        return True

    # ---- SMS out ------------------------------------------------------------------------------

    async def _send_tpdu(self, tpdu):
        hexpdu = "00" + pdu.to_hex(tpdu)  # 00: use the SIM's service centre
        r = await self._cmd("AT+CMGS=%d" % len(tpdu), _SMS_TIMEOUT_MS, expect="+CMGS:",
                            payload=hexpdu.encode())
        if r.ok:
            return "sent"
        if (r.status == "cms" and r.code in _CMS_NO_NET) or (
                r.status == "cme" and r.code in _CME_NO_NET):
            return "no_network"
        return "failed"

    async def _ready(self):
        """None when the module can place a call or send now, else the outcome to return."""
        if self._needs_init and not await self.init():
            return "failed"
        if not self.health["registered"]:
            await self.check_health()
            if not self.health["registered"]:
                return "no_network"
        return None

    async def send_sms(self, number, text, allow_ucs2=True):
        """Send `text` (concatenated when longer than one SMS). Returns 'sent' | 'failed' |
        'no_network' | 'too_long'. Characters outside GSM 7-bit: see modem.sms.plan."""
        try:
            coding, parts = sms.plan(text, allow_ucs2)
            self._ref = (self._ref + 1) & 0xFF
            tpdus = pdu.submit_parts(number, coding, parts, self._ref)
        except ValueError:
            self.stats["sms_failed"] += 1
            return "too_long" if len(text) > sms.SINGLE_7BIT else "failed"
        why = await self._ready()
        if why is not None:
            self.stats["sms_failed"] += 1
            return why
        for t in tpdus:
            out = await self._send_tpdu(t)
            if out != "sent":
                self.stats["sms_failed"] += 1
                return out
            self.stats["sms_segments"] += 1
        self.stats["sms_sent"] += 1
        return "sent"

    async def send_far(self, number, payload, vp=None):
        """Send one far frame (bytes, as far as `far_framing` allows) to the partner device's
        number, valid `vp` (TP-VP; None: the framing's default). Returns 'sent' | 'failed' |
        'no_network'. ValueError for a bad payload size."""
        if self.far_framing is None:
            raise ValueError("no far framing")
        tpdu = self.far_framing.encode(number, payload) if vp is None else \
            self.far_framing.encode(number, payload, vp)
        why = await self._ready()
        if why is not None:
            return why
        out = await self._send_tpdu(tpdu)
        if out == "sent":
            self.stats["far_sent"] += 1
        return out

    # ---- SMS in -------------------------------------------------------------------------------

    def _handle_pdu(self, line):
        try:
            msg = pdu.decode(pdu.from_hex(parse.pdu_line(line)))
        except (ValueError, IndexError):
            self.stats["pdu_errors"] += 1
            return
        self.stats["sms_received"] += 1
        if msg.kind != pdu.KIND_DELIVER:  # a stored outgoing text or a status report
            self.stats["sms_ignored"] += 1
            self._emit("sms_ignored", {"far_frame": False})
            return
        payload = None if self.far_framing is None else self.far_framing.payload(msg)
        peer = None
        for n in self.far_peers:
            if parse.same_number(n, msg.sender):
                peer = n
        if payload is not None and peer is not None:
            self.stats["far_received"] += 1
            if self.on_far is not None:
                try:
                    self.on_far(peer, bytes(payload))
                except Exception:
                    self.stats["callback_errors"] += 1
            return
        # Anyone else, or a partner text that is not a far frame: ignored (the sender is not
        # logged: it is a stranger's number).
        self.stats["sms_ignored"] += 1
        self._emit("sms_ignored", {"far_frame": payload is not None})

    async def _delete(self, idx):
        r = await self._cmd("AT+CMGD=%d" % idx, 5000)
        if r.ok:
            self.stats["sms_deleted"] += 1

    async def read_inbox(self):
        """Read and delete the SMS announced by +CMTI."""
        while self._inbox:
            idx = self._inbox.pop(0)
            r = await self._cmd("AT+CMGR=%d" % idx, 5000, expect="+CMGR:", data=True)
            if r.ok:
                for ln in r.lines:
                    if not ln.startswith("+CMGR:"):
                        self._handle_pdu(ln)
            if r.status != "timeout" and r.status != "closed":
                await self._delete(idx)

    async def sweep_sms(self):
        """Read every stored SMS (missed +CMTI, SMS that came while off) and delete each."""
        r = await self._cmd("AT+CMGL=4", 20000, expect="+CMGL:", data=True)
        if not r.ok:
            return
        idx = None
        for ln in r.lines:
            if ln.startswith("+CMGL:"):
                h = parse.parse_cmgl(ln)
                idx = h[0] if h else None
            elif idx is not None:
                self._handle_pdu(ln)
                await self._delete(idx)
                idx = None

    # ---- background service --------------------------------------------------------------------

    async def _service(self):
        last_health = self.clock()
        while not self._stopped:
            try:
                wait = _HEALTH_EVERY_MS if self.health["registered"] else self._backoff_ms
                wait -= ticks_diff(self.clock(), last_health)
                if wait > 0 and not self._inbox and not self._needs_init:
                    await self._wake.wait_ms(wait)
                    self._wake.clear()
                if self.engine.closed:
                    return
                if self._needs_init:
                    if not await self.init():
                        await sleep_ms(self._backoff_ms)
                        continue
                    last_health = self.clock()
                if self._inbox:
                    await self.read_inbox()
                if ticks_diff(self.clock(), last_health) >= (
                        _HEALTH_EVERY_MS if self.health["registered"] else self._backoff_ms):
                    was = self.health["registered"]
                    await self.check_health()
                    last_health = self.clock()
                    if self.health["registered"]:
                        self._backoff_ms = _BACKOFF_MIN_MS
                    else:
                        if not was:
                            self._backoff_ms = min(self._backoff_ms * 2, _BACKOFF_MAX_MS)
                        self._emit("no_network", {"retry_ms": self._backoff_ms})
            except asyncio.CancelledError:
                raise
            except Exception:
                self.stats["service_errors"] += 1
                await sleep_ms(1000)
