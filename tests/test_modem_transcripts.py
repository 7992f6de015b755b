"""The firmware's AT parser and SMS decoder on real modem transcripts (../shared/data/modem/).

Gammu's test data: what real phones and modems answered. Each `+CMGR` exchange is played to the
firmware's own engine and driver (`Modem.read_inbox`), as a module would send it, byte for
byte; every good dump must decode, every broken one must be counted and dropped. The decoded
fields are compared with two independent decoders (python-gsmmodem-new and python-messaging);
where one of them disagrees with the firmware, the table below says which clause of 3GPP TS
23.040 / 23.038 shows the firmware right. The encode pairs check the SMS-SUBMIT encoder against
the PDUs Gammu made for the same text.
"""

import asyncio
import re

import gsmmodem.pdu as gsm_pdu
import pytest
from messaging.sms import SmsDeliver

from host_sim import vloop
from modem import parse, pdu, sms
from gsmmodem_udh import udh
from modem.modem import Modem
from mpy import ROOT

DATA = ROOT.parent / "shared" / "data" / "modem" / "gammu"


def dumps(folder):
    found = sorted((DATA / folder).glob("*.dump"))
    assert found, "no transcripts in %s" % (DATA / folder)
    return found


class ScriptedModule:
    """Answers each command line with the transcript recorded for it (echo included), 'OK'
    to anything else. The stream interface of modem.at."""

    def __init__(self, answers):
        self.answers = answers  # command -> bytes
        self.rx = bytearray()
        self.ev = asyncio.Event()
        self.line = bytearray()
        self.log = []

    async def read(self, n):
        while not self.rx:
            self.ev.clear()
            await self.ev.wait()
        out = bytes(self.rx[:n])
        del self.rx[:n]
        return out

    def write(self, data):
        for b in data:
            if b == 13:
                cmd = self.line.decode("latin-1").strip()
                self.line = bytearray()
                if cmd:
                    self.log.append(cmd)
                    self.rx.extend(self.answers.get(cmd, b"\r\nOK\r\n"))
                    self.ev.set()
            elif b not in (10, 0x1B):
                self.line.append(b)

    async def drain(self):
        await asyncio.sleep(0)


def transcript(path):
    """The recorded exchange as the module sent it: every line ends in CR LF."""
    text = path.read_bytes().decode("latin-1")
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines[0].strip(), ("\r\n".join(lines) + "\r\n").encode("latin-1")


def read_with_firmware(path, profile="sim7600"):
    """Play one `AT+CMGR` dump to Modem.read_inbox; returns (stats, delivered far frames)."""
    cmd, answer = transcript(path)
    idx = int(cmd.split("=")[1])
    far = []

    async def main():
        uart = ScriptedModule({cmd: answer})
        modem = Modem(uart, uart, profile, far_peers=["+31600000000"],
                      on_far=lambda n, p: far.append(p))
        modem.engine.start()
        modem._inbox.append(idx)
        await modem.read_inbox()
        assert uart.log == [cmd, "AT+CMGD=%d" % idx]  # read, then deleted
        modem.stop()
        await asyncio.sleep(0)
        return dict(modem.stats)

    return vloop.run(main()), far


def pdu_line(path):
    return transcript(path)[1].decode("latin-1").split("\r\n")[2]


@pytest.mark.parametrize("path", dumps("at-sms"), ids=lambda p: p.name)
def test_every_good_dump_is_read_by_the_driver(path):
    stats, far = read_with_firmware(path)
    assert stats["pdu_errors"] == 0 and stats["sms_received"] == 1
    assert stats["sms_ignored"] == 1 and stats["sms_deleted"] == 1 and far == []
    assert stats["dispatch_errors"] == 0


@pytest.mark.parametrize("path", dumps("at-sms-failing"), ids=lambda p: p.name)
def test_every_broken_dump_is_counted_and_dropped(path):
    stats, far = read_with_firmware(path)
    assert stats["pdu_errors"] == 1 and stats["sms_received"] == 0 and far == []
    assert stats["sms_deleted"] == 1  # a broken message must not stay and fill the SIM
    assert stats["dispatch_errors"] == 0
    with pytest.raises(ValueError):
        pdu.decode(pdu.from_hex(parse.pdu_line(pdu_line(path))))


# Hand-checked decodes of the dumps, field by field against 23.040 (kind, number, coding,
# the start of the text or data, concatenation, port).
EXPECTED = {
    "02": ("submit", "+639193770523", "gsm7", "May salary na ba?", None, None),
    "03": ("deliver", "+919884280026", "gsm7", "Ok sir", None, None),
    "09": ("deliver", "27838890001", "gsm7", "hellohello", None, None),
    "10": ("deliver", "+32478746863", "gsm7", "T\u00e8\u00e4trc @ \u00a3.", None, None),
    "16": ("submit", "1234", "ucs2", "123456", None, None),
    # SMS-SUBMIT with UDHI set and TP-UDL 0: no user data, so no header (9.2.3.24).
    "20": ("submit", "366460353302", "gsm7", "", None, None),
    "22": ("deliver", "+420724797276", "gsm7", "Ahoj pavle, tak me", (1, 2, 1), None),
    "24": ("submit", "3381449402", "gsm7", "inserisci qui il messaggio....", None, None),
    # 8-bit with a 131-octet header that fills TP-UDL: an empty payload.
    "26": ("deliver", "+351916165705", "8bit", "", None, None),
    "30": ("status", "+666666666666", "gsm7", "", None, None),
    "31": ("submit", "", "gsm7", "15:41 22/08/08", None, None),
    "33": ("deliver", "33707520030", "8bit", "040603beaf848c", None, 0x0B84),
    "40": ("deliver", "+11476124010", "8bit", "4f062261707", None, 0x0B84),
    "41": ("submit", "77777777777", "gsm7", "MBOXUPDATE?m=15;", None, 0x1578),
    "42": ("deliver", "+94774705017", "gsm7", "1917812300     22:30   RATTHI", None, None),
}


def fw_fields(m):
    body = m.data.hex() if m.coding == "8bit" else m.text
    return (m.kind, m.sender, m.coding, body, m.concat, m.port)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_decoded_fields_match_the_hand_checked_values(name):
    m = pdu.decode(pdu.from_hex(parse.pdu_line(pdu_line(DATA / "at-sms" / (name + ".dump")))))
    got = fw_fields(m)
    want = EXPECTED[name]
    assert got[:3] == want[:3] and got[4:] == want[4:]
    assert got[3].startswith(want[3]) and (want[3] or not got[3])


def test_timestamps_follow_the_semi_octet_rule():
    # 07.dump: 60 90 60 81 64 13 80 -> 2006-09-06 18:46:31, +8 quarters (9.2.3.11)
    m = pdu.decode(pdu.from_hex(pdu_line(DATA / "at-sms" / "07.dump")))
    assert m.timestamp == (6, 9, 6, 18, 46, 31, 8)
    # 41.dump (a SUBMIT without validity) has none; 20.dump's is a relative validity byte
    assert pdu.decode(pdu.from_hex(pdu_line(DATA / "at-sms" / "41.dump"))).timestamp is None
    # time zone: tens in the low semi-octet with the sign in its bit 3, units in the high one
    assert pdu.decode_timestamp(bytes.fromhex("2130019000000C"), 0) == (12, 3, 10, 9, 0, 0, -40)
    assert pdu.decode_timestamp(bytes.fromhex("21300190000049"), 0)[6] == -14
    assert pdu.decode_timestamp(bytes.fromhex("213001900000A0"), 0) is None  # not BCD


# Where an independent decoder differs from the firmware, and why the firmware is right.
DECODER_WRONG = {
    ("gsmmodem", "14"): "reads septets past TP-UDL, which counts septets (23.040 9.2.3.16)",
    ("gsmmodem", "31"): "an empty address still has its type octet (23.040 9.1.2.5)",
    ("gsmmodem", "39"): "reads septets past TP-UDL, which counts septets (23.040 9.2.3.16)",
    ("gsmmodem", "40"): "coding group 1111 with bit 2 set is 8-bit data (23.038 clause 4)",
    ("gsmmodem", "41"): "a header of 7 octets needs no fill bits (23.040 9.2.3.24)",
    ("messaging", "42"): "group 1111 bit 3 is reserved, bit 2 = 0: default alphabet "
                         "(23.038 clause 4), not UCS-2",
}


def by_gsmmodem(hexline):
    d = gsm_pdu.decodeSmsPdu(hexline)
    kind = {"SMS-DELIVER": "deliver", "SMS-SUBMIT": "submit",
            "SMS-STATUS-REPORT": "status"}[d["type"]]
    text = d.get("text", "")
    concat, port = udh(d)
    return kind, d["number"] or "", text, concat, port


def by_messaging(hexline):
    s = SmsDeliver(hexline)
    if s.type == 0x03:
        return "status", s.sr["recipient"], "", None, None
    text = s.text.decode("latin-1") if isinstance(s.text, bytes) else s.text
    concat = port = None
    if s.udh is not None:
        if s.udh.concat is not None:
            concat = (s.udh.concat.ref, s.udh.concat.cnt, s.udh.concat.seq)
        if s.udh.ports is not None:
            port = s.udh.ports.dest_port
    return "deliver", s.number, text, concat, port


def agrees(m, other):
    kind, number, text, concat, port = other
    body = m.data.decode("latin-1") if m.coding == "8bit" else m.text
    return (kind, number, text, concat, port) == (m.kind, m.sender, body, m.concat, m.port)


def test_independent_decoders_agree_or_the_spec_says_why_not():
    compared = {"gsmmodem": 0, "messaging": 0}
    for path in dumps("at-sms"):
        name = path.stem
        hexline = parse.pdu_line(pdu_line(path))
        m = pdu.decode(pdu.from_hex(hexline))
        for codec, decode in (("gsmmodem", by_gsmmodem), ("messaging", by_messaging)):
            try:
                other = decode(hexline)
            except Exception:  # these decoders raise anything on what they do not support
                continue
            compared[codec] += 1
            if (codec, name) in DECODER_WRONG:
                assert not agrees(m, other), "stale entry: %s now agrees on %s" % (codec, name)
            else:
                assert agrees(m, other), (codec, name, other, fw_fields(m))
    assert compared["gsmmodem"] >= 25 and compared["messaging"] >= 15


# ---- registration answers, other answers the engine must survive ------------------------------

CREG = {"empty": "none", "huawei": "home", "none": "none", "siemens": "home",
        "sierra312u": "roaming", "telit": "home", "empty-lac": "home",
        "mismatched-quotes": "home", "single-quote": "home"}


@pytest.mark.parametrize("path", dumps("at-creg") + dumps("at-creg-corner"), ids=lambda p: p.stem)
def test_creg_answers_parse_through_the_health_check(path):
    cmd, answer = transcript(path)

    async def main():
        uart = ScriptedModule({cmd: answer, "AT+CPIN?": b"\r\n+CPIN: READY\r\n\r\nOK\r\n",
                               "AT+CEREG?": b"\r\n+CEREG: 0,0\r\n\r\nOK\r\n"})
        modem = Modem(uart, uart, "sim7600")
        modem.engine.start()
        health = await modem.check_health()
        modem.stop()
        await asyncio.sleep(0)
        return health, modem.stats

    health, stats = vloop.run(main())
    assert health["reg"] == CREG[path.stem]
    assert health["registered"] == (CREG[path.stem] in ("home", "roaming"))
    assert stats["dispatch_errors"] == 0 and stats["timeouts"] == 0


@pytest.mark.parametrize("path", dumps("at-cnmi") + dumps("at-cpms"), ids=lambda p: p.stem)
def test_other_answers_end_their_command_cleanly(path):
    cmd, answer = transcript(path)
    prefix = cmd[2:7] + ":"

    async def main():
        uart = ScriptedModule({cmd: answer})
        modem = Modem(uart, uart, "sim7600")
        modem.engine.start()
        r = await modem.engine.command(cmd, 3000, expect=prefix)
        modem.stop()
        await asyncio.sleep(0)
        return r, modem.stats

    r, stats = vloop.run(main())
    assert r.ok and len(r.lines) == 1 and r.lines[0].startswith(prefix)
    assert stats["dispatch_errors"] == 0 and stats["stray"] == 0


# ---- encode pairs ------------------------------

_VP_LEN = {0: 0, 1: 7, 2: 1, 3: 7}


def tp_fields(raw):
    """The TP fields of an SMS-SUBMIT or SMS-DELIVER, cut by octet offsets (23.040 9.2.2)."""
    p = 1 + raw[0]
    fo = raw[p]
    p += 1
    if fo & 3 == 1:
        p += 1  # TP-MR: may differ
    n = raw[p]
    addr = bytes(raw[p:p + 2 + (n + 1) // 2])
    p += len(addr)
    pid, dcs = raw[p], raw[p + 1]
    p += 2 + (7 if fo & 3 == 0 else _VP_LEN[(fo >> 3) & 3])
    return {"udhi": fo & 0x40, "address": addr, "pid": pid, "dcs": dcs, "udl": raw[p],
            "ud": bytes(raw[p + 1:])}


def encode_pairs():
    out = []
    for b in sorted((DATA / "at-sms-encode").glob("*.backup")):
        kv = dict(re.findall(r'^(\w+) = "?([^"\n]*)"?$', b.read_text(), re.M))
        parts = sorted(k for k in kv if re.match(r"Text\d\d$", k))  # long texts: Text00, Text01..
        text = bytes.fromhex("".join(kv[k] for k in parts)).decode("utf-16-be")
        raw = bytes.fromhex(b.with_suffix(".dump").read_text().split()[0])
        out.append((b.stem, kv["Number"], kv["Coding"], text, raw))
    return out


def test_encode_pairs_agree_in_the_tp_fields_the_device_sends():
    compared = transliterated = 0
    for name, number, coding, text, raw in encode_pairs():
        septets, missing = sms.to_gsm(text, replace=False)
        if coding == "Default" and missing:
            # Gammu drops the diacritics it cannot send ("Zkouska"); the device sends such a
            # text as UCS-2 instead, so nobody's name is spelt wrong.
            assert sms.plan(text)[0] == "ucs2"
            transliterated += 1
            continue
        # Gammu cuts a text that does not fit one SMS; the device concatenates it, so the
        # first full SMS worth of it is compared (a 140-octet user data field).
        if coding == "Default":
            assert sms.plan(text)[0] == "gsm7"
            if len(septets) > sms.SINGLE_7BIT:
                assert len(sms.plan(text)[1]) > 1
                septets = septets[:sms.SINGLE_7BIT]
            tpdu = pdu.submit(number, sms.pack7(septets), pdu.DCS_GSM7, len(septets))
        else:
            data = sms.to_ucs2(text)
            if len(data) > 2 * sms.SINGLE_UCS2:
                assert len(sms.plan("\u263a" + text)[1]) > 1
                data = data[:2 * sms.SINGLE_UCS2]
            tpdu = pdu.submit(number, data, pdu.DCS_UCS2, len(data))
        mine = tp_fields(b"\x00" + bytes(tpdu))
        theirs = tp_fields(raw)
        assert mine == theirs, name
        if raw[1 + raw[0]] & 3 == 1:  # an SMS-SUBMIT: same type and validity format too
            assert tpdu[0] == raw[1 + raw[0]] & 0x3B == 0x11
        compared += 1
    assert compared + transliterated == len(encode_pairs()) and compared >= 150
