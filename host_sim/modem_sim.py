"""Cellular modem and phone network simulator (CPython, virtual time).

`SimModem` speaks the AT dialect the firmware uses (PDU-mode SMS, +CLCC, +CREG/+CEREG, +CSQ,
+CPIN, +CRC, +CLIP) over an in-memory byte pipe. What each module says on its own comes from
firmware/modem/profiles.py (boot banners in order, "VOICE CALL: BEGIN/END", "MISSED_CALL",
CR CR LF framing); the quirks below are the simulator's: SIM800 knows no +CEREG, A7670E calls
only work with a VoLTE SIM (otherwise the call drops before ringing), SIM7000G and SIM7600
without audio refuse ATD. `SimNetwork` holds the phone numbers: contact persons whose phone
answers, rings out, is busy, rejects, is unreachable or off (behaviour names as in
host_sim.world), devices' modems (SMS between them), outages, a stranger who texts or calls.
Its SMS codec is python-gsmmodem-new and python-messaging, never the firmware's.
Faults: garbage bytes, URC bursts, lost final result codes, module resets. docs/modem.md says
what is modelled, from which source, and what is not.

Use with host_sim.vloop (virtual-time asyncio): no real time anywhere.
"""

import asyncio
import random
import time
from datetime import datetime, timedelta

import gsmmodem.pdu as gsm_pdu
from gsmmodem.util import SimpleOffsetTzInfo
from messaging.sms import SmsDeliver

from host_sim import use_firmware_path

use_firmware_path()

from modem import profiles as fw_profiles  # noqa: E402  (module facts, not the codec)

TICKS_MASK = (1 << 30) - 1


def loop_clock():
    """ticks_ms of the running (virtual-time) loop, for Modem(clock=...)."""
    return int(asyncio.get_running_loop().time() * 1000) & TICKS_MASK


class Pipe:
    """One direction of an in-memory serial line: write()/drain() on one end, read() on the
    other (the minimal stream interface the AT engine needs)."""

    def __init__(self):
        self.buf = bytearray()
        self.ev = asyncio.Event()
        self.closed = False

    def write(self, data):
        self.buf.extend(data)
        self.ev.set()

    async def drain(self):
        await asyncio.sleep(0)

    async def read(self, n):
        while not self.buf:
            if self.closed:
                return b""
            self.ev.clear()
            await self.ev.wait()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def close(self):
        self.closed = True
        self.ev.set()


# What the simulator does differently per module, beyond what firmware/modem/profiles.py
# records about each (boot banners, call URCs, CR CR LF framing: read from there).
QUIRKS = {
    "sim800": {"echo": True, "creg": True, "cereg": False, "voice": True, "volte": False,
               "clcc_urc": True, "no_net_dial": "NO DIALTONE"},
    "sim7600": {"echo": True, "creg": True, "cereg": True, "voice": True, "volte": False,
                "clcc_urc": True, "no_net_dial": "+CME ERROR: 30"},
    "sim7600_noaudio": {"echo": True, "creg": True, "cereg": True, "voice": False,
                        "volte": False, "clcc_urc": False, "no_net_dial": "ERROR"},
    "a7670e": {"echo": True, "creg": False, "cereg": True, "voice": True, "volte": True,
               "clcc_urc": True, "no_net_dial": "+CME ERROR: 30"},
    "sim7000g": {"echo": True, "creg": False, "cereg": True, "voice": False, "volte": False,
                 "clcc_urc": False, "no_net_dial": "ERROR"},
}

# Seconds for each phase of a call, by callee behaviour.
DIAL_S = 2.0
ANSWER_AFTER_S = 8.0
TALK_S = 60.0
NETWORK_NO_REPLY_S = 60.0
BUSY_AFTER_S = 3.0
REJECT_AFTER_S = 5.0
UNREACHABLE_S = 6.0
RING_EVERY_S = 6.0  # an incoming call's RING / +CRING repeats


# The network's SMS codec is not the firmware's: PDUs are cut and built with
# python-gsmmodem-new's field codecs (addresses, time stamps, septets, header elements) and what
# a contact's phone shows is decoded by python-messaging. The user data of a SUBMIT goes into
# the DELIVER octet for octet, as a service centre does.
SCTS_START = datetime(2027, 1, 21, 20, 0, 0, tzinfo=SimpleOffsetTzInfo(1))
_VP_OCTETS = {0: 0, 1: 7, 2: 1, 3: 7}  # by TP-VPF (23.040 9.2.3.3)


def _now_s():
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:
        return 0.0


def _address(number):
    return bytes(gsm_pdu._encodeAddressField(number))


def _scts():
    return bytes(gsm_pdu._encodeTimestamp(SCTS_START + timedelta(seconds=int(_now_s()))))


def _ud_octets(dcs, udl):
    """How many octets TP-UDL announces (septets for the default alphabet, 23.038 clause 4)."""
    alphabet = gsm_pdu._decodeDataCoding(dcs)
    return (udl * 7 + 7) // 8 if alphabet == 0 else udl


def build_deliver(sender, dcs, udl, ud, udhi=False, pid=0):
    """An SMS-DELIVER as a module prints it: empty SMSC field, then the TPDU."""
    out = bytearray(b"\x00")
    out.append(0x04 | (0x40 if udhi else 0))  # SMS-DELIVER, no more messages waiting
    out += _address(sender) + bytes((pid, dcs)) + _scts() + bytes((udl,)) + bytes(ud)
    return bytes(out)


def parse_submit(tpdu):
    """(destination, pid, dcs, udhi, udl, ud) of an SMS-SUBMIT TPDU; ValueError if it is not a
    well-formed one (wrong type, cut short, user data not the length TP-UDL says)."""
    try:
        fo = tpdu[0]
        if fo & 3 != 1:
            raise ValueError("not an SMS-SUBMIT")
        it = iter(bytearray(tpdu[2:]))  # after TP-MTI.. and TP-MR
        dest, _ = gsm_pdu._decodeAddressField(it)
        pid, dcs = next(it), next(it)
        for _ in range(_VP_OCTETS[(fo >> 3) & 3]):
            next(it)
        udl = next(it)
        ud = bytes(it)
    except (StopIteration, IndexError) as e:
        raise ValueError("SMS-SUBMIT cut short") from e
    if not dest or not dest[-1:].isdigit():
        raise ValueError("bad destination")
    if len(ud) != _ud_octets(dcs, udl) or len(ud) > 140:
        raise ValueError("user data length does not match TP-UDL")
    return dest, pid, dcs, bool(fo & 0x40), udl, ud


def validity_s(tpdu):
    """Seconds a SUBMIT's relative validity period (23.040 9.2.3.12.1) allows, or None when
    it has none (the service centre's own default: kept here as long as the run)."""
    fo = tpdu[0]
    if (fo >> 3) & 3 != 2:
        return None
    at = 4 + (tpdu[2] + 1) // 2 + 2  # after TP-MR, the address, TP-PID and TP-DCS
    if at >= len(tpdu):
        return None
    vp = tpdu[at]
    if vp <= 143:
        return (vp + 1) * 300
    if vp <= 167:
        return 12 * 3600 + (vp - 143) * 1800
    if vp <= 196:
        return (vp - 166) * 86400
    return (vp - 192) * 7 * 86400


def phone_shows(raw):
    """(text or None for binary, (ref, total, seq) or None) of a DELIVER, read as a phone."""
    msg = SmsDeliver(raw.hex().upper())
    concat = None
    if msg.udh is not None and msg.udh.concat is not None:
        concat = (msg.udh.concat.ref, msg.udh.concat.cnt, msg.udh.concat.seq)
    if msg.fmt == 0x04:
        return None, concat
    return msg.text, concat


class SimNetwork:
    """Phone numbers and what their owners do. behaviour: number -> list of outcomes for
    successive calls ('answer', 'no_answer', 'busy', 'reject', 'unreachable', 'off',
    'voicemail'); numbers not listed are unreachable."""

    def __init__(self, behaviour=None, sms_delay_s=3.0):
        self.behaviour = dict(behaviour or {})
        self.devices = {}
        self.up = True
        self.sms_delay_s = sms_delay_s
        self.calls = []  # (caller, callee, behaviour) in order
        self.inbox = {}  # phone number -> list of (sender, coding, udh bytes, ud bytes, udl)
        self.undelivered = 0
        self._call_count = {}
        # The world's ears: fn(caller, callee) when a call is answered, fn(sender, dest) when a
        # text reaches a phone that is not a device (a contact person's).
        self.on_answered = None
        self.on_text = None
        self.epoch = None  # () -> Unix seconds: the network's time (NITZ), None: never sent
        # The service centre's store and forward (3GPP 23.040 3.2.5): a text for a device that
        # is off or out of coverage is kept and delivered once it is back, until its validity
        # period (TP-VP of the SUBMIT) runs out. [(expires or None, sender, dest, deliver)]
        self.held = []
        self.expired = 0

    def attach(self, modem):
        self.devices[modem.number] = modem
        self._forward_held()

    def set_up(self, up):
        self.up = up
        for m in self.devices.values():
            m.network_changed()
        self._forward_held()

    def modem_back(self, modem):
        """A device's module is powered again: texts held for it go out."""
        self._forward_held()

    def _forward_held(self):
        now = _loop_time()
        if not self.up or not self.held or now is None:  # no loop: the next event forwards
            return
        keep = []
        for item in self.held:
            expires, sender, dest, deliver = item
            if expires is not None and now > expires:
                self.expired += 1
                continue
            m = self._device(dest)
            if m is None or not m.powered:
                keep.append(item)
                continue
            self.later(self.sms_delay_s, self._arrive, sender, dest, deliver, expires)
        self.held = keep

    def _device(self, dest):
        for number, m in self.devices.items():
            if _same(number, dest):
                return m
        return None

    async def outage(self, start_s, length_s):
        await asyncio.sleep(start_s)
        self.set_up(False)
        await asyncio.sleep(length_s)
        self.set_up(True)

    def next_behaviour(self, callee):
        n = self._call_count.get(callee, 0)
        self._call_count[callee] = n + 1
        plan = self.behaviour.get(callee, ["unreachable"])
        return plan[min(n, len(plan) - 1)]

    # SMS: SUBMIT in, DELIVER out, converted by the independent codec above.
    def submit(self, sender, tpdu):
        """Accept an SMS-SUBMIT TPDU from `sender`. Returns None or a +CMS error number."""
        try:
            dest, pid, dcs, udhi, udl, ud = parse_submit(bytes(tpdu))
        except ValueError:
            return 304  # 27.005: invalid PDU mode parameter
        deliver = build_deliver(sender, dcs, udl, ud, udhi, pid)
        validity, now = validity_s(bytes(tpdu)), _loop_time()
        expires = None if validity is None or now is None else now + validity
        self.later(self.sms_delay_s, self._arrive, sender, dest, deliver, expires)
        return None

    def later(self, delay_s, fn, *args):
        """Schedule fn(*args) on the running loop (tests may replace this)."""
        asyncio.get_running_loop().call_later(delay_s, fn, *args)

    def _arrive(self, sender, dest, deliver, expires=None):
        m = self._device(dest)
        if m is not None:
            if not self.up or not m.powered:  # held at the service centre until it is back
                self.held.append((expires, sender, dest, deliver))
                return
            if not m.store(deliver):
                self.undelivered += 1
            return
        self.inbox.setdefault(dest, []).append((sender, deliver))
        if self.on_text is not None:
            self.on_text(sender, dest)

    def call_device(self, caller, dest, rings=4):
        """Someone calls a device's number: it rings and is given up (or rejected)."""
        for number, m in self.devices.items():
            if _same(number, dest):
                return asyncio.ensure_future(m.incoming(caller, rings))
        return None

    def texts_for(self, number):
        """Texts a contact's phone received: [(sender, text)], concatenated parts joined."""
        out = []
        partial = {}
        for sender, raw in self.inbox.get(number, []):
            text, concat = phone_shows(raw)
            if text is None:
                text = "<binary %d>" % (len(raw) - 1)
            if concat is None:
                out.append((sender, text))
                continue
            ref, total, seq = concat
            parts = partial.setdefault((sender, ref), {})
            parts[seq] = text
            if len(parts) == total:
                out.append((sender, "".join(parts[i] for i in range(1, total + 1))))
        return out

    def text_from_stranger(self, sender, dest, text):
        """A stranger's plain text to a device (GSM 7-bit, or UCS-2 when it must be)."""
        try:
            septets = gsm_pdu.encodeGsm7(text)
            raw = build_deliver(sender, 0x00, len(septets), gsm_pdu.packSeptets(septets))
        except ValueError:
            data = gsm_pdu.encodeUcs2(text)
            raw = build_deliver(sender, 0x08, len(data), data)
        self._arrive(sender, dest, raw)

    def binary_from(self, sender, dest, payload, port=None):
        """An 8-bit SMS to a device, with a 16-bit application port header when `port` is
        given (what a stranger's imitation of a far frame looks like)."""
        udh = b""
        if port is not None:
            ie = gsm_pdu.PortAddress()
            ie.destination = ie.source = port
            ie_bytes = bytes(ie.encode())
            udh = bytes((len(ie_bytes),)) + ie_bytes
        ud = udh + bytes(payload)
        self._arrive(sender, dest, build_deliver(sender, 0x04, len(ud), ud, bool(udh)))


def _loop_time():
    try:
        return asyncio.get_running_loop().time()
    except RuntimeError:  # called outside a loop (codec tests replace `later`)
        return None


def _same(a, b):
    da = "".join(c for c in a if c.isdigit())
    db = "".join(c for c in b if c.isdigit())
    return len(da) >= 6 and da[-9:] == db[-9:]


class SimModem:
    """A module on a UART. host side: `reader` (modem -> host) and `writer` (host -> modem)."""

    def __init__(self, network, number, profile="a7670e", volte_sim=True, pin=None,
                 latency_s=0.02, storage=20, seed=0, boot_s=3.0, rssi=20):
        self.q = QUIRKS[profile]
        self.p = fw_profiles.get(profile)
        self.profile = profile
        self.network = network
        self.number = number
        self.volte_sim = volte_sim
        self.pin = pin
        self.latency_s = latency_s
        self.storage_size = storage
        self.boot_s = boot_s
        self.rssi = rssi
        self.rng = random.Random(seed)
        self.reader = Pipe()  # what the host reads
        self.writer = Pipe()  # what the host writes
        self.log = []  # commands received, for tests
        self.drop_final_p = 0.0  # fuzz: probability of losing a final result code
        self.garbage_p = 0.0  # fuzz: probability of garbage before a response
        self.truncate_p = 0.0  # fuzz: probability of a truncated response line
        self._task = None
        self._call_task = None
        self.powered = False
        self.slots = {}  # the SIM's SMS storage: kept across module resets and power cycles
        # The DTR line is the host's pin: it keeps its level across module resets.
        self.dtr = 0
        self.lost_asleep = 0  # bytes the host sent while the module slept (must stay 0)
        self.asleep_s = 0.0  # time spent asleep, for the power figures
        self._asleep_since = None
        self._awake_at = 0.0
        self._power_on_state()
        network.attach(self)

    def _power_on_state(self):
        self.booted = False
        self.echo = self.q["echo"]
        self.cmgf = 1
        self.creg_n = 0
        self.cereg_n = 0
        self.clcc_n = 0
        self.crc = 0  # AT+CRC=1: "+CRING: VOICE" instead of "RING"
        self.clip = 0  # AT+CLIP=1: the caller's number after each ring
        self.ringing = None  # an incoming call: the caller's number
        self.pin_ok = self.pin is None
        self.call = None  # dict: number, stat
        self._prompt = None  # pending AT+CMGS length while collecting a PDU
        self._line = bytearray()
        self.csclk = 0  # AT+CSCLK=1: sleeps while DTR is high (a reset forgets it)

    # ---- running ---------------------------------------------------------------------

    def start(self):
        self._task = asyncio.ensure_future(self._run())
        asyncio.get_running_loop().call_later(self.boot_s, self._boot_done)
        self.powered = True
        self.network.modem_back(self)
        return self

    def stop(self):
        self.powered = False
        for t in (self._task, self._call_task):
            if t is not None:
                t.cancel()
        self.reader.close()

    def _boot_done(self):
        self.booted = True
        for u in self.p["boot_urcs"]:
            if u.startswith("+CPIN") and not self.pin_ok:
                u = "+CPIN: SIM PIN"
            self.urc(u)

    def reset(self):
        """The module resets (brown-out, firmware crash): settings lost, banners again."""
        if self._call_task is not None:
            self._call_task.cancel()
        self._power_on_state()  # SIM storage (self.slots) survives
        self._note_sleep(asyncio.get_running_loop().time())
        asyncio.get_running_loop().call_later(self.boot_s, self._boot_done)

    def out(self, text):
        self.reader.write(text.encode() if isinstance(text, str) else text)

    def urc(self, line, cr="\r"):
        self.out("%s\n%s%s\n" % (cr, line, cr))

    def urc_cc(self, line):
        """A result code in the module's own framing (CR CR LF on the SIMCom 4G modules)."""
        self.urc(line, "\r\r" if self.p["double_cr"] else "\r")

    def inject(self, data):
        self.out(data)

    def burst(self, n):
        """n unexpected URCs and junk lines, as a flaky module or noisy line produces."""
        pool = ["RING", "+CREG: 1", "+CEREG: 5", "+CSQ: 12,0", "+CTZV: +04,0", "PB DONE",
                "+CPIN: READY", "SMS DONE", "+CLCC: 1,1,4,0,0,\"+31600000000\",145",
                "NO CARRIER", "OK", "\x00\xff\xfe", "+CMTI: \"SM\",99", "*PSUTTZ: 2027",
                "random junk", "+CIEV: 10,\"20416\""]
        for _ in range(n):
            self.urc(self.rng.choice(pool))

    # ---- sleep (AT+CSCLK=1) ---------------------------------------------------------------
    # SIMCom's slow-clock mode as the AT manuals describe it: with AT+CSCLK=1 the module sleeps
    # while DTR is high and nothing happens on the air (a call, a ring); its UART does not
    # listen then. A URC (an incoming text or call) wakes it by itself. Pulling DTR low wakes
    # it, and its UART listens again after WAKE_S (a model figure below the firmware's
    # at.WAKE_MS margin). What the host sends to a sleeping module is lost, and counted.
    WAKE_S = 0.05

    def asleep(self):
        return bool(self.csclk and self.dtr and self.call is None and self.ringing is None)

    def set_dtr(self, level):
        now = asyncio.get_running_loop().time()
        was = self.asleep()
        self.dtr = 1 if level else 0
        if was and not self.asleep():
            self._awake_at = now + self.WAKE_S
        self._note_sleep(now)

    def _note_sleep(self, now):
        if self.asleep() and self._asleep_since is None:
            self._asleep_since = now
        elif not self.asleep() and self._asleep_since is not None:
            self.asleep_s += now - self._asleep_since
            self._asleep_since = None

    def sleep_seconds(self):
        """Seconds asleep so far (a sleep still going on counted to now)."""
        extra = 0.0
        if self._asleep_since is not None:
            extra = asyncio.get_running_loop().time() - self._asleep_since
        return self.asleep_s + extra

    async def _run(self):
        loop = asyncio.get_running_loop()
        while True:
            data = await self.writer.read(256)
            if not data:
                return
            for b in data:
                if self.asleep() or loop.time() < self._awake_at:
                    self.lost_asleep += 1
                    continue
                await self._byte(b)

    async def _byte(self, b):
        if self._prompt is not None:
            if b == 0x1A:
                hexpdu = self._line.decode("latin-1").strip()
                self._line = bytearray()
                n = self._prompt
                self._prompt = None
                await self._send_pdu(hexpdu, n)
            elif b == 0x1B:
                self._line = bytearray()
                self._prompt = None
                self.urc("OK")
            else:
                self._line.append(b)
            return
        if b == 0x1B:
            return
        if self.echo and self.booted:
            self.out(bytes((b,)))
        if b == 13:
            line = self._line.decode("latin-1").strip()
            self._line = bytearray()
            if line and self.booted:
                await asyncio.sleep(self.latency_s)
                self.log.append(line)
                self._command(line)
        elif b != 10:
            self._line.append(b)

    def _reply(self, *lines, final="OK"):
        if self.rng.random() < self.garbage_p:
            self.out(bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 20))))
        for ln in lines:
            if self.rng.random() < self.truncate_p:
                ln = ln[:self.rng.randrange(len(ln) + 1)]
            self.out("\r\n%s\r\n" % ln)
        if final and self.rng.random() >= self.drop_final_p:
            self.out("\r\n%s\r\n" % final)

    # ---- commands ------------------------------------------------------------------------

    def _reg_stat(self):
        return 1 if self.network.up else 2

    def network_changed(self):
        stat = self._reg_stat()
        if self.creg_n and self.q["creg"]:
            self.urc("+CREG: %d" % stat)
        if self.cereg_n and self.q["cereg"]:
            self.urc("+CEREG: %d" % stat)
        if not self.network.up and self.call is not None:
            self._end_call("NO CARRIER")

    def _command(self, line):
        u = line.upper()
        if not u.startswith("AT"):
            return self._reply(final="ERROR")
        c = u[2:]
        if c == "":
            return self._reply()
        if c in ("E0", "E1"):
            self.echo = c == "E1"
            return self._reply()
        if c == "I":
            return self._reply("SIMCOM_" + self.profile.upper())
        if c.startswith("+CMEE=") or c.startswith("+CNMI=") or c.startswith("+CSCS="):
            return self._reply()
        if c in ("+CRC=0", "+CRC=1", "+CLIP=0", "+CLIP=1"):
            setattr(self, c[1:c.index("=")].lower(), int(c[-1]))
            return self._reply()
        if c in ("+CSCLK=0", "+CSCLK=1"):
            self.csclk = int(c[-1])
            self._note_sleep(asyncio.get_running_loop().time())
            return self._reply()
        if c == "+CSCLK?":
            return self._reply("+CSCLK: %d" % self.csclk)
        if c.startswith("+CMGF="):
            self.cmgf = 0 if c.endswith("0") else 1
            return self._reply()
        if c == "+CPIN?":
            return self._reply("+CPIN: READY" if self.pin_ok else "+CPIN: SIM PIN")
        if c.startswith("+CPIN="):
            if line[7:].strip('"') == self.pin:
                self.pin_ok = True
                return self._reply()
            return self._reply(final="+CME ERROR: 16")
        if c in ("+CREG?", "+CEREG?"):
            key = c[1:-1]
            if not self.q[key.lower()]:
                return self._reply(final="ERROR")
            n = self.creg_n if key == "CREG" else self.cereg_n
            stat = self._reg_stat() if self.pin_ok else 0
            return self._reply("+%s: %d,%d" % (key, n, stat))
        if c.startswith("+CREG=") or c.startswith("+CEREG="):
            key = c[1:c.index("=")]
            if not self.q[key.lower()]:
                return self._reply(final="ERROR")
            setattr(self, key.lower() + "_n", int(c[-1]) if c[-1].isdigit() else 0)
            return self._reply()
        if c == "+CSQ":
            return self._reply("+CSQ: %d,99" % (self.rssi if self.network.up else 99))
        if c == "+CCLK?":  # local time, zone in quarters of an hour (the Netherlands in winter)
            when = time.gmtime(self.network.epoch() + 3600) if self.network.epoch else None
            text = "70/01/01,00:00:00+00" if when is None else \
                "%02d/%02d/%02d,%02d:%02d:%02d+04" % (when.tm_year % 100, when.tm_mon,
                                                       when.tm_mday, when.tm_hour, when.tm_min,
                                                       when.tm_sec)
            return self._reply('+CCLK: "%s"' % text)
        if c == "+CLCC=1":
            if not self.q["clcc_urc"]:
                return self._reply(final="ERROR")
            self.clcc_n = 1
            return self._reply()
        if c == "+CLCC":
            return self._reply(*([self._clcc_line()] if self.call else []))
        if c.startswith("D"):
            return self._dial(line[3:].rstrip(";"))
        if c in ("H", "+CHUP"):
            if self.call is not None:
                self._end_call(None)
            self.ringing = None  # an incoming call is rejected too
            self._note_sleep(asyncio.get_running_loop().time())
            return self._reply()
        if c.startswith("+CMGS="):
            try:
                n = int(c[6:])
            except ValueError:
                return self._reply(final="+CMS ERROR: 304")
            if self.cmgf != 0:
                return self._reply(final="+CMS ERROR: 304")
            self._prompt = n
            return self.out("\r\n> ")
        if c.startswith("+CMGR="):
            return self._cmgr(c[6:])
        if c.startswith("+CMGD="):
            parts = c[6:].split(",")
            if len(parts) > 1 and parts[1].strip() == "4":
                self.slots.clear()
            else:
                self.slots.pop(int(parts[0]) if parts[0].isdigit() else -1, None)
            return self._reply()
        if c.startswith("+CMGL"):
            if self.cmgf != 0:
                return self._reply(final="+CMS ERROR: 302")
            lines = []
            for i in sorted(self.slots):
                raw = self.slots[i]
                lines.append("+CMGL: %d,1,,%d" % (i, len(raw) - 1))
                lines.append(raw.hex().upper())
            return self._reply(*lines)
        return self._reply(final="ERROR")

    def _cmgr(self, arg):
        if not arg.isdigit() or int(arg) >= self.storage_size:
            return self._reply(final="+CMS ERROR: 321")
        raw = self.slots.get(int(arg))
        if raw is None:
            return self._reply()
        return self._reply("+CMGR: 1,,%d" % (len(raw) - 1), raw.hex().upper())

    async def _send_pdu(self, hexpdu, n):
        await asyncio.sleep(self.latency_s)
        try:
            raw = bytes.fromhex(hexpdu)
        except ValueError:
            return self._reply(final="+CMS ERROR: 304")
        if not raw or len(raw) != 1 + raw[0] + n:
            return self._reply(final="+CMS ERROR: 304")
        if not self.network.up:
            await asyncio.sleep(2.0)
            return self._reply(final="+CMS ERROR: 331")
        err = self.network.submit(self.number, raw[1 + raw[0]:])
        if err is not None:
            return self._reply(final="+CMS ERROR: %d" % err)
        await asyncio.sleep(1.5)
        self._reply("+CMGS: %d" % self.rng.randrange(256))

    def store(self, deliver):
        for i in range(self.storage_size):
            if i not in self.slots:
                self.slots[i] = deliver
                self.urc('+CMTI: "SM",%d' % i)
                return True
        return False

    # ---- calls -------------------------------------------------------------------------------

    def _clcc_line(self):
        return '+CLCC: 1,0,%d,0,0,"%s",%d' % (self.call["stat"], self.call["number"],
                                               145 if self.call["number"].startswith("+") else 129)

    def _set_stat(self, stat):
        self.call["stat"] = stat
        if self.clcc_n:
            self.urc(self._clcc_line())
        if stat == 0:
            self.call["began"] = asyncio.get_running_loop().time()
            if self.p["voice_urc"]:
                self.urc("VOICE CALL: BEGIN")

    def _dial(self, number):
        if not self.q["voice"]:
            return self._reply(final="ERROR")
        if not self.network.up:
            return self._reply(final=self.q["no_net_dial"])
        if self.call is not None:
            return self._reply(final="ERROR")
        self.call = {"number": number, "stat": 2}
        self._note_sleep(asyncio.get_running_loop().time())
        self._reply()
        if self.clcc_n:
            self.urc(self._clcc_line())
        self._call_task = asyncio.ensure_future(self._call_progress(number))

    async def _call_progress(self, number):
        if self.q["volte"] and not self.volte_sim:
            await asyncio.sleep(1.0)  # A7670E without VoLTE: the call drops before ringing
            return self._end_call("NO CARRIER")
        how = self.network.next_behaviour(number)
        self.network.calls.append((self.number, number, how))
        await asyncio.sleep(DIAL_S)
        if how in ("unreachable", "off"):
            await asyncio.sleep(UNREACHABLE_S)
            return self._end_call("NO CARRIER")
        if how == "busy":
            await asyncio.sleep(BUSY_AFTER_S)
            return self._end_call("BUSY")
        self._set_stat(3)
        if how == "reject":
            await asyncio.sleep(REJECT_AFTER_S)
            return self._end_call("BUSY")
        if how in ("no_answer", "ring_out"):
            await asyncio.sleep(NETWORK_NO_REPLY_S)
            return self._end_call("NO ANSWER")
        await asyncio.sleep(20.0 if how == "voicemail" else ANSWER_AFTER_S)
        self._set_stat(0)
        if self.network.on_answered is not None:
            self.network.on_answered(self.number, number)
        await asyncio.sleep(TALK_S)
        self._end_call("NO CARRIER")

    def _end_call(self, code):
        if self.call is None:
            return
        if self.clcc_n:
            self.call["stat"] = 6
            self.urc(self._clcc_line())
        began = self.call.get("began")
        self.call = None
        self._note_sleep(asyncio.get_running_loop().time())
        if self._call_task is not None and self._call_task is not asyncio.current_task():
            self._call_task.cancel()
        self._call_task = None
        if began is not None and self.p["voice_urc"]:  # only a call whose audio was up
            s = int(asyncio.get_running_loop().time() - began)
            self.urc("VOICE CALL: END: %02d%02d%02d" % (s // 3600, s // 60 % 60, s % 60))
        if code:
            self.urc(code)

    # ---- incoming calls (the firmware does not answer them) ------------------------------------

    async def incoming(self, caller, rings=4):
        """A call from `caller` rings `rings` times and is given up by the caller."""
        if self.ringing is not None or self.call is not None:
            return False
        self.ringing = caller
        self._note_sleep(asyncio.get_running_loop().time())
        cl = '+CLCC: 2,1,%%d,0,0,"%s",%d' % (caller, 145 if caller.startswith("+") else 129)
        if self.clcc_n:
            self.urc(cl % 4)
        for _ in range(rings):
            if self.ringing is None:
                break
            if self.crc:
                self.urc_cc("+CRING: VOICE")
            else:
                self.urc("RING")
            if self.clip:
                self.urc('+CLIP: "%s",%d,,,,0' % (caller, 145 if caller[:1] == "+" else 129))
            await asyncio.sleep(RING_EVERY_S)
        rejected = self.ringing is None
        self.ringing = None
        self._note_sleep(asyncio.get_running_loop().time())
        if self.clcc_n:
            self.urc(cl % 6)
        if not rejected and self.p["missed_call_urc"]:
            when = SCTS_START + timedelta(seconds=int(_now_s()))
            self.urc("MISSED_CALL: %s %s" % (when.strftime("%I:%M%p"), caller))
        return True
