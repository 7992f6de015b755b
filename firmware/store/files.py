"""Small, power-cut-safe file helpers on the device filesystem (littlefs on the ESP32).

A JSON document is written to a temporary file, flushed and renamed over the old one, so a
reader finds either the old or the new version, never half of one. Nothing else lives here.
"""

import json
import os


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
