"""The modem's parser and SMS codec under the real MicroPython (identical results to CPython),
and the engine on MicroPython's asyncio against a scripted module."""

import json
import random
import subprocess
import sys

from modem import sms
from mpy import ROOT, run

TRANSCRIPTS = ROOT.parent / "shared" / "data" / "modem" / "gammu"

DIFF_SCRIPT = r'''
import sys, json
from modem import parse, sms, pdu, wording, calls
from link import far

def main(path):
    with open(path) as f:
        corpus = json.load(f)
    out = []
    for line in corpus["lines"]:
        cs = parse.parse_clcc(line)
        out.append([parse.is_final(line), parse.is_final(line, True), parse.is_urc(line),
                    list(parse.error_code(line)),
                    parse.parse_csq(line) and list(parse.parse_csq(line)),
                    parse.parse_reg(line, True), parse.parse_reg(line, False),
                    parse.parse_cpin(line), parse.parse_cmti(line),
                    cs and [cs.idx, cs.dir, cs.stat, cs.number]])
    s = parse.LineSplitter()
    got = []
    for chunk in corpus["chunks"]:
        s.want_prompt = len(got) % 3 == 0
        got.extend(s.feed(bytes(chunk)))
    out.append([got, s.garbage, s.overflow])
    for text in corpus["texts"]:
        try:
            coding, parts = sms.plan(text)
            t = pdu.submit_parts("+31612345678", coding, parts, 9)
            out.append([coding, [pdu.to_hex(x) for x in t], list(sms.count(text))])
        except ValueError as e:
            out.append(["error", str(e)])
    for h in corpus["pdus"]:
        try:
            m = pdu.decode(pdu.from_hex(parse.pdu_line(h)))
            p = far.payload(m)
            out.append([m.sender, m.coding, m.text, pdu.to_hex(m.data),
                        m.concat and list(m.concat), m.port, p and pdu.to_hex(p), m.kind,
                        m.timestamp and list(m.timestamp), m.status, m.truncated])
        except ValueError as e:
            out.append(["error", str(e)])
    out.append(wording.contact_text("escalated", "Kim", "Ann", (523702160, -48951680), True))
    print(json.dumps(out))

main(sys.argv[1])
'''

ENGINE_SCRIPT = r'''
import asyncio
from modem.modem import Modem

class Uart:
    """A scripted module: answers by command, call answered after two polls."""
    def __init__(self):
        self.rx = bytearray()
        self.ev = asyncio.Event()
        self.line = bytearray()
        self.polls = 0
        self.prompt = False
        self.log = []
    def push(self, s):
        self.rx.extend(s.encode())
        self.ev.set()
    async def read(self, n):
        while not self.rx:
            self.ev.clear()
            await self.ev.wait()
        out = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return out
    async def drain(self):
        pass
    def write(self, data):
        for b in data:
            if self.prompt:
                if b == 0x1a:
                    self.prompt = False
                    self.push("\r\n+CMGS: 5\r\n\r\nOK\r\n")
                continue
            if b == 13:
                self.cmd(bytes(self.line).decode())
                self.line = bytearray()
            elif b != 10 and b != 0x1b:
                self.line.append(b)
    def cmd(self, c):
        self.log.append(c)
        if c == "AT+CPIN?":
            return self.push("\r\n\xff+CPIN: READY\r\n\r\nOK\r\n")
        if c == "AT+CEREG?":
            return self.push("\r\n+CEREG: 1,1\r\n\r\nOK\r\n")
        if c == "AT+CSQ":
            return self.push("\r\nRING\r\n+CSQ: 18,99\r\n\r\nOK\r\n")
        if c == "AT+CMGL=4":
            return self.push("\r\nOK\r\n")
        if c.startswith("AT+CMGS="):
            self.prompt = True
            return self.push("\r\n> ")
        if c == "AT+CLCC":
            self.polls += 1
            st = 3 if self.polls < 2 else 0
            return self.push('\r\n+CLCC: 1,0,%d,0,0,"+31611111111",145\r\n\r\nOK\r\n' % st)
        if c == "AT+CSQ_LOST":
            return
        self.push("\r\nOK\r\n")

async def main():
    u = Uart()
    m = Modem(u, u, "a7670e")
    ok = await m.start(service=False)
    h = m.health
    sms = await m.send_sms("+31611111111", "Hallo \u20ac")
    call = await m.call("+31611111111", 10000)
    r = await m.engine.command("AT+CSQ_LOST", 300)
    again = await m.engine.command("AT", 500)
    m.stop()
    print(ok, h["registered"], h["csq"], sms, call, r.status, again.status,
          m.stats["incoming_calls"] > 0)

asyncio.run(main())
'''


def _corpus():
    rng = random.Random(5)
    lines = ["OK", "ERROR", "+CME ERROR: 30", "+CMS ERROR: 331", "+CME ERROR: SIM busy",
             "NO CARRIER", "BUSY", "RING", '+CMTI: "SM",4', "+CSQ: 31,0", "+CSQ: 99,99",
             "+CREG: 0,5", "+CEREG: 2", '+CEREG: 1,"00A1","1B2C",7', "+CPIN: SIM PIN",
             "+CPIN: READY", '+CLCC: 1,0,3,0,0,"+31612345678",145', "+CLCC: 2,1,4,0,0",
             "VOICE CALL: END: 000012", "*ATREADY: 1", "", "+CSQ:", "+CLCC: x,y"]
    alphabet = "AT+CMEROKSQ0123456789:, \"BUSYNG"
    for _ in range(150):
        lines.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25))))
    stream = (b"\r\nOK\r\n> \xff\xfe+CSQ: 12,0\r\n" + bytes(rng.randrange(256) for _ in range(400))
              + b"A" * 700 + b"\r\nOK\r\n")
    chunks = []
    i = 0
    while i < len(stream):
        n = rng.randrange(1, 40)
        chunks.append(list(stream[i:i + n]))
        i += n
    texts = ["hellohello", "x" * 161, "€" * 81, "x" * 152 + "€" + "y" * 9, "Kalm ☺",
             "geëscaleerd “ok”", "x" * 1000, "", "\U0001F600" * 40]
    chars = list(sms._MAP) + list(sms._EXT) + ["☺", "ë", "\u2019"]
    for _ in range(25):
        texts.append("".join(rng.choice(chars) for _ in range(rng.randrange(0, 400))))
    pdus = ["07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
            "0044" + "0B911346610089F6" + "0004721012310000000C0605042F1A2F1A" + "0102030405",
            "00", "", "07911326040000F0", "0003" + "00" * 30]
    # the real modems' PDU lines (tests/test_modem_transcripts.py), good and broken
    for folder in ("at-sms", "at-sms-failing"):
        for path in sorted((TRANSCRIPTS / folder).glob("*.dump")):
            pdus.append(path.read_bytes().decode("latin-1").splitlines()[2])
    for _ in range(40):
        n = rng.randrange(0, 80) * 2
        pdus.append("".join(rng.choice("0123456789ABCDEF") for _ in range(n)))
    return {"lines": lines, "chunks": chunks, "texts": texts, "pdus": pdus}


def test_parser_and_codec_identical_under_micropython(tmp_path):
    script = tmp_path / "modem_diff.py"
    script.write_text(DIFF_SCRIPT)
    corpus = tmp_path / "corpus.json"
    corpus.write_text(json.dumps(_corpus()))
    # The corpus itself is large; the firmware code's own heap use is covered by the engine test.
    mp = run(script, corpus, heapsize="4000000")
    assert mp.returncode == 0, mp.stderr.decode()
    cp = subprocess.run([sys.executable, str(script), str(corpus)], capture_output=True,
                        env={"PYTHONPATH": str(ROOT / "firmware")}, check=True)
    mp_out = json.loads(mp.stdout)
    cp_out = json.loads(cp.stdout)
    assert len(mp_out) == len(cp_out) > 200
    for i, (a, b) in enumerate(zip(mp_out, cp_out, strict=True)):
        assert a == b, "item %d differs: micropython %r cpython %r" % (i, a, b)
    # the corpus exercises the interesting paths, not just errors
    assert ["ok", None] in [o[3] for o in cp_out[:5]]
    assert any(isinstance(o, list) and o and o[0] == "ucs2" for o in cp_out)
    assert any(isinstance(o, list) and len(o) == 11 and o[6] == "0102030405" for o in cp_out)
    kinds = [o[7] for o in cp_out if isinstance(o, list) and len(o) == 11]
    assert {"deliver", "submit", "status"} <= set(kinds)


def test_engine_runs_on_micropython_asyncio(tmp_path):
    script = tmp_path / "modem_engine.py"
    script.write_text(ENGINE_SCRIPT)
    mp = run(script, timeout=60)
    assert mp.returncode == 0, mp.stderr.decode()
    assert mp.stdout.decode().split() == ["True", "True", "18", "sent", "answered", "timeout",
                                          "ok", "True"]
