"""The organisation's provisioning key and the console exchange with a locked device.

A provisioned device's USB console opens only after a challenge-response (the device side:
firmware/shell/console.py). Each device holds its own key, HMAC(organisation key, "console:" ||
device id), written at provisioning; the organisation's key stays on the organisation's
computer, in a key file readable by its owner only (0600): TIMEOUT_CARE_KEY_FILE, else
~/.config/timeout-care/provisioning.key (`timeout-care keygen` makes one). Never on a command
line: the key, the device keys and the answers travel only through files and the serial port.
CPython only.
"""

import binascii
import hashlib
import hmac
import json
import os
import re
import stat
import time
from pathlib import Path

LOCK_FILE = "console.json"  # in the device's storage folder (shell/console.py)
_PROMPT = b">>> "
_CHALLENGE = re.compile(rb"#!challenge ([0-9a-f]{2,64}) ([0-9a-f]{32})\r?\n")


class LockError(RuntimeError):
    pass


def key_path():
    return Path(os.environ.get("TIMEOUT_CARE_KEY_FILE")
                or Path.home() / ".config" / "timeout-care" / "provisioning.key")


def make_key(path=None, urandom=os.urandom):
    """Write a fresh organisation key (0600); refuse to overwrite one: devices depend on it."""
    path = Path(path) if path else key_path()
    if path.exists():
        raise LockError("%s exists: the devices provisioned with it need it (keep it, and a "
                        "backup)" % path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(binascii.hexlify(urandom(32)).decode() + "\n")
    return path


def load_key(path=None):
    """The organisation's key (32 bytes). Refused when missing, readable by others, or not
    64 hex digits."""
    path = Path(path) if path else key_path()
    try:
        st = path.stat()
        text = path.read_text().strip()
    except OSError:
        raise LockError("no provisioning key at %s: create one with `timeout-care keygen` (or "
                        "set TIMEOUT_CARE_KEY_FILE)" % path) from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise LockError("%s is readable by other users: chmod 600 it" % path)
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise LockError("%s: not a provisioning key (64 hex digits)" % path)
    return binascii.unhexlify(text)


def device_key(org_key, ident):
    return hmac.new(org_key, b"console:" + ident, hashlib.sha256).digest()


def lock_document(org_key, urandom=os.urandom):
    """The console.json a device gets at provisioning: its id and its own key."""
    ident = urandom(8)
    return json.dumps({"id": ident.hex(), "key": device_key(org_key, ident).hex()},
                      sort_keys=True).encode()


def answer(org_key, ident, nonce):
    return hmac.new(device_key(org_key, ident), nonce + ident, hashlib.sha256).hexdigest()


def _read_until(ser, patterns, timeout_s, again=None):
    """Read until one of the regexes matches; (index, match, text) or (None, None, text).
    `again`: bytes written once a second while nothing matched (the device ignores requests
    for a while after a wrong answer)."""
    got = b""
    now = time.monotonic()
    end, resend = now + timeout_s, now + 1
    while time.monotonic() < end:
        if again is not None and time.monotonic() >= resend:
            ser.write(again)
            resend += 1
        got += ser.read(ser.in_waiting or 1)
        for i, pat in enumerate(patterns):
            m = pat.search(got)
            if m:
                return i, m, got
    return None, None, got


def open_console(port, key_loader=load_key, timeout_s=10):
    """Bring the device at `port` to its REPL: "repl" (it was there already), "open" (an
    unprovisioned device's firmware handed it over) or "unlocked" (the challenge answered).
    The latter two want `close_console` afterwards, so that the device boots locked again."""
    import serial

    try:
        ser = serial.Serial(port, 115200, timeout=0.1)
    except (serial.SerialException, OSError) as e:
        raise LockError("%s: cannot open (%s)" % (port, e)) from None
    prompt = re.compile(re.escape(_PROMPT) + rb"$")
    opened = re.compile(rb"#!open\r?\n")
    refused = re.compile(rb"#!refused\r?\n")
    try:
        ser.reset_input_buffer()
        ser.write(b"\r\x02#?unlock\r\n")  # Ctrl-B: a REPL left raw goes back to friendly
        i, m, _ = _read_until(ser, [_CHALLENGE, opened, prompt], timeout_s, b"#?unlock\r\n")
        if i is None:
            raise LockError("%s: no answer from the device's console (locked and still waiting "
                            "after a wrong answer? try again in a minute)" % port)
        if i == 2:
            return "repl"
        state = "open"
        if i == 0:
            org_key = key_loader()
            ident, nonce = binascii.unhexlify(m.group(1)), binascii.unhexlify(m.group(2))
            ser.write(b"#!answer " + answer(org_key, ident, nonce).encode() + b"\r\n")
            j, _, _ = _read_until(ser, [opened, refused], timeout_s)
            if j != 0:
                raise LockError("%s: the device refused the provisioning key (a device of "
                                "another organisation, or a different key file)" % port)
            state = "unlocked"
        if _read_until(ser, [prompt], timeout_s)[0] is None:
            raise LockError("%s: the console opened but no REPL followed" % port)
        return state
    finally:
        ser.close()


def close_console(port):
    """Restart the device from its REPL (Ctrl-D: a soft reset), so it boots locked."""
    import serial

    try:
        with serial.Serial(port, 115200, timeout=0.1) as ser:
            ser.write(b"\r\x02\x04")
            ser.flush()
    except (serial.SerialException, OSError):
        pass
