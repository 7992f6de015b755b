"""The module sleeps between commands (AT+CSCLK=1, DTR high) and is woken before each one.

The simulated module does what SIMCom's slow-clock mode does (host_sim/modem_sim.py): asleep,
its UART does not listen, and bytes sent before it has woken are lost and counted. So a driver
that forgot to wake it, or did not wait, fails here; the simulator's invariants also hold every
scenario to no byte lost (host_sim/invariants.py).
"""

import asyncio

import pytest

import test_modem_engine
from modem import at

C1 = test_modem_engine.C1


def run(body, behaviour=None, dtr=True):
    return test_modem_engine.run(body, behaviour, profile="a7670e", dtr=dtr)


def test_the_module_sleeps_between_commands_and_each_command_wakes_it():
    async def body(net, sim, modem):
        assert await modem.start()
        assert "AT+CSCLK=1" in sim.log and sim.csclk == 1
        modem.stats["timeouts"] = 0  # those of the module's boot
        await asyncio.sleep(600)  # ten idle minutes: a health check or so, asleep otherwise
        asleep_idle = sim.sleep_seconds()
        wakes = modem.stats["wakes"]
        out = await modem.send_sms(C1, "hallo")
        awake_after_text = not sim.asleep()
        await asyncio.sleep(3)  # two seconds without a command, then DTR goes high
        return out, asleep_idle, wakes, modem.stats, awake_after_text and sim.asleep()

    out, asleep_idle, wakes, stats, asleep_after = run(body)
    assert out == "sent" and stats["timeouts"] == 0
    # asleep but for the commands and the 2 s after each burst of them
    assert asleep_idle > 560, "asleep but for the commands"
    assert stats["wakes"] > wakes, "the text woke it"
    assert asleep_after, "awake right after the text, asleep again 2 s later"


def test_nothing_the_host_sends_is_lost_to_a_sleeping_module():
    async def body(net, sim, modem):
        await modem.start()
        modem.stats["timeouts"] = 0  # those of the module's boot
        for _ in range(5):
            await asyncio.sleep(120)
            await modem.check_health()
        return sim.lost_asleep, modem.stats

    lost, stats = run(body)
    assert lost == 0 and stats["timeouts"] == 0 and stats["wakes"] >= 5


def test_a_driver_that_does_not_wait_for_the_module_to_wake_loses_its_command(monkeypatch):
    # The fault injected: DTR goes low and the command follows at once.
    monkeypatch.setattr(at, "WAKE_MS", 0)

    async def body(net, sim, modem):
        await modem.start()
        await asyncio.sleep(5)
        r = await modem.engine.command("AT+CSQ", 2000, expect="+CSQ:")
        return r, sim.lost_asleep

    r, lost = run(body)
    assert lost > 0 and not r.ok


def test_the_module_stays_awake_through_a_call():
    async def body(net, sim, modem):
        await modem.start()
        levels = []

        async def watch():
            for _ in range(20):
                await asyncio.sleep(1)
                levels.append(sim.dtr)

        watcher = asyncio.ensure_future(watch())
        out = await modem.call(C1, 30000)
        if out == "answered":
            await modem.wait_call_end(60000)
        watcher.cancel()
        return out, levels, sim.lost_asleep

    out, levels, lost = run(body, {C1: ["answer"]})
    assert out == "answered" and lost == 0
    assert levels and all(level == 0 for level in levels[:5]), levels


def test_a_module_that_restarted_is_told_again():
    async def body(net, sim, modem):
        await modem.start()
        sim.reset()  # settings lost: it would never sleep again
        await asyncio.sleep(90)
        return sim.csclk, modem.stats, sim.lost_asleep

    csclk, stats, lost = run(body)
    assert csclk == 1 and stats["resets"] >= 1 and lost == 0


@pytest.mark.parametrize("dtr", [False])
def test_without_a_dtr_line_the_module_is_not_told_to_sleep(dtr):
    async def body(net, sim, modem):
        await modem.start()
        return sim.log, sim.csclk

    log, csclk = run(body, dtr=dtr)
    assert "AT+CSCLK=1" not in log and csclk == 0
