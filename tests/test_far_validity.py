"""The far link's SMS validity: a position text dies in the network soon after the receiver's
staleness bound; other frames keep an hour."""

import asyncio

from gps.defaults import DEFAULTS
from host_sim.modem_sim import validity_s
from link.far import FarPipe, encode
from modem.pdu import VP_1H


def relative_validity_s(tpdu):
    """TP-VP of an SMS-SUBMIT in seconds, read as the simulated service centre reads it."""
    assert tpdu[0] & 0x18 == 0x10, "relative validity format"
    return validity_s(tpdu)


def sent_validity(msg):
    class Modem:
        vps = []

        async def send_far(self, number, frame, vp=None):
            self.vps.append(vp)
            return "sent"

    async def main():
        pipe = FarPipe(Modem(), "+31600000002")
        pipe.send(b"frame", msg)
        task = asyncio.create_task(pipe.run())
        await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(main())
    return relative_validity_s(encode("+31600000002", b"frame", Modem.vps[0]))


def test_a_position_text_is_valid_only_the_shortest_step_above_the_staleness_bound():
    bound_s = DEFAULTS["partner_stale_ms"] // 1000
    validity = sent_validity({"t": "pos", "lat": 0, "lon": 0, "hdop": 90, "ft": 0})
    assert bound_s <= validity < bound_s + 300, "no relative validity is shorter"
    assert validity == 300


def test_other_frames_keep_an_hour():
    assert sent_validity({"t": "mood", "tid": 1, "seq": 0, "m": 1, "fin": 0}) == 3600
    assert sent_validity({"t": "start", "tid": 1}) == (VP_1H + 1) * 300
