"""SMS PDUs (3GPP 23.040): build SMS-SUBMIT, parse SMS-DELIVER. Pure, no modem I/O.

PDU mode is used for every SMS so that concatenated texts, UCS-2 and binary partner messages
work the same on every module (text mode cannot concatenate portably). Malformed PDUs raise
ValueError; callers count and delete them.
"""

from compat import const
from modem.sms import from_gsm, from_ucs2, pack7, unpack7

DCS_GSM7 = const(0x00)
DCS_8BIT = const(0x04)
DCS_UCS2 = const(0x08)
VP_24H = const(167)  # relative validity: 167 -> 24 hours (23.040 9.2.3.12.1)
VP_1H = const(11)  # (11 + 1) * 5 minutes
VP_5MIN = const(0)  # (0 + 1) * 5 minutes: the shortest relative validity
IEI_CONCAT8 = const(0x00)
IEI_PORT16 = const(0x05)


def encode_address(number):
    """'+31612345678' -> bytes: digit count, type (0x91 international, 0x81 otherwise), BCD."""
    intl = number.startswith("+")
    ds = number[1:] if intl else number
    if not ds or len(ds) > 20:
        raise ValueError("bad phone number")
    for c in ds:
        if not "0" <= c <= "9":
            raise ValueError("bad phone number")
    out = bytearray((len(ds), 0x91 if intl else 0x81))
    if len(ds) & 1:
        ds += "F"
    for i in range(0, len(ds), 2):
        lo = int(ds[i])
        hi = 15 if ds[i + 1] == "F" else int(ds[i + 1])
        out.append((hi << 4) | lo)
    return out


def submit(number, ud, dcs, udl, udh=None, vp=VP_24H, mr=0):
    """One SMS-SUBMIT TPDU (without the SMSC field). `ud` is the user data after the header
    (packed septets for 7-bit), `udl` its length in septets (7-bit) or octets; with `udh`
    (the header's information elements, without its length octet) UDHI is set and UDL counts
    the header too."""
    fo = 0x11  # SMS-SUBMIT, relative validity period
    body = bytearray()
    if udh:
        fo |= 0x40
        body.append(len(udh))
        body.extend(udh)
        if dcs == DCS_GSM7:
            udl += ((len(udh) + 1) * 8 + 6) // 7
        else:
            udl += len(udh) + 1
    body.extend(ud)
    out = bytearray((fo, mr & 0xFF))
    out.extend(encode_address(number))
    out.extend(bytes((0, dcs, vp, udl)))
    out.extend(body)
    if len(body) > 140:
        raise ValueError("user data longer than 140 octets")
    return out


def fill_bits(udh_len):
    """Fill bits after a user data header of udh_len octets (length octet included)."""
    return (7 - (udh_len * 8) % 7) % 7


def concat_udh(ref, total, seq):
    return bytes((IEI_CONCAT8, 3, ref & 0xFF, total, seq))


def port_udh(dst, src):
    return bytes((IEI_PORT16, 4, dst >> 8, dst & 0xFF, src >> 8, src & 0xFF))


def to_hex(data):
    return "".join(["%02X" % b for b in data])


def from_hex(text):
    if len(text) & 1:
        raise ValueError("odd hex length")
    try:
        return bytes([int(text[i:i + 2], 16) for i in range(0, len(text), 2)])
    except ValueError:
        raise ValueError("not hex") from None


def decode_address(data, pos):
    """(number, next_pos). Alphanumeric senders (type 0x50) are decoded as GSM text."""
    n = data[pos]
    toa = data[pos + 1]
    nbytes = (n + 1) // 2
    raw = data[pos + 2:pos + 2 + nbytes]
    if len(raw) != nbytes or n > 20:
        raise ValueError("truncated address")
    if toa & 0x70 == 0x50:
        return from_gsm(unpack7(raw, n * 4 // 7)), pos + 2 + nbytes
    ds = []
    for b in raw:
        for d in (b & 15, b >> 4):
            if d < 10:
                ds.append(chr(48 + d))
            elif d != 15:
                ds.append("*#abc"[d - 10])
    number = "".join(ds[:n])
    if toa & 0x70 == 0x10:
        number = "+" + number
    return number, pos + 2 + nbytes


KIND_DELIVER = "deliver"
KIND_SUBMIT = "submit"
KIND_STATUS = "status"


class Sms:
    """A decoded SMS PDU. kind: 'deliver' (received), 'submit' (a stored outgoing message, as
    a SIM keeps them) or 'status' (a status report). sender: the other party's number (the
    originator of a DELIVER, the destination of a SUBMIT, the recipient of a status report).
    coding: 'gsm7' | '8bit' | 'ucs2'; text or data; concat = (ref, total, seq) or None;
    port = destination port or None; timestamp = (yy, mm, dd, hh, mi, ss, tz_quarters) or None
    (service centre time; the discharge time for a status report); status: TP-ST or None;
    truncated: a 7-bit text shorter than its TP-UDL (the septets present are kept)."""

    __slots__ = ("kind", "sender", "coding", "text", "data", "concat", "port", "timestamp",
                 "status", "dcs", "pid", "truncated")

    def __init__(self):
        self.kind = KIND_DELIVER
        self.sender = ""
        self.coding = "gsm7"
        self.text = ""
        self.data = b""
        self.concat = None
        self.port = None
        self.timestamp = None
        self.status = None
        self.dcs = 0
        self.pid = 0
        self.truncated = False


def _parse_udh(msg, udh):
    i = 0
    while i + 1 < len(udh):
        iei = udh[i]
        ln = udh[i + 1]
        v = udh[i + 2:i + 2 + ln]
        if len(v) != ln:
            raise ValueError("truncated user data header")
        if iei == IEI_CONCAT8 and ln == 3 and v[1] and 1 <= v[2] <= v[1]:
            msg.concat = (v[0], v[1], v[2])
        elif iei == 0x08 and ln == 4 and v[2] and 1 <= v[3] <= v[2]:
            msg.concat = ((v[0] << 8) | v[1], v[2], v[3])
        elif iei == IEI_PORT16 and ln == 4:
            msg.port = (v[0] << 8) | v[1]
        elif iei == 0x04 and ln == 2:
            msg.port = v[0]
        i += 2 + ln


def alphabet(dcs):
    """0 GSM 7-bit, 1 8-bit data, 2 UCS-2 for a TP-DCS octet (23.038 clause 4). Group 01xx
    (automatic deletion) codes bits 5..0 as 00xx; 1110 is UCS-2 message waiting; 1111 has
    the 8-bit flag in bit 2; every reserved coding "shall be assumed to be the GSM 7 bit
    default alphabet". ValueError for compressed text (bit 5 in 0xxx), which is not built."""
    group = dcs >> 4
    if group < 8:
        if dcs & 0x20:
            raise ValueError("compressed SMS")
        a = (dcs >> 2) & 3
        return 0 if a == 3 else a
    if group == 0x0F:
        return 1 if dcs & 0x04 else 0
    if group == 0x0E:
        return 2
    return 0


def decode_timestamp(data, pos):
    """TP-SCTS (23.040 9.2.3.11): seven octets of swapped semi-octets, the time zone in
    quarter hours with its sign in bit 3. None when a digit is not BCD (some phones store
    garbage there; the device does not use the time)."""
    raw = data[pos:pos + 7]
    if len(raw) != 7:
        raise ValueError("truncated time stamp")
    out = []
    for b in raw[:6]:
        if b & 15 > 9 or b >> 4 > 9:
            return None
        out.append((b & 15) * 10 + (b >> 4))
    b = raw[6]
    if b >> 4 > 9:
        return None
    tz = (b & 7) * 10 + (b >> 4)
    out.append(-tz if b & 8 else tz)
    return tuple(out)


def _user_data(msg, fo, udl, ud):
    """TP-UD after TP-UDL (23.040 9.2.3.24): header, then septets (UDL counts septets,
    header and fill bits included) or octets."""
    alpha = alphabet(msg.dcs)
    hdr_len = 0
    if fo & 0x40 and udl:  # with TP-UDL 0 there is no user data, so no header either
        if not ud:
            raise ValueError("missing user data header")
        hdr_len = ud[0] + 1
        if hdr_len > len(ud):
            raise ValueError("truncated user data header")
        _parse_udh(msg, ud[1:hdr_len])
    if alpha == 0:
        msg.coding = "gsm7"
        if udl > 160:
            raise ValueError("7-bit length over 160")
        skip = (hdr_len * 8 + 6) // 7
        if skip > udl:
            raise ValueError("header longer than message")
        fill = fill_bits(hdr_len) if hdr_len else 0
        count = udl - skip
        avail = ((len(ud) - hdr_len) * 8 - fill) // 7
        if count > avail:  # cut short on the line: keep the septets that are there, say so
            count = avail
            msg.truncated = True
        msg.text = from_gsm(unpack7(ud[hdr_len:], count, fill))
    else:
        if udl > 140 or udl > len(ud) or hdr_len > udl:
            raise ValueError("user data length wrong")
        body = bytes(ud[hdr_len:udl])
        if alpha == 2:
            msg.coding = "ucs2"
            msg.text = from_ucs2(body)
        else:
            msg.coding = "8bit"
            msg.data = body


# Octets of TP-VP by TP-VPF (23.040 9.2.3.3): none, enhanced (7), relative (1), absolute (7).
_VP_LEN = (0, 7, 1, 7)


def decode(data):
    """Parse an SMS PDU as a modem prints it (SMSC field first): SMS-DELIVER, SMS-SUBMIT
    (stored outgoing) or SMS-STATUS-REPORT, told apart by TP-MTI (23.040 9.2.3.1).
    ValueError if it is malformed or another type."""
    try:
        pos = 1 + data[0]
        fo = data[pos]
        mti = fo & 0x03
        msg = Sms()
        if mti == 2:
            msg.kind = KIND_STATUS
            msg.sender, pos = decode_address(data, pos + 2)
            decode_timestamp(data, pos)  # when the service centre took the message
            msg.timestamp = decode_timestamp(data, pos + 7)  # when it was discharged
            msg.status = data[pos + 14]
            return msg
        if mti == 0:
            msg.sender, pos = decode_address(data, pos + 1)
            msg.timestamp = decode_timestamp(data, pos + 2)
            vp = 7
        elif mti == 1:
            msg.kind = KIND_SUBMIT
            msg.sender, pos = decode_address(data, pos + 2)
            vp = _VP_LEN[(fo >> 3) & 3]
            if len(data) < pos + 2 + vp:
                raise IndexError
        else:
            raise ValueError("reserved message type")
        msg.pid = data[pos]
        msg.dcs = data[pos + 1]
        pos += 2 + vp
        udl = data[pos]
        ud = data[pos + 1:]
    except IndexError:
        raise ValueError("truncated PDU") from None
    _user_data(msg, fo, udl, ud)
    return msg


def deliver(data):
    """Parse an SMS-DELIVER PDU as a modem prints it (SMSC field first). ValueError if it is
    not a well-formed SMS-DELIVER (status reports and submits included)."""
    msg = decode(data)
    if msg.kind != KIND_DELIVER:
        raise ValueError("not an SMS-DELIVER")
    return msg


def submit_parts(number, coding, parts, ref, vp=VP_24H):
    """The SMS-SUBMIT TPDUs for a planned text (see sms.plan): one, or concatenated."""
    out = []
    total = len(parts)
    for i in range(total):
        udh = concat_udh(ref, total, i + 1) if total > 1 else None
        part = parts[i]
        if coding == "gsm7":
            shift = fill_bits(len(udh) + 1) if udh else 0
            out.append(submit(number, pack7(part, shift), DCS_GSM7, len(part), udh, vp))
        else:
            out.append(submit(number, part, DCS_UCS2, len(part), udh, vp))
    return out
