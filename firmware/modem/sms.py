"""SMS text codec: GSM 03.38 7-bit alphabet, septet packing, UCS-2, segmentation.

Pure functions only (no modem, no I/O). Text outside the GSM alphabet is first transliterated
(e -> e for the Dutch diaeresis, curly quotes -> straight); what still does not fit makes the
whole message UCS-2 (70 characters per SMS) unless the caller forbids it, then it becomes '?'.
"""

from compat import const

SINGLE_7BIT = const(160)
CONCAT_7BIT = const(153)  # 160 minus the 6-octet concatenation header (7 septets)
SINGLE_UCS2 = const(70)
CONCAT_UCS2 = const(67)
MAX_SEGMENTS = const(6)
_ESC = const(0x1B)

# GSM 03.38 basic character set, index = septet value. Index 0x1B (escape) is a placeholder
# that no input character maps to.
_BASIC = (
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\x00\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
# Extension table: character -> septet after the escape.
_EXT = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
        "]": 0x3E, "|": 0x40, "\u20ac": 0x65}
_EXT_REV = {}
for _k in _EXT:
    _EXT_REV[_EXT[_k]] = _k
_MAP = {}
for _i in range(128):
    if _i != _ESC:
        _MAP[_BASIC[_i]] = _i
del _i, _k

# Characters outside the alphabet with a faithful GSM stand-in.
_TRANSLIT = {
    "\u00eb": "e", "\u00ef": "i", "\u00e1": "a", "\u00ed": "i", "\u00f3": "o", "\u00fa": "u",
    "\u00ea": "e", "\u00e2": "a", "\u00ee": "i", "\u00f4": "o", "\u00fb": "u", "\u00e7": "\u00c7",
    "\u00cb": "E", "\u00cf": "I", "\u00c8": "E", "\u00ca": "E", "\u00c1": "A", "\u00d3": "O",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ", "\t": " ",
}


def _char_septets(ch):
    """The septets for one character, or None when the alphabet lacks it."""
    s = _MAP.get(ch)
    if s is not None:
        return (s,)
    e = _EXT.get(ch)
    if e is not None:
        return (_ESC, e)
    return None


def to_gsm(text, replace=True):
    """text -> (septets: bytearray, unrepresentable: int). Transliterates first; characters
    still missing become '?' (replace=True) and are counted."""
    out = bytearray()
    missing = 0
    for ch in text:
        s = _char_septets(ch)
        if s is None:
            alt = _TRANSLIT.get(ch)
            if alt is not None:
                for c2 in alt:
                    out.extend(_char_septets(c2))
                continue
            missing += 1
            if not replace:
                continue
            s = (0x3F,)
        out.extend(s)
    return out, missing


def from_gsm(septets):
    """septets -> text. After an escape, a code the extension table lacks reads as the basic
    table's character, and a second escape as a space (23.038 6.2.1.1)."""
    out = []
    esc = False
    for s in septets:
        s &= 0x7F
        if esc:
            ch = _EXT_REV.get(s)
            if ch is None:
                ch = " " if s == _ESC else _BASIC[s]
            out.append(ch)
            esc = False
        elif s == _ESC:
            esc = True
        else:
            out.append(_BASIC[s])
    return "".join(out)


def pack7(septets, shift=0):
    """Pack septets into octets, least significant bit first, after `shift` fill bits."""
    out = bytearray((len(septets) * 7 + shift + 7) // 8)
    bit = shift
    for s in septets:
        i = bit >> 3
        o = bit & 7
        out[i] |= (s << o) & 0xFF
        if o > 1:
            out[i + 1] |= (s & 0x7F) >> (8 - o)
        bit += 7
    return out


def unpack7(data, count, shift=0):
    """The first `count` septets of `data` after `shift` fill bits. ValueError if too short."""
    if (count * 7 + shift + 7) // 8 > len(data):
        raise ValueError("7-bit user data shorter than its length")
    out = bytearray(count)
    bit = shift
    for k in range(count):
        i = bit >> 3
        o = bit & 7
        v = data[i] >> o
        if o > 1:
            v |= data[i + 1] << (8 - o)
        out[k] = v & 0x7F
        bit += 7
    return out


def to_ucs2(text):
    """UTF-16 big-endian code units (surrogate pairs beyond the BMP) as bytes."""
    out = bytearray()
    for ch in text:
        c = ord(ch)
        if c > 0xFFFF:
            c -= 0x10000
            hi = 0xD800 | (c >> 10)
            lo = 0xDC00 | (c & 0x3FF)
            out.extend(bytes((hi >> 8, hi & 0xFF, lo >> 8, lo & 0xFF)))
        else:
            out.extend(bytes((c >> 8, c & 0xFF)))
    return out


def from_ucs2(data):
    out = []
    i = 0
    n = len(data) & ~1
    while i < n:
        c = (data[i] << 8) | data[i + 1]
        i += 2
        if 0xD800 <= c < 0xDC00 and i + 1 < n:
            lo = (data[i] << 8) | data[i + 1]
            if 0xDC00 <= lo < 0xE000:
                i += 2
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00)
        if 0xD800 <= c < 0xE000:
            c = 0xFFFD  # a lone surrogate
        out.append(chr(c))
    return "".join(out)


def _split(units, single, concat, step, keep_together):
    """Cut `units` (septets or UCS-2 octets) into segment chunks; `keep_together(units, cut)`
    moves a cut that would split an escape sequence or surrogate pair."""
    if len(units) <= single:
        return [units]
    parts = []
    i = 0
    while i < len(units):
        cut = min(i + concat, len(units))
        if cut < len(units) and keep_together(units, cut):
            cut -= step
        parts.append(units[i:cut])
        i = cut
    return parts


def _esc_split(units, cut):
    # A cut right after an escape septet would orphan it (count escapes before the cut).
    n = 0
    j = cut - 1
    while j >= 0 and units[j] == _ESC:
        n += 1
        j -= 1
    return n & 1 == 1


def _surrogate_split(units, cut):
    return 0xD8 <= units[cut - 2] < 0xDC


def plan(text, allow_ucs2=True):
    """How `text` goes out: (coding, parts) where coding is 'gsm7' (parts are septet
    bytearrays, 160 or 153 each) or 'ucs2' (parts are UTF-16BE bytes, 140 or 134 octets).
    ValueError when it needs more than MAX_SEGMENTS messages."""
    septets, missing = to_gsm(text)
    if missing and allow_ucs2:
        data = to_ucs2(text)
        parts = _split(data, SINGLE_UCS2 * 2, CONCAT_UCS2 * 2, 2, _surrogate_split)
        coding = "ucs2"
    else:
        parts = _split(septets, SINGLE_7BIT, CONCAT_7BIT, 1, _esc_split)
        coding = "gsm7"
    if len(parts) > MAX_SEGMENTS:
        raise ValueError("message needs %d SMS, at most %d allowed" % (len(parts), MAX_SEGMENTS))
    return coding, parts


def count(text, allow_ucs2=True):
    """(coding, segments, units used) for the UI and the docs' length rules."""
    coding, parts = plan(text, allow_ucs2)
    used = sum([len(p) for p in parts])
    return coding, len(parts), used if coding == "gsm7" else used // 2
