"""The simulated network keeps a text for a device that is off or out of coverage, as a service
centre does (3GPP 23.040 3.2.5), and delivers it when the device is back, within the text's
validity period.

Before this model a text to a device that was off was lost in the simulator (a real network
delivers it later): the partner's "meet" never reached a device that rebooted during the end
check, and the two devices ended one time-out differently."""

import asyncio

from host_sim import vloop
from host_sim.modem_sim import SimModem, SimNetwork, validity_s
from modem.pdu import VP_5MIN, VP_24H, submit

A, B = "+31600000001", "+31600000002"


def text(vp):
    return submit(B, b"\x01\x02", 0x04, 2, vp=vp)


def run(story):
    async def main():
        net = SimNetwork(sms_delay_s=1.0)
        a = SimModem(net, A).start()
        b = SimModem(net, B)  # B's module is off
        out = await story(net, a, b)
        for m in (a, b):
            m.stop()
        return out
    return vloop.run(main())


def test_validity_is_read_from_the_submit():
    assert validity_s(text(VP_5MIN)) == 300
    assert validity_s(text(VP_24H)) == 24 * 3600


def test_a_text_to_a_device_that_is_off_arrives_when_it_is_back():
    async def story(net, a, b):
        assert net.submit(A, text(VP_24H)) is None
        await asyncio.sleep(60)
        assert not b.slots and len(net.held) == 1
        b.start()
        await asyncio.sleep(2)
        return len(b.slots), net.expired
    assert run(story) == (1, 0)


def test_a_text_past_its_validity_is_dropped_by_the_network():
    async def story(net, a, b):
        net.submit(A, text(VP_5MIN))
        await asyncio.sleep(301)
        b.start()
        await asyncio.sleep(2)
        return len(b.slots), net.expired
    assert run(story) == (0, 1)


def test_out_of_coverage_is_held_until_the_network_is_back():
    async def story(net, a, b):
        b.start()
        net.submit(A, text(VP_24H))
        net.set_up(False)
        await asyncio.sleep(30)
        held = len(b.slots)
        net.set_up(True)
        await asyncio.sleep(2)
        return held, len(b.slots)
    assert run(story) == (0, 1)
