"""What the GNSS side of the shell lets leave the device, and which partner positions it takes.

Positions go to the partner only while a time-out runs, only measured ones (never the assumed
home position of a device that lost its fix), with their fix time; a partner's position is
judged by this device's own clock.
"""

from core.config import defaults
from gps.geo import offset_e7
from gps.nmea import Fix
from shell.locate import Locator

HOME = (520907000, 51214000)
EPOCH = 1800000000  # the wall clock at ticks 0


def at(metres_east):
    return offset_e7(HOME[0], HOME[1], 0.0, metres_east)


def fix(metres_east):
    f = Fix()
    f.lat, f.lon = at(metres_east)
    f.mode, f.quality, f.hdop, f.sats = 3, 1, 90, 9
    return f


class Rig:
    def __init__(self, running=False, clock=True):
        cfg = defaults()
        cfg["home_lat_e7"], cfg["home_lon_e7"] = HOME
        self.posted = []
        self.sent = []
        self.running = running
        self.clock = clock
        self.connected = False
        self.now = 0
        self.loc = Locator(None, cfg, lambda: self.now, self.posted.append, self.sent.append,
                           lambda: self.running, self.epoch_s, lambda: self.connected,
                           lambda: None)

    def epoch_s(self):
        return EPOCH + self.now // 1000 if self.clock else None

    def second(self, metres_east=None):
        """One second: a fix at that place (None: no fix), then the locator's update."""
        self.now += 1000
        if metres_east is not None:
            self.loc.own_fix(fix(metres_east), self.now)
        self.loc.update(self.now)

    def positions(self):
        return [m for m in self.sent if m["t"] == "pos"]


def test_no_position_leaves_outside_a_timeout_even_when_home_status_changes():
    rig = Rig()  # boots at a shelter 35 km from home: home status becomes False
    for _ in range(20):
        rig.second(35000)
    assert ("home", False) in rig.posted
    assert rig.positions() == []
    for _ in range(20):  # and comes home
        rig.second(0)
    assert ("home", True) in rig.posted and rig.positions() == []


def test_a_timeout_relays_the_measured_position_with_its_fix_time():
    rig = Rig(running=True)
    for _ in range(5):
        rig.second(300)
    sent = rig.positions()
    assert sent, "the first report goes at once in a time-out"
    first = sent[0]
    assert (first["lat"], first["lon"]) == at(300) and first["hdop"] == 90
    assert first["ft"] == EPOCH + 1, "the time of its fix (the first second), by the wall clock"
    assert "age" not in first


def test_a_device_that_lost_its_fix_at_home_sends_nothing_not_the_home_position():
    rig = Rig(running=True)
    for _ in range(10):
        rig.second(0)
    assert rig.loc.at_home is True
    before = len(rig.positions())
    lost_at = rig.now
    for _ in range(600):  # ten minutes indoors (or the antenna covered): no fix
        rig.second(None)
    assert rig.loc.at_home is True, "the home status itself holds, for this device's own use"
    late = rig.positions()[before:]
    last_fix_s = EPOCH + lost_at // 1000
    assert all(m["ft"] <= last_fix_s and m["hdop"] == 90 for m in late), \
        "only reports of real fixes, with their real fix time"
    assert len(late) <= 1, "nothing once the last fix is stale"


def test_without_a_clock_no_position_is_sent_and_none_is_taken():
    rig = Rig(running=True, clock=False)
    for _ in range(10):
        rig.second(300)
    assert rig.positions() == []
    msg = {"t": "pos", "lat": at(0)[0], "lon": at(0)[1], "hdop": 90, "ft": EPOCH}
    assert rig.loc.partner_pos(msg, rig.now) is False
    assert rig.loc.refused["pos_no_clock"] == 1


def test_partner_positions_are_judged_by_this_clock():
    rig = Rig(running=True)
    for _ in range(5):
        rig.second(300)
    now_s = rig.epoch_s()
    lat, lon = at(0)

    def pos(ft):
        return {"t": "pos", "lat": lat, "lon": lon, "hdop": 90, "ft": ft}

    assert rig.loc.partner_pos(pos(now_s - 3600), rig.now) is False  # an hour in the network
    assert rig.loc.partner_pos(pos(now_s - 91), rig.now) is False
    assert rig.loc.partner_pos(pos(now_s + 600), rig.now) is False  # from the future
    assert rig.loc.refused == {"pos_stale": 2, "pos_future": 1, "pos_no_clock": 0}
    assert rig.loc.rule.partner.lat is None, "none of them became the partner's position"
    assert rig.loc.partner_pos(pos(now_s - 60), rig.now) is True
    # a minute old counts as a minute old: stale 30 s later, the distance is unknown again
    for _ in range(29):
        rig.second(300)
    assert rig.loc.rule.status(rig.now) != "unknown"
    rig.second(300)
    rig.second(300)
    assert rig.loc.rule.status(rig.now) == "unknown"
    # clocks a little apart: a fix time a few seconds ahead is taken as age 0
    assert rig.loc.partner_pos(pos(rig.epoch_s() + 5), rig.now) is True


def test_the_session_hears_when_the_partner_device_is_near():
    rig = Rig()
    rig.second(0)
    assert ("near", False) in rig.posted
    rig.connected = True
    rig.second(0)
    assert rig.posted.count(("near", True)) == 1
    rig.second(0)
    assert rig.posted.count(("near", True)) == 1, "only changes are posted"


def test_the_same_story_under_micropython():
    import json
    import subprocess
    import sys
    from pathlib import Path

    from mpy import run

    here = Path(__file__).resolve().parent
    root = here.parent
    script = here / "locate_mpy.py"
    mp = run(script, path=[root / "firmware", root / "boards" / "sim", ".frozen"])
    assert mp.returncode == 0, mp.stderr.decode()[-2000:]
    cp = subprocess.run([sys.executable, str(script)], capture_output=True, timeout=120,
                        env={"PYTHONPATH": str(root / "firmware")})
    assert cp.returncode == 0, cp.stderr.decode()[-2000:]
    lines = [json.loads(x) for x in mp.stdout.decode().splitlines() if x.strip()]
    assert lines == [json.loads(x) for x in cp.stdout.decode().splitlines() if x.strip()]
    sends = [x for x in lines if x[0] == "send"]
    assert sends and all(x[5] <= EPOCH + 50 for x in sends), \
        "only in the time-out (from 41 s), only real fixes (to 50 s)"
    assert all(x[5] >= EPOCH + 41 for x in sends)
    assert ["post", "home", False] in lines and ["post", "home", True] in lines
    assert [x[2] for x in lines if x[0] == "partner"] == [False, False, False, True, True]
    assert lines[-1] == ["refused", 2, 1, 0]
