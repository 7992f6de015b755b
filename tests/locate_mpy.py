"""The locator's relay and intake rules in one story; runs unchanged under CPython and
MicroPython and prints one JSON line per event (what was sent, posted, refused)."""

import json

from gps.geo import offset_e7
from gps.nmea import Fix
from shell.locate import Locator

HOME = (520907000, 51214000)
EPOCH = 1800000000
state = {"now": 0, "running": False}
out = []


def fix(east):
    f = Fix()
    f.lat, f.lon = offset_e7(HOME[0], HOME[1], 0.0, east)
    f.mode, f.quality, f.hdop, f.sats = 3, 1, 90, 9
    return f


cfg = {"min_distance_m": 100, "home_lat_e7": HOME[0], "home_lon_e7": HOME[1],
       "home_radius_m": 75}
loc = Locator(None, cfg, lambda: state["now"], lambda e: out.append(["post", e[0], e[1]]),
              lambda m: out.append(["send", m["t"], m["lat"], m["lon"], m["hdop"], m["ft"]]),
              lambda: state["running"], lambda: EPOCH + state["now"] // 1000,
              lambda: False, lambda: None)


def second(east):
    state["now"] += 1000
    if east is not None:
        loc.own_fix(fix(east), state["now"])
    loc.update(state["now"])


for _ in range(20):  # boots away from home, comes home: outside a time-out
    second(35000)
for _ in range(20):
    second(0)
state["running"] = True
for _ in range(10):  # a time-out at home, then the fix is lost
    second(0)
for _ in range(120):
    second(None)
now_s = EPOCH + state["now"] // 1000
lat, lon = offset_e7(HOME[0], HOME[1], 0.0, 300.0)
for ft in (now_s - 3600, now_s - 91, now_s + 600, now_s - 60, now_s + 5):
    taken = loc.partner_pos({"t": "pos", "lat": lat, "lon": lon, "hdop": 90, "ft": ft},
                            state["now"])
    out.append(["partner", ft - now_s, taken])
out.append(["refused", loc.refused["pos_stale"], loc.refused["pos_future"],
            loc.refused["pos_no_clock"]])
for line in out:
    print(json.dumps(line))
