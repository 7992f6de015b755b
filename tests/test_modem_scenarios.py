"""The modem engine and far link against the modem simulator (virtual time)."""

import asyncio

import pytest
from host_sim import vloop
from host_sim.modem_sim import SimModem, SimNetwork, loop_clock
from link import far
from modem.modem import Modem

C1 = "+31611111111"
DEV_A, DEV_B = "+31600000001", "+31600000002"
STRANGER = "+31699999999"


def run(coro_fn, behaviour=None, profile="a7670e", **kw):
    """Run coro_fn(net, sim, modem, events) with one device on a fresh virtual-time loop."""

    async def main():
        net = SimNetwork(behaviour or {})
        sim = SimModem(net, DEV_A, profile, **kw).start()
        events = []
        modem = Modem(sim.reader, sim.writer, profile, clock=loop_clock,
                      on_event=lambda n, f: events.append(n))
        try:
            return await coro_fn(net, sim, modem, events)
        finally:
            await modem.close()
            sim.stop()
            await asyncio.sleep(0)

    return vloop.run(main())


@pytest.mark.parametrize("profile", ["sim800", "sim7600", "a7670e", "sim7000g",
                                     "sim7600_noaudio"])
def test_start_on_every_profile(profile):
    async def body(net, sim, modem, events):
        assert await modem.start()
        assert modem.health["registered"] and modem.health["sim"] == "ready"
        assert modem.health["csq"] == 20 and modem.health["rssi_dbm"] == -73
        assert "ATE0" in sim.log and "AT+CMGF=0" in sim.log
        assert sim.echo is False
        return True

    assert run(body, profile=profile)


def _call(number, behaviour, profile="a7670e", ring_ms=30000, **kw):
    async def body(net, sim, modem, events):
        await modem.start()
        out = await modem.call(number, ring_ms)
        t = asyncio.get_running_loop().time()
        return out, sim.call, t, modem
    return run(body, behaviour, profile, **kw)


@pytest.mark.parametrize("how,expect", [("answer", "answered"), ("no_answer", "no_answer"),
                                        ("busy", "busy"), ("reject", "rejected"),
                                        ("unreachable", "failed"), ("off", "failed")])
@pytest.mark.parametrize("profile", ["sim800", "sim7600", "a7670e"])
def test_call_outcomes(how, expect, profile):
    out, sim_call, _, modem = _call(C1, {C1: [how]}, profile)
    assert out == expect
    if expect != "answered":
        assert sim_call is None  # nothing left ringing or connected
    else:
        assert sim_call is not None and sim_call["stat"] == 0


def test_ring_time_is_respected():
    out, sim_call, t, _ = _call(C1, {C1: ["no_answer"]}, ring_ms=20000)
    assert out == "no_answer" and sim_call is None
    # boot (~4 s) + ring time, well before the network's own 60 s no-reply timer
    assert 20 <= t < 35


def test_no_voice_modules_do_not_dial():
    for profile in ("sim7000g", "sim7600_noaudio"):
        out, _, _, modem = _call(C1, {C1: ["answer"]}, profile)
        assert out == "failed" and modem.stats["no_voice"] == 1


def test_a7670e_without_volte_sim_fails_before_ringing():
    out, _, _, _ = _call(C1, {C1: ["answer"]}, "a7670e", volte_sim=False)
    assert out == "failed"


def test_far_link_between_two_devices_and_stranger_ignored():
    """Two devices 500 m apart (no BLE): mood answers travel as binary SMS; a stranger's SMS
    is ignored and deleted."""

    async def main():
        net = SimNetwork()
        sims, modems, got = {}, {}, {"A": [], "B": []}
        for name, num, peer, prof in (("A", DEV_A, DEV_B, "a7670e"),
                                      ("B", DEV_B, DEV_A, "sim7600")):
            sims[name] = SimModem(net, num, prof, seed=len(name)).start()
            modems[name] = Modem(sims[name].reader, sims[name].writer, prof, far_peers=[peer],
                                 clock=loop_clock, far_framing=far,
                                 on_far=lambda n, p, name=name: got[name].append((n, p)))
        for m in modems.values():
            assert await m.start()
        mood = b"\x01MOOD:calm" + bytes(range(40))  # stands in for an authenticated frame
        assert await modems["A"].send_far(DEV_B, mood) == "sent"
        assert await modems["B"].send_far(DEV_A, b"\x02pos" + bytes(50)) == "sent"
        net.text_from_stranger(STRANGER, DEV_A, "Hoi, ken je mij nog?")
        # the stranger also sends a binary frame that looks like ours
        net.binary_from(STRANGER, DEV_B, b"fake!!", port=0x2F1A)
        await asyncio.sleep(30)
        out = (got, {k: dict(m.stats) for k, m in modems.items()},
               {k: dict(s.slots) for k, s in sims.items()})
        for m in modems.values():
            await m.close()
        for s in sims.values():
            s.stop()
        await asyncio.sleep(0)
        return out

    got, stats, slots = vloop.run(main())
    assert got["B"] == [(DEV_A, b"\x01MOOD:calm" + bytes(range(40)))]
    assert got["A"] == [(DEV_B, b"\x02pos" + bytes(50))]
    assert stats["A"]["sms_ignored"] == 1 and stats["B"]["sms_ignored"] == 1
    assert slots == {"A": {}, "B": {}}  # everything deleted


def test_sim_storage_swept_at_start():
    async def body(net, sim, modem, events):
        for i in range(5):
            net.text_from_stranger(STRANGER, DEV_A, "spam %d" % i)
        await modem.start()
        return modem.stats["sms_ignored"], dict(sim.slots)

    ignored, slots = run(body)
    assert ignored == 5 and slots == {}


def test_long_and_non_gsm_texts_go_out_concatenated():
    async def body(net, sim, modem, events):
        await modem.start()
        a = await modem.send_sms(C1, "€" * 100)
        b = await modem.send_sms(C1, "Kalm ☺ " * 20)
        c = await modem.send_sms(C1, "x" * 2000)
        await asyncio.sleep(10)
        return a, b, c, net.texts_for(C1)

    a, b, c, texts = run(body)
    assert (a, b, c) == ("sent", "sent", "too_long")
    assert [t for _, t in texts] == ["€" * 100, "Kalm ☺ " * 20]
