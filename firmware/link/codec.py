"""The partner message codec: dict <-> encrypted, authenticated bytes, one table line per type.

Pure: no I/O, no clock, no counters of its own (the caller passes the counter in and checks
replay with `link.replay`). The same bytes travel over BLE and over SMS.

Frame (28 bytes for every type, little-endian):
    hdr u8 = version << 4 | sender role,  counter u32,
    body 15 bytes = AES-CTR(sender's key, counter)(type u8, payload, zero padding),
    tag 8 bytes = HMAC-SHA256(sender's MAC key, hdr + counter + body)[:8]
Encrypt, then authenticate: the tag is checked before anything is decrypted. The type is
inside the ciphertext and every frame is padded to the same length, so neither the kind of a
message nor its length tells what it says (docs/link.md, "What is visible").
"""

import struct

from compat import const
from link.auth import same

VERSION = const(2)
TAG_LEN = const(8)
HEADER_LEN = const(5)
BODY_LEN = const(15)  # type + the longest payload (14, "pos")
FRAME_LEN = const(28)  # header + body + tag

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
R_SYNC = const(10)  # a handshake frame, handled (link.channel)
R_UNSYNCED = const(11)  # no epoch agreed yet: nothing can be opened
REASONS = ("ok", "short", "version", "type", "length", "tag", "range", "reflect", "replay",
           "dup", "sync", "unsynced")

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


if 1 + max([e[4] for e in _BY_ID.values()]) > BODY_LEN:
    raise ValueError("a message type does not fit the frame body")


def max_frame_len():
    """The length of every frame, in bytes."""
    return FRAME_LEN


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


def encode(msg, keys, sender, counter):
    """The frame for msg. keys: `auth.keys(...)`, the two directions' keys by sender role."""
    entry, values = payload_values(msg)
    if sender not in (0, 1) or counter < 0 or counter > 0xFFFFFFFF:
        raise ValueError("bad header")
    plain = bytes([entry[0]]) + struct.pack(entry[3], *values)
    plain += bytes(BODY_LEN - len(plain))
    d = keys[sender]
    body = struct.pack("<BI", VERSION << 4 | sender, counter) + d.crypt(counter, plain)
    return body + d.mac.digest(body)[:TAG_LEN]


def decode(frame, keys):
    """(reason, sender, counter, msg): reason OK with a dict, or a reject code and msg None.

    Checks in order of cost: length, version, tag (nothing unauthenticated is decrypted), then
    type, padding and value ranges. Replay and reflection are the caller's job (they need
    state).
    """
    n = len(frame)
    if n < FRAME_LEN:
        return R_SHORT, -1, 0, None
    if n > FRAME_LEN:
        return R_LENGTH, -1, 0, None
    hdr = frame[0]
    if hdr >> 4 != VERSION or hdr & 0x0E:
        return R_VERSION, -1, 0, None
    sender = hdr & 1
    d = keys[sender]
    body = bytes(frame[: n - TAG_LEN])
    if not same(d.mac.digest(body)[:TAG_LEN], frame[n - TAG_LEN:]):
        return R_TAG, -1, 0, None
    counter = struct.unpack_from("<I", body, 1)[0]
    plain = d.crypt(counter, body[HEADER_LEN:])
    entry = _BY_ID.get(plain[0])
    if entry is None:
        return R_TYPE, sender, counter, None
    for b in plain[1 + entry[4]:]:
        if b:
            return R_LENGTH, sender, counter, None
    values = struct.unpack_from(entry[3], plain, 1)
    msg = {"t": entry[1]}
    for i, name in enumerate(entry[2]):
        lo, hi = entry[5][i]
        if values[i] < lo or values[i] > hi:
            return R_RANGE, sender, counter, None
        msg[name] = values[i]
    return OK, sender, counter, msg
