"""The firmware's SMS encoder and decoder against two independent codecs, on generated messages.

python-gsmmodem-new (`gsmmodem.pdu`) and python-messaging (`messaging.sms`) encode and decode
the same texts and frames as `modem.sms` / `modem.pdu`: GSM 7-bit with the extension table,
UCS-2, long texts in several parts (concatenation header), and the far link's binary frames
(8-bit data, 16-bit application port header). python-messaging decodes only SMS-DELIVER, so
the firmware's SMS-SUBMIT goes through the simulated network's conversion first
(modem_sim.parse_submit/build_deliver: header fields by gsmmodem, user data copied as a service
centre does). Where a codec disagrees, 3GPP TS 23.038 / 23.040 decides; each such case is
written down below with its clause, and checked to still be a disagreement.
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from link import far
from modem import pdu, sms

import gsmmodem.pdu as gsm_pdu
from host_sim.modem_sim import build_deliver, parse_submit
from gsmmodem_udh import udh
from messaging.sms import SmsDeliver, SmsSubmit

NUMBER = "+31612345678"
SENDER = "+31687654321"

# 23.038 6.2.1: the default alphabet (0x1B is the escape, not a character) and 6.2.1.1 the
# extension table.
BASIC = [sms._BASIC[i] for i in range(128) if i != 0x1B]
EXTENSION = sorted(sms._EXT)
# gsmmodem's table has '`' at 0x5F where 23.038 6.2.1 has '\u00a7', and U+00FF where the
# extension table has form feed (0x1B 0x0A): it cannot carry those two.
GSMMODEM_WRONG = {"\u00a7", "\f"}


def gsmmodem_drops_final_at(text):
    """gsmmodem's unpacking drops a last septet 0 ('@') that ends on an octet boundary (8n
    septets in the part, header included), taking it for padding; TP-UDL says it is there
    (23.040 9.2.3.16)."""
    coding, parts = sms.plan(text)
    head = 7 if len(parts) > 1 else 0  # the concatenation header is 7 septets
    return coding == "gsm7" and any(
        (head + len(p)) % 8 == 0 and p[-1] == 0 for p in parts)

gsm_char = st.sampled_from(BASIC + EXTENSION)
gsm_text = st.lists(gsm_char, min_size=1, max_size=700).map("".join)
# Outside the alphabet and with no transliteration: the firmware must send UCS-2. BMP only
# for gsmmodem, whose encoder has no surrogate pairs.
non_gsm = st.characters(min_codepoint=0x100, max_codepoint=0xD7FF).filter(
    lambda c: sms._char_septets(c) is None and c not in sms._TRANSLIT)
ucs2_text = st.tuples(non_gsm, st.text(
    alphabet=st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    max_size=300)).map(lambda t: t[0] + t[1])


def fw_submits(text, ref=7):
    coding, parts = sms.plan(text)
    return coding, ["00" + pdu.to_hex(t) for t in pdu.submit_parts(NUMBER, coding, parts, ref)]


def joined(parts):
    """[(text, concat)] -> the message a phone shows: parts in order of their sequence."""
    if len(parts) == 1:
        return parts[0][0]
    refs = {c[0] for _, c in parts}
    assert len(refs) == 1 and all(c[1] == len(parts) for _, c in parts)
    return "".join(t for t, c in sorted(parts, key=lambda p: p[1][2]))


def gsmmodem_reads(hexpdu):
    d = gsm_pdu.decodeSmsPdu(hexpdu)
    concat, port = udh(d)
    return d["number"], d.get("text", ""), concat, port


def messaging_reads(hexpdu):
    dest, pid, dcs, udhi, udl, ud = parse_submit(bytes.fromhex(hexpdu)[1:])
    assert dest == NUMBER
    s = SmsDeliver(build_deliver(SENDER, dcs, udl, ud, udhi, pid).hex().upper())
    concat = port = None
    if s.udh is not None:
        if s.udh.concat is not None:
            concat = (s.udh.concat.ref, s.udh.concat.cnt, s.udh.concat.seq)
        if s.udh.ports is not None:
            port = s.udh.ports.dest_port
    return dest, s.text, concat, port


def firmware_reads(hexpdu):
    m = pdu.decode(pdu.from_hex(hexpdu))
    assert m.kind == "submit" and not m.truncated
    return m.sender, (m.data if m.coding == "8bit" else m.text), m.concat, m.port


# ---- the firmware encodes, the others decode ------------------------------

@settings(max_examples=120, deadline=None)
@given(gsm_text)
def test_gsm7_texts_read_back_by_both_codecs(text):
    try:
        coding, pdus = fw_submits(text)
    except ValueError:
        return  # longer than MAX_SEGMENTS parts: refused, tested elsewhere
    assert coding == "gsm7"
    readers = [messaging_reads]
    if not GSMMODEM_WRONG & set(text) and not gsmmodem_drops_final_at(text):
        readers.append(gsmmodem_reads)
    for read in readers:
        got = [read(h) for h in pdus]
        assert {g[0] for g in got} == {NUMBER}
        assert joined([(g[1], g[2]) for g in got]) == text, read.__name__


@settings(max_examples=80, deadline=None)
@given(ucs2_text)
def test_ucs2_texts_read_back_by_both_codecs(text):
    try:
        coding, pdus = fw_submits(text)
    except ValueError:
        return
    assert coding == "ucs2"
    for read in (gsmmodem_reads, messaging_reads):
        got = [read(h) for h in pdus]
        assert joined([(g[1], g[2]) for g in got]) == text, read.__name__


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=far.MAX_PAYLOAD))
def test_far_frames_read_by_both_codecs_as_8bit_data_on_our_port(payload):
    hexpdu = "00" + pdu.to_hex(far.encode(NUMBER, payload))
    number, text, concat, port = gsmmodem_reads(hexpdu)
    assert (number, text.encode("latin-1"), concat, port) == (NUMBER, payload, None, far.FAR_PORT)
    dest, data, concat, port = messaging_reads(hexpdu)
    assert (dest, data, concat, port) == (NUMBER, payload, None, far.FAR_PORT)


# ---- the others encode, the firmware decodes ------------------------------

def gsmmodem_submits(text, ref):
    return [str(p) for p in gsm_pdu.encodeSmsSubmitPdu(NUMBER, text, reference=ref,
                                                        requestStatusReport=False)]


def messaging_submits(text, ref):
    s = SmsSubmit(NUMBER, text)
    s.ref = 0
    s.rand_id = ref
    return [p.pdu for p in s.to_pdu()]


def messaging_parts(text):
    """The septets of each part as python-messaging cuts a long 7-bit text (153 a part)."""
    gsm = text.encode("gsm0338")
    if len(gsm) <= 160:
        return [gsm]
    return [gsm[i:i + 153] for i in range(0, len(gsm), 153)]


@settings(max_examples=120, deadline=None)
@given(st.one_of(gsm_text, ucs2_text), st.integers(0, 255))
def test_firmware_reads_what_both_codecs_send(text, ref):
    encoders = [messaging_submits]
    if not GSMMODEM_WRONG & set(text):
        encoders.append(gsmmodem_submits)
    for encode in encoders:
        pdus = encode(text, ref)
        got = [firmware_reads(h) for h in pdus]
        assert {g[0] for g in got} == {NUMBER}
        if len(pdus) > 1:
            assert {g[2][0] for g in got} == {ref}
        want = text
        if encode is messaging_submits and sms.plan(text)[0] == "gsm7":
            parts = messaging_parts(text)
            if any(p[-1] == 0x1B for p in parts[:-1]):
                # python-messaging cut an escape pair in two (see below): each part reads as
                # 23.038 6.2.1.1 says, so the character after the cut is the basic one
                want = "".join(sms.from_gsm(p) for p in parts)
                assert want != text
        assert joined([(g[1], g[2]) for g in got]) == want, encode.__name__


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=far.MAX_PAYLOAD))
def test_firmware_reads_a_binary_frame_built_by_gsmmodem(payload):
    ie = gsm_pdu.PortAddress()
    ie.destination = ie.source = far.FAR_PORT
    udh = bytes(ie.encode())
    ud = bytes((len(udh),)) + udh + payload
    msg = pdu.decode(build_deliver(SENDER, 0x04, len(ud), ud, udhi=True))
    assert far.payload(msg) == payload and msg.sender == SENDER


@settings(max_examples=100, deadline=None)
@given(st.lists(gsm_char, min_size=1, max_size=160).map("".join))
def test_single_part_user_data_is_octet_identical(text):
    """One SMS: the packing (23.038 6.1.2.1.1) leaves no freedom, so all three must agree on
    TP-DCS, TP-UDL and every octet of TP-UD."""
    coding, pdus = fw_submits(text)
    if len(pdus) != 1:
        return
    mine = parse_submit(bytes.fromhex(pdus[0])[1:])[2:]
    theirs = [messaging_submits(text, 0)]
    if not GSMMODEM_WRONG & set(text):
        theirs.append(gsmmodem_submits(text, 0))
    for other in theirs:
        assert len(other) == 1
        assert parse_submit(bytes.fromhex(other[0])[1:])[2:] == mine


# ---- where they disagree, the spec decides ------------------------------

def test_section_sign_is_0x5f_not_grave_accent():
    """23.038 6.2.1: 0x5F is the section sign; there is no grave accent in the alphabet.
    gsmmodem reads 0x5F as '`'; python-messaging and the firmware follow the table."""
    septets, missing = sms.to_gsm("\u00a7")
    assert missing == 0 and list(septets) == [0x5F]
    hexpdu = fw_submits("\u00a7")[1][0]
    assert messaging_reads(hexpdu)[1] == "\u00a7"
    assert gsmmodem_reads(hexpdu)[1] == "`"  # still wrong there: keep the exclusion above
    assert sms.plan("`")[0] == "ucs2"  # not in the alphabet, so it cannot go as 7-bit


def test_a_final_at_sign_on_an_octet_boundary_is_kept():
    """Eight '@' are eight zero septets in exactly seven zero octets; TP-UDL = 8 says all of
    them are text (23.040 9.2.3.16). gsmmodem drops the last one as if it were padding."""
    text = "a" * 7 + "@"
    assert gsmmodem_drops_final_at(text) and not gsmmodem_drops_final_at("a" * 8)
    hexpdu = fw_submits(text)[1][0]
    assert firmware_reads(hexpdu)[1] == text and messaging_reads(hexpdu)[1] == text
    assert gsmmodem_reads(hexpdu)[1] == "a" * 7


def test_form_feed_is_in_the_extension_table():
    """23.038 6.2.1.1: 0x1B 0x0A is the page break (form feed)."""
    septets, _ = sms.to_gsm("\f")
    assert list(septets) == [0x1B, 0x0A]
    assert messaging_reads(fw_submits("a\fb")[1][0])[1] == "a\fb"
    theirs = gsm_pdu.encodeSmsSubmitPdu(NUMBER, "a\fb")[0].data
    assert parse_submit(bytes(theirs[1:]))[2] == pdu.DCS_UCS2  # gsmmodem falls back to UCS-2


def test_unknown_extension_code_reads_as_the_basic_character():
    """23.038 6.2.1.1: a code the extension table lacks is shown as the basic table's
    character; the escape code itself there (reserved) as a space. gsmmodem drops the
    character, python-messaging shows a no-break space before it."""
    assert sms.from_gsm(bytes((0x1B, 0x41, 0x1B, 0x1B, 0x62))) == "A b"
    packed = "00" + pdu.to_hex(pdu.submit(NUMBER, sms.pack7(bytes((0x1B, 0x41))),
                                          pdu.DCS_GSM7, 2))
    assert firmware_reads(packed)[1] == "A"
    assert gsmmodem_reads(packed)[1] == ""
    assert messaging_reads(packed)[1] == "\u00a0A"


def test_31_septets_with_euro_end_in_zero_fill_not_cr():
    """31 septets (8n - 1) leave 7 spare bits. For SMS they are zeros (23.038 6.1.2.1.1: 'the
    octets are completed with zeros'); the <CR> padding of 6.1.2.3 is for USSD only. All
    three pack the same way, and decoding stops at TP-UDL, so no '@' appears."""
    text = "a" * 29 + "\u20ac"  # 29 + 2 septets
    coding, pdus = fw_submits(text)
    assert coding == "gsm7" and len(sms.to_gsm(text)[0]) == 31
    ud = parse_submit(bytes.fromhex(pdus[0])[1:])[5]
    assert len(ud) == 28 and ud[-1] >> 1 == 0  # 1 bit of the last septet, 7 zero bits
    assert gsmmodem_submits(text, 0)[0].endswith(pdus[0][-56:])
    assert messaging_submits(text, 0)[0].endswith(pdus[0][-56:])
    for read in (firmware_reads, gsmmodem_reads, messaging_reads):
        assert read(pdus[0])[1] == text


def test_escape_pair_never_split_where_others_may():
    """An escape and the septet after it are one character (23.038 6.2.1.1: the escape means
    "read the next septet from the extension table"); a part that ends in the escape leaves
    the next part's first septet to be read from the basic table. The firmware and gsmmodem
    move the cut; python-messaging cuts at 153 septets regardless, so its receiver shows 'e'
    for the euro sign."""
    text = "x" * 152 + "\u20ac" + "y" * 20
    coding, parts = sms.plan(text)
    assert parts[0][-1] != 0x1B and len(parts[0]) == 152
    for read in (gsmmodem_reads, messaging_reads):
        got = [read(h) for h in fw_submits(text)[1]]
        assert joined([(g[1], g[2]) for g in got]) == text
    got = [firmware_reads(h) for h in gsmmodem_submits(text, 5)]
    assert joined([(g[1], g[2]) for g in got]) == text
    got = [firmware_reads(h) for h in messaging_submits(text, 5)]
    assert joined([(g[1], g[2]) for g in got]) == "x" * 152 + "e" + "y" * 20


def test_long_texts_in_several_parts_read_by_both():
    """Concatenation (23.040 9.2.3.24.1): the same reference and total in every part, the
    sequence from 1; 153 septets or 67 UCS-2 characters a part."""
    for text, coding, n in (("Kalm " * 90, "gsm7", 3), ("\u263a" + "ab" * 90, "ucs2", 3)):
        got_coding, pdus = fw_submits(text, ref=200)
        assert (got_coding, len(pdus)) == (coding, n)
        for read in (gsmmodem_reads, messaging_reads):
            got = [read(h) for h in pdus]
            assert [g[2] for g in got] == [(200, n, i) for i in range(1, n + 1)]
            assert joined([(g[1], g[2]) for g in got]) == text
