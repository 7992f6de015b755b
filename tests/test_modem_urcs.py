"""The module-specific unsolicited result codes, per profile, and what the firmware does with them.

SIMCom's 4G modules (A7670E, SIM7600) announce the audio path ("VOICE CALL: BEGIN", "VOICE CALL:
END: 000041"), frame some result codes CR CR LF ("\\r\\r\\n+CRING: VOICE\\r\\r\\n"), report an
unanswered incoming call ("MISSED_CALL: 02:18AM +381641733314") and start with their own boot
banner ("*ATREADY: 1" or "RDY"). docs/modem.md gives the source of each form. The simulator
speaks them as firmware/modem/profiles.py records per module; the firmware must handle each.
"""

import asyncio

import pytest

from host_sim import vloop
from host_sim.modem_sim import SimModem, SimNetwork, loop_clock
from modem import profiles
from modem.modem import Modem

C1 = "+31611111111"
DEV = "+31600000001"
CALLER = "+31699999999"


def run(body, profile, behaviour=None):
    events = []

    async def main():
        net = SimNetwork(behaviour or {C1: ["answer"]})
        sim = SimModem(net, DEV, profile).start()
        raw = bytearray()
        write = sim.reader.write

        def tee(data):
            raw.extend(data)
            write(data)

        sim.reader.write = tee
        modem = Modem(sim.reader, sim.writer, profile, clock=loop_clock,
                      on_event=lambda name, f: events.append((name, f)))
        try:
            assert await modem.start()
            return await body(net, sim, modem), bytes(raw), dict(modem.stats), events
        finally:
            await modem.close()
            sim.stop()
            await asyncio.sleep(0)

    return vloop.run(main())


@pytest.mark.parametrize("profile", ["a7670e", "sim7600", "sim800"])
def test_call_begin_and_end_per_profile(profile):
    async def body(net, sim, modem):
        out = await modem.call(C1, 30000)
        ended = await modem.wait_call_end(120000)  # the contact hangs up after 60 s of talk
        return out, ended

    (out, ended), raw, stats, _ = run(body, profile)
    assert out == "answered" and ended
    voice = profiles.get(profile)["voice_urc"]
    assert (b"\r\nVOICE CALL: BEGIN\r\n" in raw) == voice
    # the audio was up for the 60 s of talk: six digits, hours minutes seconds
    assert (b"\r\nVOICE CALL: END: 000100\r\n" in raw) == voice
    assert stats["dispatch_errors"] == 0 and stats["calls_answered"] == 1


def test_unanswered_outgoing_call_has_no_voice_call_end():
    async def body(net, sim, modem):
        return await modem.call(C1, 30000)

    out, raw, stats, _ = run(body, "a7670e", {C1: ["busy"]})
    assert out == "busy"
    assert b"VOICE CALL" not in raw  # no audio path was opened


@pytest.mark.parametrize("profile", ["a7670e", "sim7600", "sim800"])
def test_incoming_call_rings_and_is_missed(profile):
    async def body(net, sim, modem):
        r = await modem.engine.command("AT+CRC=1", 2000)
        await modem.engine.command("AT+CLIP=1", 2000)
        assert r.ok
        await net.call_device(CALLER, DEV, rings=3)
        await asyncio.sleep(5)
        return None

    _, raw, stats, events = run(body, profile)
    p = profiles.get(profile)
    framed = b"\r\r\n+CRING: VOICE\r\r\n" if p["double_cr"] else b"\r\n+CRING: VOICE\r\n"
    assert raw.count(framed) == 3
    assert stats["incoming_calls"] >= 3
    assert (b"\r\nMISSED_CALL: " in raw) == p["missed_call_urc"]
    assert stats["missed_calls"] == (1 if p["missed_call_urc"] else 0)
    assert stats["dispatch_errors"] == 0 and stats["stray"] == 0
    # nothing about the caller reaches the journal's events
    assert CALLER not in repr(events)


def test_ring_without_crc_is_plain_ring():
    async def body(net, sim, modem):
        await net.call_device(CALLER, DEV, rings=2)
        return None

    _, raw, stats, _ = run(body, "sim7600")
    assert raw.count(b"\r\nRING\r\n") == 2 and b"CRING" not in raw
    assert stats["incoming_calls"] >= 2 and stats["missed_calls"] == 1


@pytest.mark.parametrize("profile", sorted(profiles.PROFILES))
def test_boot_banner_per_profile_means_reinit(profile):
    async def body(net, sim, modem):
        before = modem.stats["inits"]
        sim.reset()
        await asyncio.sleep(sim.boot_s + 10)
        return before

    before, raw, stats, events = run(body, profile)
    first = profiles.get(profile)["boot_urcs"][0]
    resets = [f["urc"] for name, f in events if name == "modem_reset"]
    # power-on and the reset: each announced by the module's own first banner
    assert resets == [first, first]
    assert stats["inits"] == before + 1
    order = [raw.find(("\r\n%s\r\n" % u).encode()) for u in profiles.get(profile)["boot_urcs"]]
    assert -1 not in order and order == sorted(order)


class Stream:
    """A module that only speaks: the given bytes, then silence."""

    def __init__(self, data):
        self.data = bytearray(data)

    async def read(self, n):
        if not self.data:
            await asyncio.sleep(3600)
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def write(self, data):
        pass

    async def drain(self):
        pass


def test_firmware_handles_the_recorded_forms_verbatim():
    # Byte for byte as ModemManager's SIMCom tests record them (docs/modem.md).
    data = (b"\r\r\n+CRING: VOICE\r\r\n\r\n+CLIP: \"+381641733314\",145,,,,0\r\n"
            b"\r\nMISSED_CALL: 02:18AM +381641733314\r\n"
            b"\r\nVOICE CALL: BEGIN\r\n\r\nVOICE CALL: END: 000041\r\n\r\n*ATREADY: 1\r\n")
    events = []

    async def main():
        s = Stream(data)
        modem = Modem(s, s, "a7670e", on_event=lambda n, f: events.append((n, f)))
        modem.engine.start()
        await asyncio.sleep(1)
        modem.stop()
        await asyncio.sleep(0)
        return modem.stats, modem._needs_init

    stats, needs_init = vloop.run(main())
    assert stats["incoming_calls"] == 1 and stats["missed_calls"] == 1
    assert stats["urcs"] == 6 and stats["dispatch_errors"] == 0 and stats["stray"] == 0
    assert needs_init and [n for n, _ in events] == ["modem_reset"]
    assert "381641733314" not in repr(events)
