"""The AT engine under faults: garbage, URC bursts, lost final codes, module resets, fuzzing."""

import asyncio
import random

from host_sim import vloop
from host_sim.modem_sim import Pipe, SimModem, SimNetwork, loop_clock
from modem.at import AtEngine
from modem.modem import Modem

C1 = "+31611111111"
DEV = "+31600000001"


def run(body, behaviour=None, profile="sim7600", seed=0, dtr=False):
    """body(net, sim, modem) in virtual time; dtr=True wires the module's DTR (sleep mode)."""
    async def main():
        net = SimNetwork(behaviour or {C1: ["answer"]})
        sim = SimModem(net, DEV, profile, seed=seed).start()
        modem = Modem(sim.reader, sim.writer, profile, clock=loop_clock,
                      dtr=sim.set_dtr if dtr else None)
        try:
            return await body(net, sim, modem)
        finally:
            await modem.close()
            sim.stop()
            await asyncio.sleep(0)

    return vloop.run(main())


def test_urc_during_command_is_not_lost():
    async def body(net, sim, modem):
        await modem.start()
        net.text_from_stranger("+31699999999", DEV, "hallo")  # +CMTI arrives at once
        sim.inject(b"\r\nRING\r\n")
        r = await modem.engine.command("AT+CSQ", 2000, expect="+CSQ:")
        await asyncio.sleep(5)
        return r, modem.stats

    r, stats = run(body)
    assert r.ok and r.lines == ["+CSQ: 20,99"]
    assert stats["sms_ignored"] == 1 and stats["sms_deleted"] == 1
    assert stats["incoming_calls"] >= 1


def test_garbage_and_urc_bursts_are_survived():
    async def body(net, sim, modem):
        await modem.start()
        for _ in range(5):
            sim.inject(bytes(random.Random(1).randrange(256) for _ in range(300)))
            sim.burst(30)
            h = await modem.check_health()
            assert h["registered"]
        return await modem.call(C1, 30000), modem.stats

    out, stats = run(body)
    assert out == "answered"
    assert stats["garbage_bytes"] > 0 and stats["urcs"] > 100


def test_lost_final_code_times_out_and_resyncs():
    async def body(net, sim, modem):
        await modem.start()
        sim.drop_final_p = 1.0
        r = await modem.engine.command("AT+CSQ", 2000, expect="+CSQ:")
        sim.drop_final_p = 0.0
        r2 = await modem.engine.command("AT+CSQ", 2000, expect="+CSQ:")
        return r, r2, modem.stats

    r, r2, stats = run(body)
    assert r.status == "timeout" and r2.ok
    assert stats["timeouts"] >= 1 and stats["resync_failed"] >= 1


def test_modem_reset_is_detected_and_reinitialised():
    async def body(net, sim, modem):
        await modem.start()
        inits = modem.stats["inits"]
        sim.reset()
        await asyncio.sleep(30)  # the service task re-initialises
        assert sim.echo is False and sim.cmgf == 0
        out = await modem.send_sms(C1, "na reset")
        return inits, modem.stats, out

    inits, stats, out = run(body)
    assert stats["inits"] == inits + 1 and stats["resets"] >= 1 and out == "sent"


def test_reset_during_call_ends_it_as_cut_not_answered():
    # The module's own reset cut the call: not answered, and not the contact's doing either,
    # so the chain must call the same contact again (as for a network loss), never skip them.
    async def body(net, sim, modem):
        await modem.start()
        asyncio.get_running_loop().call_later(4, sim.reset)
        return await modem.call(C1, 30000)

    assert run(body, {C1: ["no_answer"]}) == "no_network"


def test_network_lost_while_ringing_is_no_network_not_declined():
    async def body(net, sim, modem):
        await modem.start()
        loop = asyncio.get_running_loop()
        loop.call_later(6, net.set_up, False)  # ringing by then; the contact would answer at 10
        out = await modem.call(C1, 30000)
        return out, modem.stats["calls_cut"]

    assert run(body, {C1: ["answer"]}) == ("no_network", 1)


def test_a_contact_who_declines_is_still_rejected():
    async def body(net, sim, modem):
        await modem.start()
        return await modem.call(C1, 30000)

    assert run(body, {C1: ["reject"]}) == "rejected"


def test_closed_stream_never_hangs():
    async def main():
        r, w = Pipe(), Pipe()
        eng = AtEngine(r, w, lambda line: None, {})
        eng.start()
        r.close()
        await asyncio.sleep(0.01)
        return await eng.command("AT", 1000)

    assert vloop.run(main()).status == "closed"


def test_silent_modem_gives_up_in_bounded_time():
    async def main():
        r, w = Pipe(), Pipe()
        m = Modem(r, w, "sim800", clock=loop_clock)
        t0 = asyncio.get_running_loop().time()
        ok = await m.start(service=False)
        out = await m.call(C1, 30000)
        sms = await m.send_sms(C1, "x")
        await m.close()
        return ok, out, sms, asyncio.get_running_loop().time() - t0

    ok, out, sms, took = vloop.run(main())
    assert not ok and out == "failed" and sms == "failed" and took < 400


def test_fuzz_random_truncated_and_lost_responses():
    """Random faults on every response: every operation returns a documented outcome, the
    virtual clock shows nothing waited forever, and the engine's reader stays alive."""
    for seed in range(6):
        async def body(net, sim, modem, seed=seed):
            rng = random.Random(seed)
            sim.garbage_p, sim.truncate_p, sim.drop_final_p = 0.2, 0.1, 0.1
            await modem.start()
            outs = []
            for i in range(6):
                t0 = asyncio.get_running_loop().time()
                if rng.random() < 0.3:
                    sim.burst(rng.randrange(1, 20))
                if rng.random() < 0.1:
                    sim.reset()
                if i % 2:
                    o = await modem.call(C1, 20000)
                    assert o in ("answered", "no_answer", "busy", "rejected", "failed",
                                 "no_network")
                    if o == "answered":
                        await modem.hang_up()
                else:
                    o = await modem.send_sms(C1, "fuzz %d" % i)
                    assert o in ("sent", "failed", "no_network")
                outs.append(o)
                assert asyncio.get_running_loop().time() - t0 < 300
            assert not modem.engine._task.done()
            assert not modem.engine.busy
            return outs, modem.stats

        outs, stats = run(body, {C1: ["answer", "no_answer", "busy", "reject"]}, seed=seed)
        assert stats["dispatch_errors"] == 0 and stats["service_errors"] == 0
