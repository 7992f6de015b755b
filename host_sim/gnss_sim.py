"""Simulated GNSS receivers: NMEA bytes from a person's true path, with realistic errors.

Host side only (CPython). The errors modelled, per receiver (seeded, reproducible):
- correlated noise: a first-order Gauss-Markov process per axis (sigma_m, tau_s), which is how
  consumer receivers wander (metres, slowly), not white noise that averages away;
- HDOP and satellite count drifting in plausible ranges (worse right after acquisition);
- time to first fix (cold start at power-on, hot start after an outage);
- outages while indoors: the receiver keeps talking but reports no fix;
- occasional single-fix jumps of 200-700 m (multipath), plus outliers placed by a scenario;
- invalid sentences: bad checksums, truncated lines, binary garbage between lines.
`simulate_pair` runs two such receivers through the device's parser and rules (gps/*) for two
people and returns the per-second record of true and measured distance and verdicts.
"""

import math
import random
import time

from gps.geo import distance_m, offset_e7
from gps.home import HomeRule, both_home
from gps.nmea import NmeaParser
from gps.relay import RelayLimiter
from gps.rules import DistanceRule

_EPOCH_DATE = "100525"  # ddmmyy in RMC


def checksum(body):
    x = 0
    for c in body.encode("ascii"):
        x ^= c
    return "%02X" % x


def sentence(body):
    return "$%s*%s\r\n" % (body, checksum(body))


def _dm(value_deg, lat):
    hemi = ("N" if value_deg >= 0 else "S") if lat else ("E" if value_deg >= 0 else "W")
    v = abs(value_deg)
    deg = int(v)
    minutes = (v - deg) * 60
    if round(minutes, 5) >= 60:
        deg += 1
        minutes = 0.0
    return ("%02d%08.5f" if lat else "%03d%08.5f") % (deg, minutes), hemi


def _hhmmss(t_s):
    t = int(t_s) % 86400
    return "%02d%02d%02d.00" % (t // 3600, (t // 60) % 60, t % 60)


class GnssSim:
    """One receiver. step(t_s, lat_e7, lon_e7, indoors) -> NMEA bytes for that 1 s epoch."""

    def __init__(self, seed=0, sigma_m=4.0, tau_s=60.0, cold_ttff_s=30, hot_ttff_s=5,
                 jump_prob=0.0, invalid_prob=0.0, utc_start_s=8 * 3600, talker="GP",
                 epoch_start=None):
        self.rng = random.Random(seed)
        self.sigma_m = sigma_m
        self.tau_s = tau_s
        self.cold_ttff_s = cold_ttff_s
        self.hot_ttff_s = hot_ttff_s
        self.jump_prob = jump_prob
        self.invalid_prob = invalid_prob
        self.utc_start_s = utc_start_s
        self.epoch_start = epoch_start  # Unix seconds at t_s 0: RMC date and time from it
        self.talker = talker
        self._n = self.rng.gauss(0, sigma_m)
        self._e = self.rng.gauss(0, sigma_m)
        self._hdop = 1.0
        self._acquire_left = cold_ttff_s
        self._had_fix = False
        self._outliers = {}  # t_s -> (north_m, east_m)
        self.last_measured = None  # (lat_e7, lon_e7) reported in the last epoch, or None

    def inject_outlier(self, t_s, north_m, east_m):
        """Make the fix at second t_s jump by (north_m, east_m) on top of the noise."""
        self._outliers[int(t_s)] = (north_m, east_m)

    def _advance_noise(self, dt):
        a = math.exp(-dt / self.tau_s)
        s = self.sigma_m * math.sqrt(1 - a * a)
        self._n = a * self._n + self.rng.gauss(0, s)
        self._e = a * self._e + self.rng.gauss(0, s)

    def step(self, t_s, lat_e7, lon_e7, indoors=False):
        rng = self.rng
        self._advance_noise(1.0)
        if indoors:
            self._acquire_left = self.hot_ttff_s if self._had_fix else self.cold_ttff_s
        elif self._acquire_left > 0:
            self._acquire_left -= 1
        fix = not indoors and self._acquire_left <= 0
        if fix:
            self._had_fix = True
            self._hdop = min(3.5, max(0.7, self._hdop + rng.gauss(0, 0.05)))
            sats = max(5, min(14, int(round(12 - 4 * (self._hdop - 0.7)))))
            dn, de = self._n, self._e
            if int(t_s) in self._outliers:
                jn, je = self._outliers[int(t_s)]
                dn, de = dn + jn, de + je
            elif self.jump_prob and rng.random() < self.jump_prob:
                r = rng.uniform(200, 700)
                b = rng.uniform(0, 2 * math.pi)
                dn, de = dn + r * math.cos(b), de + r * math.sin(b)
            lat, lon = offset_e7(lat_e7, lon_e7, dn, de)
            self.last_measured = (lat, lon)
        else:
            sats = rng.randint(0, 3)
            lat = lon = None
            self.last_measured = None
        out = self._sentences(t_s, lat, lon, sats, fix)
        if self.invalid_prob and rng.random() < self.invalid_prob:
            out = self._corrupt(out)
        return out.encode("ascii", "replace") if isinstance(out, str) else out

    def _sentences(self, t_s, lat, lon, sats, fix):
        tk = self.talker
        hms = _hhmmss(self.utc_start_s + t_s)
        date = _EPOCH_DATE
        if self.epoch_start is not None:
            now = time.gmtime(self.epoch_start + int(t_s))
            hms = _hhmmss(now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec)
            date = "%02d%02d%02d" % (now.tm_mday, now.tm_mon, now.tm_year % 100)
        if fix:
            la, ns = _dm(lat / 1e7, True)
            lo, ew = _dm(lon / 1e7, False)
            hd = "%.2f" % self._hdop
            rmc = "%sRMC,%s,A,%s,%s,%s,%s,0.4,,%s,,,A" % (tk, hms, la, ns, lo, ew, date)
            gga = "%sGGA,%s,%s,%s,%s,%s,1,%02d,%s,12.0,M,46.0,M,," % (
                tk, hms, la, ns, lo, ew, sats, hd)
            gsa = "%sGSA,A,3,05,07,13,15,18,20,21,24,,,,,%s,%s,%s" % (
                tk, "%.2f" % (self._hdop * 1.6), hd, "%.2f" % (self._hdop * 1.3))
        else:
            rmc = "%sRMC,%s,V,,,,,,,%s,,,N" % (tk, hms, date)
            gga = "%sGGA,%s,,,,,0,%02d,99.99,,,,,," % (tk, hms, sats)
            gsa = "%sGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99" % tk
        gsv = "%sGSV,1,1,04,05,40,083,33,07,22,145,30,13,61,290,41,15,10,320,25" % tk
        return "".join(sentence(b) for b in (rmc, gga, gsa, gsv))

    def _corrupt(self, text):
        rng = self.rng
        kind = rng.randrange(3)
        lines = text.split("\r\n")
        i = rng.randrange(len(lines) - 1)
        line = lines[i]
        if kind == 0 and len(line) > 10:  # one flipped character: checksum must catch it
            j = rng.randrange(1, len(line) - 3)
            ch = "7" if line[j] != "7" else "3"
            lines[i] = line[:j] + ch + line[j + 1:]
        elif kind == 1:  # truncated line (the receiver restarted mid-sentence)
            lines[i] = line[: rng.randrange(1, len(line))]
        else:  # a burst of binary protocol bytes before the line
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(5, 40)))
            return junk + "\r\n".join(lines).encode("ascii")
        return "\r\n".join(lines)


def _own_fix_pump(parser, rules, home, now_ms):
    used = None
    while True:
        fx = parser.pop()
        if fx is None:
            return used
        rules.own_fix(fx, now_ms)
        home.own_fix(fx, now_ms)
        used = fx


def simulate_pair(where_a, where_b, duration_s, home_lat=519000000, home_lon=44000000,
                  home_radius_m=50, seed=1, sims=None, params=None, ble_near_m=8.0,
                  timeout_active=True):
    """Run both devices' GPS parts for duration_s seconds at 1 Hz.

    where_a/where_b: functions t_s -> (north_m, east_m, indoors) relative to home. Each device
    parses its own receiver's NMEA, relays its measured position (never an assumed one, as the
    device) to the other through a RelayLimiter (BLE spacing when the true distance is under
    30 m, cellular otherwise) and hears BLE "near" under ble_near_m. Returns a list of dicts
    per second: t, true_m, measured_m (receiver to receiver, None without both fixes), A/B
    status, A/B at_home, both_home.
    """
    if sims is None:
        sims = (GnssSim(seed=seed), GnssSim(seed=seed + 1000))
    names = ("A", "B")
    wheres = (where_a, where_b)
    parsers = [NmeaParser(), NmeaParser()]
    rules = [DistanceRule(params), DistanceRule(params)]
    homes = [HomeRule(home_lat, home_lon, home_radius_m, params) for _ in names]
    relays = [RelayLimiter(params), RelayLimiter(params)]
    out = []
    for t in range(int(duration_s)):
        now_ms = t * 1000
        truth = []
        for i in (0, 1):
            n, e, indoors = wheres[i](t)
            lat, lon = offset_e7(home_lat, home_lon, n, e)
            truth.append((lat, lon, indoors, math.hypot(n, e)))
            parsers[i].feed(sims[i].step(t, lat, lon, indoors))
            parsers[i].flush()  # the shell flushes when the UART goes idle after an epoch
            _own_fix_pump(parsers[i], rules[i], homes[i], now_ms)
        true_m = distance_m(truth[0][0], truth[0][1], truth[1][0], truth[1][1])
        home_now = []
        for i in (0, 1):
            h = homes[i].at_home(now_ms)
            home_now.append(h)
            if h is True:
                rules[i].own_assumed(home_lat, home_lon, now_ms)
            rules[i].ble_near(true_m < ble_near_m, now_ms)
        for i in (0, 1):
            j = 1 - i
            trk = rules[i].own
            if trk.lat is None or trk.assumed:
                continue
            age = trk.age_ms(now_ms)
            if age is None or age > rules[i].p["own_stale_ms"]:
                continue
            if relays[i].due(now_ms, trk.lat, trk.lon, timeout_active, true_m < 30):
                relays[i].sent_at(now_ms, trk.lat, trk.lon)
                rules[j].partner_fix(trk.lat, trk.lon, 100, age // 1000, now_ms)
        ma, mb = sims[0].last_measured, sims[1].last_measured
        measured = distance_m(ma[0], ma[1], mb[0], mb[1]) if ma and mb else None
        rec = {"t": t, "true_m": round(true_m, 1),
               "measured_m": None if measured is None else round(measured, 1),
               "both_home": both_home(home_now[0], home_now[1])}
        for i in (0, 1):
            rec[names[i]] = rules[i].status(now_ms)
            rec[names[i] + "_home"] = home_now[i]
            d = rules[i].distance
            rec[names[i] + "_rule_m"] = None if d is None else round(d, 1)
        out.append(rec)
    return out
