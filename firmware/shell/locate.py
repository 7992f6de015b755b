"""Where the wearer is, relative to home and to the partner: the GNSS side of the shell.

Reads the receiver's UART, feeds the NMEA parser, gives fixes to the distance and home rules
(gps/), takes the partner's relayed positions and the BLE proximity, and posts ("distance",
status, measuring) (measuring: both positions are fresh, so "unknown" is a verdict still
pending), ("home", bool) and ("near", bool) (the partner's device connected over BLE) events
to the session when they change. Sends the own measured position with its fix time to the
partner (rate-limited) only while a time-out runs, never an assumed one; drops a partner's
position older than the staleness bound by this device's clock. Lets the receiver sleep when
nothing depends on it. Decisions stay in gps/ and core/; this only wires.
"""

from compat import sleep_ms, ticks_diff
from gps.defaults import clear_distance_m
from gps.home import HomeRule
from gps.nmea import NmeaParser
from gps.power import DUTY_OFF, GpsPower
from gps.relay import RelayLimiter
from gps.rules import DistanceRule

_FUTURE_S = 30  # a partner's fix time this far ahead of this clock is refused (clocks differ)
_IDLE_READ_MS = 300  # the receiver's burst is over: close the epoch
_QUIET_READ_MS = 2000  # no epoch open: wait for the next burst (or re-check the power mode)
_OFF_POLL_MS = 10000  # receiver asleep: re-check the power policy this often
_MEASURE_EVERY_MS = 10000


class Locator:
    def __init__(self, gnss, cfg, ticks_ms, post, send, running, epoch_s, link_up,
                 ble_near, observe=None, fix_time=None):
        """post(event): to the session. send(msg): to the partner. Queries: running() (a
        time-out is on), epoch_s() (the wall clock, Unix seconds, or None while unknown),
        link_up() (the near link is connected), ble_near() (True / False / None: the BLE
        proximity). observe(kind, data): the simulator's timeline, or None. fix_time(fix,
        ticks): the newest fix, for the wall clock (its RMC date and time), or None."""
        self.gnss = gnss
        self.ticks_ms = ticks_ms
        self.post = post
        self.send = send
        self.running = running
        self.epoch_s = epoch_s
        self.link_up = link_up
        self.ble_near = ble_near
        self.observe = observe
        self.fix_time = fix_time
        params = {"min_distance_m": cfg["min_distance_m"],
                  "clear_distance_m": clear_distance_m(cfg["min_distance_m"])}
        self.parser = NmeaParser()
        self.rule = DistanceRule(params)
        self.home = HomeRule(cfg["home_lat_e7"], cfg["home_lon_e7"], cfg["home_radius_m"],
                             params)
        self.relay = RelayLimiter(params)
        self.power = GpsPower(params)
        self.fix = None
        self.fix_at = None
        self.status = None
        self.measuring = False
        self.at_home = None
        self.last_measure = None
        self.epoch_open = False
        self.near = None
        self.refused = {"pos_stale": 0, "pos_future": 0, "pos_no_clock": 0}

    def last_position(self):
        """(lat_e7, lon_e7) of the own filtered track, or None: for a contact's text."""
        track = self.rule.own
        if track.lat is None or track.assumed:
            return None
        return (track.lat, track.lon)

    def own_fix(self, fix, now_ms):
        """A fix from the own receiver (gps.nmea.Fix): to the distance and home rules."""
        self.rule.own_fix(fix, now_ms)
        self.home.own_fix(fix, now_ms)
        self.fix = fix
        self.fix_at = now_ms

    def partner_pos(self, msg, now_ms):
        """A partner's position: its age is this device's clock minus its fix time. Refused
        (and counted) without a clock, when older than the staleness bound, or from the
        future beyond what two clocks may differ."""
        now_s = self.epoch_s()
        if now_s is None:
            self.refused["pos_no_clock"] += 1
            return False
        age_s = now_s - msg["ft"]
        if age_s < -_FUTURE_S:
            self.refused["pos_future"] += 1
            return False
        if age_s * 1000 > self.rule.p["partner_stale_ms"]:
            self.refused["pos_stale"] += 1
            return False
        return self.rule.partner_fix(msg["lat"], msg["lon"], msg["hdop"], max(0, age_s),
                                     now_ms)

    def _own_position(self, now_ms):
        """(lat, lon, hdop, fix time) to relay, or None. The track's measured position, not
        the raw fix (a fix the outlier filter refused must not become the partner's truth),
        and never an assumed one: no fresh fix, no position. Its fix time is the wall clock's
        (set from GNSS) minus the fix's age; without a clock nothing is sent."""
        track = self.rule.own
        now_s = self.epoch_s()
        if (self.fix is None or track.lat is None or track.assumed or now_s is None
                or ticks_diff(now_ms, track.t_ms) > 15000):
            return None
        return (track.lat, track.lon, self.fix.hdop or 0,
                now_s - ticks_diff(now_ms, track.t_ms) // 1000)

    def update(self, now_ms):
        """Post what changed to the session and relay the own position when due."""
        near = self.ble_near()
        if near is not None:
            self.rule.ble_near(near, now_ms)
        connected = self.link_up()
        if connected != self.near:
            self.near = connected
            self.post(("near", connected))
        home = self.home.at_home(now_ms)
        if home and (self.fix is None or ticks_diff(now_ms, self.fix_at) > 15000):
            self.rule.own_assumed(self.home.home_lat, self.home.home_lon, now_ms)
        home_changed = home != self.at_home
        if home_changed:
            self.at_home = home
            self.post(("home", home))
        status = self.rule.status(now_ms)
        measuring = self.rule.distance is not None  # status() clears it when data is stale
        if status != self.status or measuring != self.measuring:
            self.status = status
            self.measuring = measuring
            self.post(("distance", status, measuring))
        own = self._own_position(now_ms)
        running = self.running()
        if own and self.relay.due(now_ms, own[0], own[1], running, connected):
            self.relay.sent_at(now_ms, own[0], own[1])
            self.send({"t": "pos", "lat": own[0], "lon": own[1], "hdop": own[2], "ft": own[3]})
        if not running:
            self.relay.reset()
        if self.observe and self.rule.distance is not None and (
                self.last_measure is None
                or ticks_diff(now_ms, self.last_measure) >= _MEASURE_EVERY_MS):
            self.last_measure = now_ms
            self.observe("measured", {"m": int(self.rule.distance), "status": status})

    async def run(self):
        ticks_ms = self.ticks_ms
        while True:
            now = ticks_ms()
            mode = self.power.mode(now, self.running(), self.at_home)
            self.gnss.power(mode != DUTY_OFF)
            if mode == DUTY_OFF:
                self.update(now)
                await sleep_ms(_OFF_POLL_MS)
                continue
            chunk = await self.gnss.read(_IDLE_READ_MS if self.epoch_open else _QUIET_READ_MS)
            if chunk:
                self.parser.feed(chunk)
                self.epoch_open = True
            else:
                self.parser.flush()
                self.epoch_open = False
            now = ticks_ms()
            fix = self.parser.pop()
            while fix is not None:
                self.own_fix(fix, now)
                fix = self.parser.pop()
                if fix is None and self.fix_time is not None:  # its date and time: the clock
                    self.fix_time(self.fix, now)
            self.update(now)
