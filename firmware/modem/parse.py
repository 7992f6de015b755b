"""Pure AT response parsing: bytes to lines, line classification, field parsers.

No I/O, no clock, no asyncio: the same results on the ESP32, the unix port and CPython.
Everything here accepts any input; malformed fields give None or ValueError, never a crash
of the caller's task (callers catch ValueError).
"""

from compat import const

MAX_LINE = const(600)  # longer than any PDU line (2 * 176 hex digits + header) we expect

# Line kinds returned by classify().
FINAL = "final"
URC = "urc"
INFO = "info"

# Final result codes of every command.
_FINAL_ANY = ("OK", "ERROR")
# Call progress codes: final for ATD, unsolicited otherwise.
CALL_CODES = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")

# Unsolicited result codes by prefix (module boot banners included).
_URC_PREFIXES = (
    "RING", "+CLIP:", "+CLCC:", "+CMTI:", "+CMT:", "+CDS:", "+CDSI:", "+CREG:", "+CEREG:",
    "+CGREG:", "+CPIN:", "RDY", "*ATREADY", "Call Ready", "SMS Ready", "SMS DONE", "PB DONE",
    "+CFUN:", "VOICE CALL:", "NORMAL POWER DOWN", "UNDER-VOLTAGE", "OVER-VOLTAGE", "+CUSD:",
    "MISSED_CALL", "+CRING:", "+CPSI:", "+CTZV:", "*PSUTTZ", "DST:", "+CIEV:", "+QIND:",
    "+STIN:", "+CGEV:", "+CLIP", "+CCWA:",
)
# URCs that mean the module has (re)booted and lost its settings.
_BOOT_URCS = ("RDY", "*ATREADY", "START")


def is_final(line, dialling=False):
    """True for a final result code. Call progress codes end only ATD (dialling=True)."""
    if line in _FINAL_ANY or line.startswith("+CME ERROR") or line.startswith("+CMS ERROR"):
        return True
    return dialling and line in CALL_CODES


def is_urc(line):
    if line in CALL_CODES:
        return True
    for p in _URC_PREFIXES:
        if line.startswith(p):
            return True
    return False


def is_boot(line):
    for p in _BOOT_URCS:
        if line.startswith(p):
            return True
    return line == "+CPIN: NOT READY"


def error_code(line):
    """(kind, code) for a final code: ('ok', None), ('error', None), ('cme', 30), ('cms', 500),
    or ('BUSY', None) etc. for call progress codes. Non-numeric codes (verbose mode) -> -1."""
    if line == "OK":
        return ("ok", None)
    if line == "ERROR":
        return ("error", None)
    for kind, prefix in (("cme", "+CME ERROR"), ("cms", "+CMS ERROR")):
        if line.startswith(prefix):
            rest = line[len(prefix):].lstrip(":").strip()
            try:
                return (kind, int(rest))
            except ValueError:
                return (kind, -1)
    return (line, None)


def is_hex(line):
    if not line or len(line) & 1:
        return False
    for ch in line:
        if not ("0" <= ch <= "9" or "A" <= ch <= "F" or "a" <= ch <= "f"):
            return False
    return True


def pdu_line(line):
    """The hex text of a PDU line: some modules leave a stray quote or blank around it."""
    return line.strip().strip('"').strip()


def fields(line, prefix):
    """Split '+CLCC: 1,0,3,0,0,"+316",145' after `prefix` into fields with quotes stripped.
    Commas inside quotes stay. Returns None if the line has another prefix."""
    if not line.startswith(prefix):
        return None
    rest = line[len(prefix):]
    out = []
    cur = []
    quoted = False
    for ch in rest:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur).strip())
    return out


def _int(text, default=None):
    try:
        return int(text)
    except (ValueError, TypeError):
        return default


def parse_csq(line):
    """'+CSQ: 17,0' -> (rssi 0..31 or 99 unknown, ber). None if malformed."""
    f = fields(line, "+CSQ:")
    if not f or len(f) < 2:
        return None
    rssi = _int(f[0])
    if rssi is None or not (0 <= rssi <= 31 or rssi == 99):
        return None
    return (rssi, _int(f[1], 99))


def csq_dbm(rssi):
    """3GPP 27.007: 0 -> -113 dBm ... 31 -> -51 dBm or better; 99 -> None."""
    if rssi is None or rssi == 99:
        return None
    return -113 + 2 * rssi


REG_NAMES = {0: "none", 1: "home", 2: "searching", 3: "denied", 4: "unknown", 5: "roaming",
             6: "home_sms", 7: "roaming_sms"}


def parse_reg(line, query):
    """+CREG/+CEREG/+CGREG -> stat or None. A query response is 'n,stat[,...]'
    (query=True); an unsolicited report is 'stat[,...]' (query=False)."""
    for prefix in ("+CREG:", "+CEREG:", "+CGREG:"):
        f = fields(line, prefix)
        if f is None:
            continue
        if query and len(f) < 2:
            return None
        stat = _int(f[1] if query else f[0])
        return stat if stat in REG_NAMES else None
    return None


def registered(stat):
    return stat in (1, 5, 6, 7)


def parse_cpin(line):
    """'+CPIN: READY' -> 'ready'; SIM PIN -> 'pin'; SIM PUK -> 'puk'; NOT INSERTED -> 'absent'."""
    f = fields(line, "+CPIN:")
    if not f:
        return None
    v = f[0].upper()
    if v == "READY":
        return "ready"
    if v == "SIM PIN":
        return "pin"
    if v == "SIM PUK":
        return "puk"
    if "NOT INSERTED" in v or "NOT READY" in v:
        return "absent"
    return "locked"


class CallState:
    """One +CLCC line: idx, dir (0 outgoing), stat (0 active, 1 held, 2 dialling, 3 alerting,
    4 incoming, 5 waiting, 6 disconnected: SIMCom), mode (0 voice), number."""

    __slots__ = ("idx", "dir", "stat", "mode", "number")

    def __init__(self, idx, dir_, stat, mode, number):
        self.idx = idx
        self.dir = dir_
        self.stat = stat
        self.mode = mode
        self.number = number


def parse_clcc(line):
    f = fields(line, "+CLCC:")
    if not f or len(f) < 5:
        return None
    idx, dir_, stat, mode = _int(f[0]), _int(f[1]), _int(f[2]), _int(f[3])
    if idx is None or dir_ not in (0, 1) or stat is None or not 0 <= stat <= 6:
        return None
    number = f[5] if len(f) > 5 else ""
    return CallState(idx, dir_, stat, mode, number)


def parse_cmti(line):
    """'+CMTI: "SM",3' -> 3 (storage index), None if malformed."""
    f = fields(line, "+CMTI:")
    if not f or len(f) < 2:
        return None
    i = _int(f[1])
    return i if i is not None and 0 <= i < 1000 else None


def parse_cmgl(line):
    """'+CMGL: 2,1,,24' (PDU mode) -> (index, stat, length). '+CMGR: 1,,24' -> (None, 1, 24)."""
    f = fields(line, "+CMGL:")
    if f is not None and len(f) >= 4:
        idx, stat, length = _int(f[0]), _int(f[1]), _int(f[-1])
        if idx is None or length is None:
            return None
        return (idx, stat, length)
    f = fields(line, "+CMGR:")
    if f is not None and len(f) >= 3:
        return (None, _int(f[0]), _int(f[-1]))
    return None


def digits(number):
    """The digits of a phone number, '+' and separators dropped."""
    return "".join([c for c in number if "0" <= c <= "9"])


def same_number(a, b):
    """'+31612345678' == '0031612345678' == '0612345678' (national form): compare the last
    nine digits, the subscriber part of a Dutch mobile number. Empty numbers never match."""
    da = digits(a or "")
    db = digits(b or "")
    if len(da) < 6 or len(db) < 6:
        return False
    return da[-9:] == db[-9:]


class LineSplitter:
    """Cuts the modem's byte stream into lines; recognises the '> ' SMS prompt when asked.

    feed(data) returns a list of str lines and the PROMPT marker. Non-printable bytes are
    removed (and counted in `garbage`); overlong lines are dropped (counted in `overflow`).
    """

    PROMPT = ">"

    def __init__(self):
        self.buf = bytearray()
        self.want_prompt = False
        self.garbage = 0
        self.overflow = 0
        self._skipping = False

    def feed(self, data):
        out = []
        buf = self.buf
        for b in data:
            if b == 13 or b == 10:
                if self._skipping:
                    self._skipping = False
                elif buf:
                    self._emit(out)
                buf[:] = b""
                continue
            if self._skipping:
                continue
            if b < 32 or b > 126:
                self.garbage += 1
                continue
            buf.append(b)
            if len(buf) > MAX_LINE:
                self.overflow += 1
                buf[:] = b""
                self._skipping = True
                continue
            if self.want_prompt and buf[0] == 62:  # '>' at the start of a line
                self.want_prompt = False
                out.append(self.PROMPT)
                buf[:] = b""  # the space after '>' ends up in an empty line
        return out

    def _emit(self, out):
        line = bytes(self.buf).decode().strip()
        if line:
            out.append(line)
