"""The modem's pure parts: GSM 7-bit codec, PDUs, AT line parsing (CPython)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from link import far
from modem import parse, pdu, sms, wording

# 3GPP 23.038 / widely published examples.
HELLO_PACKED = "E8329BFD4697D9EC37"
SUBMIT_EXAMPLE = "11000B916407281553F80000AA0AE8329BFD4697D9EC37"  # +46708251358 "hellohello"
DELIVER_EXAMPLE = "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"


def test_pack_hellohello_matches_spec_example():
    septets, missing = sms.to_gsm("hellohello")
    assert missing == 0
    assert pdu.to_hex(sms.pack7(septets)) == HELLO_PACKED


def test_submit_matches_published_pdu():
    septets, _ = sms.to_gsm("hellohello")
    tpdu = pdu.submit("+46708251358", sms.pack7(septets), pdu.DCS_GSM7, len(septets), vp=0xAA)
    assert pdu.to_hex(tpdu) == SUBMIT_EXAMPLE


def test_deliver_published_example():
    msg = pdu.deliver(pdu.from_hex(DELIVER_EXAMPLE))
    assert msg.sender == "+31641600986"
    assert msg.text == "How are you?"
    assert msg.coding == "gsm7" and msg.concat is None


def test_alphabet_specials_and_extension():
    septets, missing = sms.to_gsm("@£€[]")
    assert missing == 0
    # @ is 0x00, £ 0x01, then escape + extension codes (€ 0x65, [ 0x3C, ] 0x3E).
    assert list(septets) == [0x00, 0x01, 0x1B, 0x65, 0x1B, 0x3C, 0x1B, 0x3E]
    assert sms.from_gsm(septets) == "@£€[]"


def test_transliteration_and_replacement():
    assert sms.from_gsm(sms.to_gsm("geëscaleerd “ok”")[0]) == 'geescaleerd "ok"'
    septets, missing = sms.to_gsm("a☺b")
    assert missing == 1 and sms.from_gsm(septets) == "a?b"


def test_length_limits_gsm7():
    assert sms.count("x" * 160) == ("gsm7", 1, 160)
    assert sms.count("x" * 161) == ("gsm7", 2, 161)
    assert sms.count("x" * 306)[1] == 2  # 2 x 153
    assert sms.count("x" * 307)[1] == 3
    assert sms.count("€" * 80) == ("gsm7", 1, 160)  # extension characters count double
    assert sms.count("€" * 81)[1] == 2


def test_escape_never_split_across_segments():
    text = "x" * 152 + "€" + "y" * 10
    coding, parts = sms.plan(text)
    assert coding == "gsm7"
    assert parts[0][-1] != 0x1B
    assert "".join(sms.from_gsm(p) for p in parts) == text


def test_ucs2_fallback_limits():
    assert sms.count("☺" * 70) == ("ucs2", 1, 70)
    assert sms.count("☺" * 71)[1] == 2
    assert sms.plan("☺ x", allow_ucs2=False)[0] == "gsm7"


def test_too_long_is_an_error():
    try:
        sms.plan("x" * (153 * sms.MAX_SEGMENTS + 1))
    except ValueError as e:
        assert "at most" in str(e)
    else:
        raise AssertionError("expected ValueError")


def _deliver_from_submit(tpdu, sender="+31600000009"):
    # Independent byte-level conversion from the simulator's network.
    from host_sim.modem_sim import SimNetwork

    net = SimNetwork()
    seen = []
    net._arrive = lambda s, d, raw, expires=None: seen.append(raw)
    net.later = lambda delay, fn, *args: fn(*args)
    assert net.submit(sender, tpdu) is None
    return pdu.deliver(seen[0])


gsm_chars = st.sampled_from(list(sms._MAP) + list(sms._EXT))


@settings(max_examples=150, deadline=None)
@given(st.lists(gsm_chars, max_size=700).map("".join))
def test_gsm_text_roundtrip_through_pdus(text):
    try:
        coding, parts = sms.plan(text)
    except ValueError:
        return
    assert coding == "gsm7"
    tpdus = pdu.submit_parts("+31612345678", coding, parts, ref=7)
    got = []
    for t in tpdus:
        assert len(t) <= 140 + 20
        msg = _deliver_from_submit(t)
        if len(tpdus) > 1:
            assert msg.concat[0] == 7 and msg.concat[1] == len(tpdus)
        got.append(msg.text)
    assert "".join(got) == text


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_any_text_roundtrips_or_degrades_visibly(text):
    try:
        coding, parts = sms.plan(text)
    except ValueError:
        return
    tpdus = pdu.submit_parts("+31612345678", coding, parts, ref=1)
    got = "".join(_deliver_from_submit(t).text for t in tpdus)
    if coding == "ucs2":
        assert got == text
    else:
        assert len(got) >= len(text) - text.count("\u2026")  # transliteration only grows


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=far.MAX_PAYLOAD))
def test_far_payload_roundtrip(payload):
    msg = _deliver_from_submit(far.encode("+31687654321", payload), sender="+31687654321")
    assert far.payload(msg) == payload


def test_far_rejects_oversize_and_plain_texts():
    for bad in (b"", bytes(far.MAX_PAYLOAD + 1)):
        try:
            far.encode("+31612345678", bad)
        except ValueError:
            pass
        else:
            raise AssertionError("expected ValueError")
    assert far.payload(pdu.deliver(pdu.from_hex(DELIVER_EXAMPLE))) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_deliver_never_crashes_on_garbage(data):
    try:
        pdu.deliver(data)
    except ValueError:
        pass


def test_line_classification():
    assert parse.is_final("OK") and parse.is_final("+CME ERROR: 30")
    assert parse.is_final("+CMS ERROR: 331")
    assert not parse.is_final("NO CARRIER") and parse.is_final("NO CARRIER", dialling=True)
    assert parse.is_urc("NO CARRIER") and parse.is_urc('+CMTI: "SM",3') and parse.is_urc("RING")
    assert parse.error_code("+CME ERROR: 30") == ("cme", 30)
    assert parse.error_code("+CMS ERROR: no network service") == ("cms", -1)
    assert parse.is_boot("RDY") and parse.is_boot("*ATREADY: 1")


def test_field_parsers():
    assert parse.parse_csq("+CSQ: 17,99") == (17, 99)
    assert parse.csq_dbm(17) == -79 and parse.csq_dbm(99) is None
    assert parse.parse_csq("+CSQ: 40,0") is None and parse.parse_csq("+CSQ:") is None
    assert parse.parse_reg("+CREG: 0,5", True) == 5
    assert parse.parse_reg("+CEREG: 2", False) == 2
    assert parse.parse_reg('+CEREG: 1,"00A1","1B2C",7', False) == 1
    assert parse.parse_reg("+CREG: x", False) is None
    assert parse.parse_cpin("+CPIN: SIM PIN") == "pin"
    assert parse.parse_cpin("+CPIN: READY") == "ready"
    cs = parse.parse_clcc('+CLCC: 1,0,3,0,0,"+31612345678",145')
    assert (cs.idx, cs.dir, cs.stat, cs.number) == (1, 0, 3, "+31612345678")
    assert parse.parse_clcc("+CLCC: 1,0,9,0,0") is None
    assert parse.parse_cmti('+CMTI: "SM",12') == 12 and parse.parse_cmti("+CMTI: x") is None
    assert parse.parse_cmgl("+CMGL: 3,1,,24") == (3, 1, 24)
    assert parse.same_number("+31612345678", "0612345678")
    assert not parse.same_number("+31612345678", "+31612345679")
    assert not parse.same_number("", "")


def test_splitter_lines_prompt_garbage_overflow():
    s = parse.LineSplitter()
    assert s.feed(b"\r\nOK\r\n\r\n+CSQ: 1") == ["OK"]
    assert s.feed(b"7,0\r\n") == ["+CSQ: 17,0"]
    s.want_prompt = True
    assert s.feed(b"\r\n> ") == [parse.LineSplitter.PROMPT]
    assert s.feed(b"\xff\x00O\xfeK\r\n") == ["OK"] and s.garbage == 3
    assert s.feed(b"A" * (parse.MAX_LINE + 50) + b"\r\nOK\r\n") == ["OK"] and s.overflow == 1
    # '>' is an ordinary character when no prompt is expected
    assert s.feed(b">x\r\n") == [">x"]


def test_wording_templates_and_consent():
    text = wording.contact_text("escalated", "Kim", "Ann", (523702160, 48951680), False)
    assert "Kim" in text and "geo:" not in text
    text = wording.contact_text("escalated", "Kim", "Ann", (523702160, -48951680), True)
    assert "geo:52.3702160,-4.8951680" in text
    assert wording.render("{wearer} & {contact}", {"wearer": "A", "contact": "B"}) == "A & B"
    for bad in ("{nope}", "open {wearer", "stray }"):
        try:
            wording.render(bad, {})
        except ValueError:
            pass
        else:
            raise AssertionError(bad)
    assert sms.count(wording.contact_text("escalated", "Kim"))[0] == "gsm7"


def test_data_coding_groups_follow_23038_clause_4():
    # Built by the simulator's independent codec (python-gsmmodem-new field encoders).
    from host_sim.modem_sim import build_deliver

    frame = pdu.port_udh(far.FAR_PORT, far.FAR_PORT)
    ud = bytes((len(frame),)) + frame + b"\x01\x02"
    # 01xx, automatic deletion: bits 5..0 as in 00xx, so 0x44 is 8-bit data
    msg = pdu.decode(build_deliver("+31687654321", 0x44, len(ud), ud, udhi=True))
    assert msg.coding == "8bit" and far.payload(msg) == b"\x01\x02"
    # 0x48 and 1110 (message waiting, store, UCS-2) carry UCS-2
    for dcs in (0x48, 0xE0):
        msg = pdu.decode(build_deliver("+31687654321", dcs, 4, "\u263a!".encode("utf-16-be")))
        assert (msg.coding, msg.text) == ("ucs2", "\u263a!"), hex(dcs)
    # reserved alphabet 11 and reserved groups 1000..1011: the default alphabet
    for dcs in (0x0C, 0x80, 0xB4, 0xC0, 0xD8, 0xF8):
        msg = pdu.decode(build_deliver("+31687654321", dcs, 2, sms.pack7(bytes((0x08, 0x69)))))
        assert (msg.coding, msg.text) == ("gsm7", "\u00f2i"), hex(dcs)
    # an 8-bit application port header (IEI 0x04, 23.040 9.2.3.24.3) names the port too
    ud = bytes((4, 0x04, 2, 0x10, 0x10)) + b"x"
    assert pdu.decode(build_deliver("+31687654321", 0x04, len(ud), ud, udhi=True)).port == 0x10
    # compressed text is not built: refused, not misread
    try:
        pdu.decode(build_deliver("+31687654321", 0x20, 1, b"\x00"))
    except ValueError as e:
        assert "compressed" in str(e)
    else:
        raise AssertionError("expected ValueError")
