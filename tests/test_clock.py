"""The wall clock: civil dates, GNSS and network readings, the order of trust, the sanity window,
journal entries dated after the fact, and downtime counted once the time is known."""

import calendar
import json

from mpy import run
from core import clock
from core.clock import GNSS, NETWORK, Clock, civil, network_epoch, rmc_epoch
from store.journal import Journal, resolve_times

T0 = calendar.timegm((2027, 3, 14, 9, 30, 0))


def test_civil_dates_round_trip_against_the_host_calendar():
    for epoch in (0, 951782400, 1709164800, T0, 4102444799, 1798761600 + 86400 * 59):
        y, mo, d, h, mi, s, wd = civil(epoch)
        assert (y, mo, d, h, mi, s) == tuple(__import__("time").gmtime(epoch)[:6])
        assert wd == __import__("time").gmtime(epoch).tm_wday
        assert clock.epoch_of(y, mo, d, h, mi, s) == epoch
    assert clock.epoch_of(2027, 2, 29, 0, 0, 0) is None
    assert clock.epoch_of(2027, 13, 1, 0, 0, 0) is None


def test_rmc_date_and_time():
    assert rmc_epoch(b"140327", 9 * 3600 + 30 * 60) == T0
    assert rmc_epoch("140327", 9 * 3600 + 30 * 60) == T0
    for bad in (b"", b"1403", b"14x327", b"320127", b"141327"):
        assert rmc_epoch(bad, 0) is None
    assert rmc_epoch(b"140327", None) is None


def test_network_time_forms():
    # 3GPP 27.007: local time with the zone in quarters of an hour (+04 = UTC+1).
    assert network_epoch('+CCLK: "27/03/14,10:30:00+04"') == T0
    assert network_epoch('+CCLK: "27/03/14,09:30:00"') == T0
    assert network_epoch('+CCLK: "27/03/14,07:30:00-08"') == T0
    assert network_epoch('+CTZE: "+08",1,"2027/03/14,11:30:00"') == T0
    for bad in ('+CCLK: "27/03/14 10:30:00+04"', '+CCLK: "27/02/30,10:30:00+04"',
                '+CCLK: 27/03/14', '+CTZV: +04', '+CTZE: "+04",0', '+CCLK: "2x/03/14,1:0:0"',
                '+CCLK: "27/03/14,10:30:00*04"', "", "OK"):
        assert network_epoch(bad) is None, bad


def test_order_of_trust_and_the_sanity_window():
    c = Clock()
    # The modem's clock before the network set it: the factory date is not believed.
    assert c.offer(NETWORK, network_epoch('+CCLK: "70/01/01,00:00:08+00"'), None)[0] == \
        "window"
    assert c.offer(NETWORK, calendar.timegm((2025, 6, 1, 0, 0, 0)), None)[0] == "window"
    assert c.offer(NETWORK, T0, None) == ("set", T0)
    assert c.offer(GNSS, T0 + 30, T0 + 1) == ("set", T0 + 30)  # GNSS corrects the network
    # The network disagrees while GNSS is fresh: ignored, in either direction.
    assert c.offer(NETWORK, T0 + 3600, T0 + 60)[0] == "trust"
    assert c.offer(NETWORK, T0 - 3600, T0 + 60)[0] == "trust"
    # GNSS gone for longer than the hold: the network is believed again (forward step).
    later = T0 + clock.HOLD_S + 100
    assert c.offer(NETWORK, later + 50, later) == ("set", later + 50)


def test_a_large_backwards_step_needs_a_second_source():
    c = Clock()
    c.offer(GNSS, T0, None)
    now = T0 + clock.HOLD_S + 10  # GNSS stale, so the network may speak
    back = now - 3600
    assert c.offer(NETWORK, back, now)[0] == "held"
    assert c.offer(NETWORK, back + 5, now + 5)[0] == "held"  # the same source twice: not enough
    assert c.offer(GNSS, back + 60, now + 10) == ("set", back + 60)
    # A small backwards step is taken at once.
    assert c.offer(GNSS, back + 60 - 30, back + 60)[0] == "set"


def test_entries_before_the_time_was_known_get_their_time(tmp_path):
    ticks = [5000]
    j = Journal(str(tmp_path), ticks=lambda: ticks[0])
    j.append("boot", {"board": "x"})
    ticks[0] += 40000
    j.append("timeout_started", {"by": "me"})
    ticks[0] += 20000
    anchor = j.time_known(T0, "gnss")
    j.append("mood_answer", {"mood": "calm"}, T0 + 5)
    assert anchor["b"] == 1 and anchor["up"] == 60000
    got = Journal(str(tmp_path)).entries()
    assert [e["t"] for e in got] == [T0 - 60, T0 - 20, T0, T0 + 5]
    assert [bool(e.get("t_fixed")) for e in got] == [True, True, False, False]
    # The next boot has its own number: its entries are not dated by boot 1's anchor.
    j2 = Journal(str(tmp_path), ticks=lambda: 0)
    assert j2.boot == 2
    j2.append("boot", {"board": "x"})
    assert Journal(str(tmp_path)).entries()[-1]["t"] is None


def test_resolve_ignores_broken_anchors():
    entries = [{"seq": 1, "cat": "boot", "t": None, "b": 3, "up": 10},
               {"seq": 2, "cat": "time_known", "t": "soon", "b": 3, "up": 20},
               {"seq": 3, "cat": "x", "t": None, "b": 4, "up": 99}]
    assert [e["t"] for e in resolve_times(entries)] == [None, "soon", None]


def test_repeated_entries_become_a_count(tmp_path):
    j = Journal(str(tmp_path), repeat_flush=50)
    for i in range(120):
        j.append("modem_no_network", {"csq": 99, "registered": False}, T0 + i * 300)
    j.append("modem_network_back", {"csq": 20, "registered": True}, T0 + 36000)
    got = Journal(str(tmp_path)).entries()
    cats = [(e["cat"], e.get("rep")) for e in got]
    assert cats == [("modem_no_network", None), ("modem_no_network", 50),
                    ("modem_no_network", 50), ("modem_no_network", 19),
                    ("modem_network_back", None)]
    assert got[3]["t"] == T0 + 119 * 300  # the last repeat's time
    assert 1 + sum(e.get("rep", 0) for e in got if e["cat"] == "modem_no_network") == 120
    assert j.coalesced == 119


def test_time_known_on_a_device_that_boots_without_a_clock(tmp_path):
    """The shell: a GNSS fix sets the board's clock, the journal is anchored, a time-out
    resumed after a power cut counts the time the device was off."""
    from wallclock import WallClock

    class Hw:
        def __init__(self):
            self.t = None
            self.ms = 1000

        def epoch_s(self):
            return self.t

        def set_epoch_s(self, epoch):
            self.t = epoch

        def ticks_ms(self):
            return self.ms

    class Fix:
        date = b"140327"
        time_s = 9 * 3600 + 30 * 60

    hw = Hw()
    j = Journal(str(tmp_path), ticks=hw.ticks_ms)
    boots = []
    wc = WallClock(hw, j, boots.append)
    j.append("boot", {})
    hw.ms += 90000
    assert wc.gnss_fix(Fix(), hw.ms) == "set"
    assert hw.t == T0 and boots == [T0 - 90]
    assert wc.network_line('+CCLK: "27/03/14,10:30:01+04"') == "same"
    assert wc.network_line('+CCLK: "27/03/14,10:31:00+04"') == "trust"  # GNSS is fresh
    assert [e["t"] for e in Journal(str(tmp_path)).entries()][:2] == [T0 - 90, T0]


MPY_SCRIPT = r"""
import json, sys
from core.clock import Clock, GNSS, NETWORK, network_epoch, rmc_epoch, civil
from store.journal import Journal
out = {}
out["rmc"] = rmc_epoch(b"140327", 34200)
out["cclk"] = network_epoch('+CCLK: "27/03/14,10:30:00+04"')
out["ctze"] = network_epoch('+CTZE: "+08",1,"2027/03/14,11:30:00"')
out["civil"] = list(civil(out["rmc"]))
c = Clock()
out["verdicts"] = [c.offer(NETWORK, 5, None)[0], c.offer(NETWORK, out["rmc"], None)[0],
                   c.offer(GNSS, out["rmc"] + 9, out["rmc"])[0]]
t = [0]
j = Journal(sys.argv[1], ticks=lambda: t[0], repeat_flush=3)
j.append("boot", {})
for i in range(5):
    t[0] += 1000
    j.append("modem_no_network", {"csq": 99})
j.time_known(out["rmc"], "gnss")
out["entries"] = [[e["cat"], e["t"], e.get("rep")] for e in Journal(sys.argv[1]).entries()]
print(json.dumps(out))
"""


def test_clock_and_journal_under_micropython(tmp_path):
    script = tmp_path / "clock_check.py"
    script.write_text(MPY_SCRIPT)
    folder = tmp_path / "j"
    folder.mkdir()
    done = run(script, folder)
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert out["rmc"] == out["cclk"] == out["ctze"] == T0
    assert out["civil"] == [2027, 3, 14, 9, 30, 0, 6]
    assert out["verdicts"] == ["window", "set", "set"]
    assert out["entries"] == [["boot", T0 - 5, None], ["modem_no_network", T0 - 4, None],
                              ["modem_no_network", T0 - 1, 3], ["modem_no_network", T0 - 0, 1],
                              ["time_known", T0, None]]


def test_device_without_a_clock_dates_its_journal_and_counts_the_time_off(tmp_path):
    from pathlib import Path

    from host_sim import scenario, vloop
    from host_sim.world import EPOCH_START, World

    scn = scenario.load(Path(__file__).resolve().parent.parent / "scenarios" /
                        "clock_unknown.toml")
    world = World(scn, seed=scn.seed, flash=str(tmp_path))
    timeline = vloop.run(world.run(scn.duration))
    assert scn.check(timeline) == []
    raw = world.journaled["A"]
    assert raw[0]["cat"] == "boot" and raw[0]["t"] is None  # written before the time was known
    entries = Journal(str(tmp_path / "A")).entries()
    fixed = [e for e in entries if e.get("t_fixed")]
    assert len(fixed) >= 4 and {e["b"] for e in fixed} == {1, 2}
    assert all(isinstance(e["t"], int) for e in entries)
    # Dated from the anchor: the first boot at the world's start, the second after the cut.
    boots = [e for e in entries if e["cat"] == "boot"]
    assert abs(boots[0]["t"] - EPOCH_START) <= 2
    assert abs(boots[1]["t"] - (EPOCH_START + 12 * 60 + 10 + 20 * 60)) <= 3
    down = [e for e in entries if e["cat"] == "downtime_counted"]
    assert len(down) == 1 and 20 * 60 <= down[0]["s"] <= 21 * 60


def test_the_network_time_sets_a_clock_without_gnss(tmp_path):
    """A device whose GNSS never gets a fix (indoors all day): the modem's clock after
    registration sets the time; the sim network answers AT+CCLK? in local time (+04)."""
    import asyncio

    from host_sim import modem_sim, vloop
    from modem.modem import Modem
    from wallclock import WallClock

    class Hw:
        offset = None  # the RTC: epoch minus the loop's time, None while unknown

        def epoch_s(self):
            if self.offset is None:
                return None
            return self.offset + int(asyncio.get_running_loop().time())

        def set_epoch_s(self, epoch):
            self.offset = epoch - int(asyncio.get_running_loop().time())

        def ticks_ms(self):
            return modem_sim.loop_clock()

    async def scenario():
        net = modem_sim.SimNetwork()
        net.epoch = lambda: T0 + int(asyncio.get_running_loop().time())
        sim = modem_sim.SimModem(net, "+31600000001")
        sim.start()
        modem = Modem(sim.reader, sim.writer, "a7670e", clock=modem_sim.loop_clock)
        await modem.start()
        hw = Hw()
        j = Journal(str(tmp_path), ticks=hw.ticks_ms)
        wc = WallClock(hw, j)
        task = asyncio.create_task(wc.network_loop(modem))
        await asyncio.sleep(120)
        task.cancel()
        now = int(asyncio.get_running_loop().time())
        t = hw.epoch_s()
        modem.stop()
        sim.stop()
        return t, now, j

    t, now, j = vloop.run(scenario())
    assert t is not None and abs(t - (T0 + now)) <= 2
    assert [e["cat"] for e in Journal(str(tmp_path)).entries()] == ["time_known"]
