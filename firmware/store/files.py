"""Small, power-cut-safe file helpers on the device filesystem (littlefs on the ESP32).

A JSON document is written to a temporary file, flushed and renamed over the old one, so a
reader finds either the old or the new version, never half of one. Nothing else lives here.
"""

import json
import os

try:
    from binascii import crc32 as _crc32
except ImportError:  # a port built without binascii.crc32
    _crc32 = None  # type: ignore[assignment]


def crc32(data):
    """CRC-32 (zlib's) of bytes, as an unsigned int: the journal's line check and the spoken
    prompts' check of their words."""
    if _crc32 is not None:
        return _crc32(data) & 0xFFFFFFFF
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def join(folder, name):
    return folder + "/" + name if folder else name


def exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(obj))
        f.flush()
    os.rename(tmp, path)


def read_json(path):
    """The document at `path`, or None when missing or unreadable (never raises)."""
    try:
        with open(path) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None
