"""UBX frames for u-blox receivers (NEO-6M/M8N): sleep and wake. Bytes out, nothing sent.

Pure codec; must not touch the UART. The shell writes these frames to the receiver.
"""

_SYNC = b"\xb5\x62"


def frame(cls, msg_id, payload=b""):
    """A complete UBX frame with its 8-bit Fletcher checksum."""
    n = len(payload)
    body = bytes((cls, msg_id, n & 0xFF, n >> 8)) + bytes(payload)
    a = 0
    b = 0
    for c in body:
        a = (a + c) & 0xFF
        b = (b + a) & 0xFF
    return _SYNC + body + bytes((a, b))


def check(data):
    """True when data is one well-formed UBX frame with a correct checksum."""
    if len(data) < 8 or data[:2] != _SYNC:
        return False
    n = data[4] | (data[5] << 8)
    if len(data) != 8 + n:
        return False
    return frame(data[2], data[3], data[6:6 + n]) == bytes(data)


def pmreq_backup(duration_ms):
    """UBX-RXM-PMREQ: backup mode for duration_ms (0 = until woken by UART activity)."""
    d = int(duration_ms) & 0xFFFFFFFF
    payload = bytes((d & 0xFF, (d >> 8) & 0xFF, (d >> 16) & 0xFF, (d >> 24) & 0xFF,
                     2, 0, 0, 0))  # flags: bit 1 = backup
    return frame(0x02, 0x41, payload)


def wake():
    """Any UART traffic wakes a u-blox receiver from backup; 0xFF bytes are ignored by it."""
    return b"\xff" * 8
