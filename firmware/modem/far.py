"""The far link's SMS framing: one partner message (already authenticated) in one binary SMS.

Pure: builds the SMS-SUBMIT TPDU and recognises a received far message. It must not check
authenticity or replay (the partner codec does that for BLE and SMS alike) and does no I/O.
The frame is an 8-bit SMS with a 16-bit application port header, so a phone that receives one
by mistake shows nothing and the text says nothing about what the device is for.
"""

from compat import const
from modem.pdu import DCS_8BIT, VP_1H, port_udh, submit

FAR_PORT = const(0x2F1A)  # our application port (destination and source)
MAX_PAYLOAD = const(133)  # 140 octets minus the 7-octet port header


def encode(number, payload, vp=VP_1H):
    """The TPDU carrying `payload` (bytes) to `number`; ValueError if empty or too long.
    Validity one hour: a stale position or mood answer is worse than none."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError("far payload must be 1..%d bytes" % MAX_PAYLOAD)
    return submit(number, bytes(payload), DCS_8BIT, len(payload), port_udh(FAR_PORT, FAR_PORT),
                  vp)


def payload(msg):
    """The far payload of a received `pdu.Deliver`, or None if it is not a far frame."""
    if msg.coding != "8bit" or msg.port != FAR_PORT or msg.concat is not None or not msg.data:
        return None
    return msg.data
