"""The far link over SMS: one partner frame (already sealed) in one binary SMS, and the pipe.

The framing (encode, payload) is pure: it builds the SMS-SUBMIT TPDU the modem sends and
recognises a received far frame. It must not check authenticity or replay (link.channel does
that for BLE and SMS alike). The frame is an 8-bit SMS with a 16-bit application port header,
so a phone that receives one by mistake shows nothing and the text says nothing about what the
device is for. FarPipe is the bounded queue between the partner link and the modem; sending
and receiving the SMS themselves is the modem's job (`Modem.send_far`, `on_far`).
"""

import asyncio

from compat import const
from modem.pdu import DCS_8BIT, VP_1H, VP_5MIN, port_udh, submit

FAR_PORT = const(0x2F1A)  # our application port (destination and source)
MAX_PAYLOAD = const(133)  # 140 octets minus the 7-octet port header
_FAR_QUEUE = const(8)


def validity(msg):
    """The SMS validity for a message: a position is dropped by the network after 5 minutes,
    the shortest relative validity there is (the receiver's own bound, 90 s by the position's
    fix time, is checked on arrival: shell/locate.py); anything else after one hour, since a
    stale mood answer is worse than none."""
    return VP_5MIN if msg is not None and msg["t"] == "pos" else VP_1H


def encode(number, payload, vp=VP_1H):
    """The TPDU carrying `payload` (bytes) to `number` with validity `vp` (TP-VP, relative);
    ValueError if empty or too long."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError("far payload must be 1..%d bytes" % MAX_PAYLOAD)
    return submit(number, bytes(payload), DCS_8BIT, len(payload), port_udh(FAR_PORT, FAR_PORT),
                  vp)


def payload(msg):
    """The far payload of a received `pdu.Deliver`, or None if it is not a far frame."""
    if msg.coding != "8bit" or msg.port != FAR_PORT or msg.concat is not None or not msg.data:
        return None
    return msg.data


class FarPipe:
    """A frame pipe over SMS to one number; frames from anyone else never arrive here."""

    def __init__(self, modem, number):
        self.modem = modem
        self.number = number
        self.out = []
        self.inbox = []
        self.out_flag = asyncio.Event()
        self.in_flag = asyncio.Event()
        self.stats = {"far_sent": 0, "far_failed": 0, "far_dropped": 0, "far_rx": 0,
                      "far_stale": 0, "far_rx_dropped": 0}
        self.still_valid = None  # as link.reliable's: a queued message no longer worth sending

    def received(self, number, payload):  # Modem's on_far callback
        if len(self.inbox) >= _FAR_QUEUE:  # the link task is behind: dropped, and counted
            self.stats["far_rx_dropped"] += 1
            return
        self.inbox.append(payload)
        self.stats["far_rx"] += 1
        self.in_flag.set()

    def send(self, frame, msg=None):
        """Queue a sealed frame (msg: the message it carries, to check again before it goes)."""
        if len(self.out) >= _FAR_QUEUE:
            self.stats["far_dropped"] += 1
            return False
        self.out.append((bytes(frame), msg))
        self.out_flag.set()
        return True

    async def recv(self):
        while not self.inbox:
            self.in_flag.clear()
            await self.in_flag.wait()
        return self.inbox.pop(0)

    async def run(self):
        while True:
            while not self.out:
                self.out_flag.clear()
                await self.out_flag.wait()
            frame, msg = self.out.pop(0)
            valid = self.still_valid
            if msg is not None and valid is not None and not valid(msg):
                self.stats["far_stale"] += 1
                continue
            out = await self.modem.send_far(self.number, frame, validity(msg))
            self.stats["far_sent" if out == "sent" else "far_failed"] += 1
