"""The welcome text: each contact person hears from the device once, before any call.

A provisioning choice (`welcome_text` in the config; the sheets say what it says). The text
tells the contact whose contact person they are and what a call or a text from this number
means (modem/wording.py). It is sent while no time-out runs (a contact call always comes
first), once per contact number: what was sent is kept on the flash as a short hash of the
number, so a reboot does not send it twice, a contact who was changed at provisioning gets
one, and the file does not hold the numbers themselves. A text that did not go (no network,
the module failed) is tried again every RETRY_MS until it goes. This module is loaded only
when the config asks for welcome texts, and dropped once none is owed, so it costs no heap
for the rest of the day.
"""

import hashlib

from compat import MICROPYTHON, drop_module, sleep_ms
from store.files import join, read_json, write_json

FILE = "welcome.json"
RETRY_MS = 600000  # a text that did not go: again after 10 minutes
_READY_POLL_MS = 5000  # no network yet, or a time-out running: look again after this


def tag(phone):
    """A short hash of a number: enough to know it was welcomed, not enough to read it."""
    return "".join("%02x" % b for b in hashlib.sha256(phone.encode()).digest()[:6])


def _sent(folder):
    """The tags on the flash (a damaged file: none, so a welcome goes twice, never not)."""
    done = read_json(join(folder, FILE))
    sent = done.get("sent") if isinstance(done, dict) else None
    return sent if isinstance(sent, list) else []


def owed(cfg, folder):
    """The contacts (index, contact) who have not had their welcome text yet."""
    sent = _sent(folder)
    return [(i, c) for i, c in enumerate(cfg["contacts"]) if tag(c["phone"]) not in sent]


def _mark(folder, cfg, phone):
    sent = _sent(folder)
    sent.append(tag(phone))
    # keep only the current contacts' tags: the file never grows past three
    current = [tag(c["phone"]) for c in cfg["contacts"]]
    write_json(join(folder, FILE), {"sent": [t for t in current if t in sent]})


async def run(phone, cfg, folder, idle):
    """Send every owed welcome text; `idle()` is True while no time-out or proposal runs.
    Returns when all are sent (the module is then dropped from the heap)."""
    pending = owed(cfg, folder)
    while pending:
        if not (phone.registered() and idle()):
            await sleep_ms(_READY_POLL_MS)
            continue
        contact = pending[0][1]
        out = await phone.text_contact(contact["phone"], "welcome")  # journaled there
        if out == "sent":
            _mark(folder, cfg, contact["phone"])
            pending.pop(0)
        elif out == "too_long":  # no retry can shorten it: journaled, the others still go
            pending.pop(0)
        else:
            await sleep_ms(RETRY_MS)
    if MICROPYTHON:
        drop_module("shell.welcome")
