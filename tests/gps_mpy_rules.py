"""Parser + rules over capture files; runs unchanged under CPython and MicroPython.

Prints one JSON line per fix: the fix, the distance rule's status and the home rule's answer,
with a partner standing 0.001 degree (~111 m) north of the first fix and home at the first fix.
"""

import json
import sys

from gps.home import HomeRule
from gps.nmea import NmeaParser
from gps.rules import DistanceRule


def run(path):
    p = NmeaParser()
    rule = DistanceRule({"max_hdop_x100": 9999, "min_sats": 0})
    home = None
    n = 0
    with open(path, "rb") as f:
        while True:
            data = f.read(50)
            if data:
                p.feed(data)
            else:
                p.flush()
            while True:
                fx = p.pop()
                if fx is None:
                    break
                now = n * 1000
                n += 1
                if home is None:
                    home = HomeRule(fx.lat, fx.lon, 5, {"max_hdop_x100": 9999, "min_sats": 0})
                    partner = (fx.lat + 10000, fx.lon)
                rule.partner_fix(partner[0], partner[1], 100, 0, now)
                rule.own_fix(fx, now)
                home.own_fix(fx, now)
                d = rule.distance
                out = {"log": path.split("/")[-1], "fix": fx.to_dict(), "status": rule.status(now),
                       "home": home.at_home(now), "dist_dm": None if d is None else int(d * 10),
                       "outliers": rule.own.outliers}
                print(json.dumps(out))
            if not data:
                break
    print(json.dumps({"log": path.split("/")[-1], "stats": p.stats}))


for a in sys.argv[1:]:
    run(a)
