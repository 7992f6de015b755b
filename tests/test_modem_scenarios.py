"""The modem engine, chain helper and far link against the modem simulator (virtual time)."""

import asyncio

import pytest
from host_sim import vloop
from host_sim.modem_sim import SimModem, SimNetwork, loop_clock
from modem.chain import run_chain
from modem.modem import Modem

C1, C2, C3 = "+31611111111", "+31622222222", "+31633333333"
CONTACTS = [{"name": "Ann", "phone": C1}, {"name": "Bob", "phone": C2},
            {"name": "Cy", "phone": C3}]
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


def test_chain_contact1_rings_out_contact2_answers():
    async def body(net, sim, modem, events):
        await modem.start()
        res = await run_chain(modem, CONTACTS, "Kim", ring_time_ms=25000)
        await asyncio.sleep(10)  # let the SMS arrive
        return res, net

    res, net = run(body, {C1: ["no_answer"], C2: ["answer"], C3: ["answer"]})
    assert res["reached"] == 1 and res["fallback"] is None
    assert [a["call"] for a in res["attempts"]] == ["no_answer", "answered"]
    assert [c[1] for c in net.calls] == [C1, C2]  # the third is never called
    for number in (C1, C2):
        texts = net.texts_for(number)
        assert len(texts) == 1 and texts[0][0] == DEV_A and "Kim" in texts[0][1]
    assert net.texts_for(C3) == []


def test_chain_all_unreachable_falls_back_to_sms_all():
    async def body(net, sim, modem, events):
        await modem.start()
        res = await run_chain(modem, CONTACTS, "Kim", ring_time_ms=25000,
                              on_event=lambda n, f: events.append(n))
        await asyncio.sleep(10)
        return res, net, events

    res, net, events = run(body, {C1: ["off"], C2: ["unreachable"], C3: ["busy"]})
    assert res["reached"] is None and res["fallback"] == "sms_all"
    assert res["fallback_sms"] == ["sent", "sent", "sent"]
    assert "chain_unreached" in events
    for number in (C1, C2, C3):
        texts = [t for _, t in net.texts_for(number)]
        assert len(texts) == 2 and "niemand" in texts[1]  # escalated, then fallback


def test_chain_without_voice_texts_everyone():
    async def body(net, sim, modem, events):
        await modem.start()
        res = await run_chain(modem, CONTACTS, "Kim")
        await asyncio.sleep(10)
        return res, net

    res, net = run(body, {C1: ["answer"]}, profile="sim7000g")
    assert res["fallback"] == "sms_only" and net.calls == []
    assert all(len(net.texts_for(n)) == 1 for n in (C1, C2, C3))


def test_no_network_at_escalation_retried_when_network_returns():
    async def body(net, sim, modem, events):
        await modem.start()
        net.set_up(False)
        loop = asyncio.get_running_loop()
        loop.call_later(120, net.set_up, True)
        t0 = loop.time()
        res = await run_chain(modem, CONTACTS, "Kim", ring_time_ms=25000,
                              on_event=lambda n, f: events.append(n))
        return res, loop.time() - t0, events, net

    res, took, events, net = run(body, {C1: ["answer"]})
    assert res["reached"] == 0
    assert res["attempts"][0]["sms"] == "sent"
    assert "chain_no_network" in events and "chain_network_back" in events
    assert 120 <= took < 200
    assert [c[1] for c in net.calls] == [C1]


def test_no_network_gives_up_after_the_wait():
    async def body(net, sim, modem, events):
        await modem.start()
        net.set_up(False)
        return await run_chain(modem, CONTACTS[:1], "Kim", network_wait_ms=60000)

    res = run(body, {C1: ["answer"]})
    assert res["attempts"][0]["sms"] == "no_network" and res["reached"] is None


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
                                 clock=loop_clock,
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
