"""The partner message codec: dict <-> authenticated bytes, one table line per message type.

Pure: no I/O, no clock, no counters of its own (the caller passes the counter in and checks
replay with `link.replay`). The same bytes travel over BLE and over SMS.

Frame (little-endian):  hdr u8 = version << 4 | sender role,  type u8,  counter u32,
                        payload (struct per type),  tag 8 bytes = HMAC-SHA256(key, all before)[:8]
"""

import struct

from compat import const
from link.auth import same

VERSION = const(1)
TAG_LEN = const(8)
HEADER_LEN = const(6)
OVERHEAD = const(14)  # header + tag

# Reason codes for rejected frames (0 = accepted). Names are the keys of the stats counters.
OK = const(0)
R_SHORT = const(1)
R_VERSION = const(2)
R_TYPE = const(3)
R_LENGTH = const(4)
R_TAG = const(5)
R_RANGE = const(6)
R_REFLECT = const(7)
R_REPLAY = const(8)
R_DUP = const(9)
REASONS = ("ok", "short", "version", "type", "length", "tag", "range", "reflect", "replay",
           "dup")

# One line per message type: id, name, fields as "name:format[:min[:max]]" (struct formats
# B H I unsigned, h i signed; without min/max the format's full range is allowed).
TABLE = (
    (1, "start", "tid:H:1 by:B:0:1 why:B:0:1 el:I lv:B:0:1"),
    (2, "undo", "tid:H:1"),
    (3, "prop", "pid:H:1"),
    (4, "acc", "pid:H:1"),
    (5, "mood", "tid:H:1 seq:B m:B:0:3 fin:B:0:1"),
    (6, "state", "tid:H el:I ph:B ext:B m:B:0:3 on:B:0:1 by:B:0:1 lv:B:0:1"),
    (7, "end", "tid:H:1 out:B"),
    # a measured position only (never an assumed one), ft: its fix time, Unix epoch seconds
    (8, "pos", "lat:i:-900000000:900000000 lon:i:-1800000000:1800000000 hdop:H ft:I"),
    (16, "ack", "c:I"),  # link layer: acknowledges the frame with counter c
    (17, "ping", ""),  # link layer: proves the secret right after connecting
)

_FULL = {"B": (0, 0xFF), "H": (0, 0xFFFF), "I": (0, 0xFFFFFFFF), "b": (-0x80, 0x7F),
         "h": (-0x8000, 0x7FFF), "i": (-0x80000000, 0x7FFFFFFF)}


def _compile(table):
    by_id = {}
    by_name = {}
    for type_id, name, spec in table:
        names = []
        fmt = "<"
        lims = []
        for field in spec.split():
            parts = field.split(":")
            lo, hi = _FULL[parts[1]]
            if len(parts) > 2:
                lo = int(parts[2])
            if len(parts) > 3:
                hi = int(parts[3])
            names.append(parts[0])
            fmt += parts[1]
            lims.append((lo, hi))
        entry = (type_id, name, tuple(names), fmt, struct.calcsize(fmt), tuple(lims))
        by_id[type_id] = entry
        by_name[name] = entry
    return by_id, by_name


_BY_ID, _BY_NAME = _compile(TABLE)


def max_frame_len():
    """The longest frame any message type produces, in bytes."""
    return OVERHEAD + max([e[4] for e in _BY_ID.values()])


def payload_values(msg):
    """The table entry and the field values of msg in wire order; ValueError names the flaw."""
    if not isinstance(msg, dict):
        raise ValueError("not a dict")
    entry = _BY_NAME.get(msg.get("t"))
    if entry is None:
        raise ValueError("unknown type")
    values = []
    for i, name in enumerate(entry[2]):
        v = msg.get(name)
        lo, hi = entry[5][i]
        if not isinstance(v, int) or isinstance(v, bool) or v < lo or v > hi:
            raise ValueError("bad " + name)
        values.append(v)
    return entry, values


def encode(msg, mac, sender, counter):
    """The authenticated frame for msg. mac is an `auth.Hmac` on the message key."""
    entry, values = payload_values(msg)
    if sender not in (0, 1) or counter < 0 or counter > 0xFFFFFFFF:
        raise ValueError("bad header")
    body = struct.pack("<BBI", VERSION << 4 | sender, entry[0], counter)
    body += struct.pack(entry[3], *values)
    return body + mac.digest(body)[:TAG_LEN]


def decode(frame, mac):
    """(reason, sender, counter, msg): reason OK with a dict, or a reject code and msg None.

    Checks in order of cost: length, version, type, exact length, tag, value ranges. Replay and
    reflection are the caller's job (they need state).
    """
    n = len(frame)
    if n < OVERHEAD:
        return R_SHORT, -1, 0, None
    hdr = frame[0]
    if hdr >> 4 != VERSION or hdr & 0x0E:
        return R_VERSION, -1, 0, None
    entry = _BY_ID.get(frame[1])
    if entry is None:
        return R_TYPE, -1, 0, None
    if n != OVERHEAD + entry[4]:
        return R_LENGTH, -1, 0, None
    body = bytes(frame[: n - TAG_LEN])
    if not same(mac.digest(body)[:TAG_LEN], frame[n - TAG_LEN:]):
        return R_TAG, -1, 0, None
    sender = hdr & 1
    counter = struct.unpack_from("<I", body, 2)[0]
    values = struct.unpack_from(entry[3], body, HEADER_LEN)
    msg = {"t": entry[1]}
    for i, name in enumerate(entry[2]):
        lo, hi = entry[5][i]
        if values[i] < lo or values[i] > hi:
            return R_RANGE, sender, counter, None
        msg[name] = values[i]
    return OK, sender, counter, msg

