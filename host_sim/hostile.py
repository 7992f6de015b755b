"""The hostile partner: one device of the couple in the hands of the partner who is the threat.

That device runs the real firmware and holds the couple's secret legitimately; what makes it
hostile is what the scenario makes it do on top (docs/scenarios.md, "The hostile partner"):

- send any message of the protocol with fields the scenario chooses, sealed by the device's own
  channel (its counters, its key: the receiver sees an authentic frame) and carried the way the
  device's own frames travel: written on its BLE connection, or as a binary SMS from its SIM;
- send a flood of N such frames at once (the device's own queues are bypassed: an attacker with
  the secret and the SIM in a modem is not bound by them);
- stop relaying: its firmware keeps running, but every outbound partner message is dropped;
- relay home: its outbound positions say it is at home (a measured fix, fix time now),
  wherever it walks.

The spec of one action is checked when the scenario loads (check_spec), so a mistake in a
scenario file is a clear ScenarioError, never a traceback mid-run.
"""

MOODS = {"none": 0, "calm": 1, "so-so": 2, "angry": 3}
KINDS = ("start", "undo", "prop", "acc", "mood", "state", "end", "pos")
MODES = ("mute", "unmute", "relay_home", "relay_true")
VIAS = ("link", "ble", "sms")
_TIME_FIELDS = ("el",)
_SPEC_KEYS = {"send", "flood", "via", "tid", "el", "by", "why", "lv", "ph", "home", "ext", "m",
              "on", "seq", "fin", "out", "pid", "lat", "lon", "hdop", "ft", "at", "east",
              "north"}


def check_spec(spec, where, parse_time):
    """The normalised action (a dict) or ValueError naming the problem."""
    if isinstance(spec, str):
        if spec not in MODES:
            raise ValueError("%s: hostile = %r: one of %s, or a table like "
                             "{ send = \"undo\" }" % (where, spec, ", ".join(MODES)))
        return {"mode": spec}
    if not isinstance(spec, dict):
        raise ValueError("%s: hostile must be text (%s) or a table" % (where, ", ".join(MODES)))
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise ValueError("%s: hostile: unknown key(s) %s" % (where, ", ".join(sorted(unknown))))
    out = dict(spec)
    if out.get("send") not in KINDS:
        raise ValueError("%s: hostile.send must be one of %s" % (where, ", ".join(KINDS)))
    if out.setdefault("via", "link") not in VIAS:
        raise ValueError("%s: hostile.via must be one of %s" % (where, ", ".join(VIAS)))
    flood = out.setdefault("flood", 1)
    if isinstance(flood, bool) or not isinstance(flood, int) or not 1 <= flood <= 1000:
        raise ValueError("%s: hostile.flood must be a number of frames, 1..1000" % where)
    for key in _TIME_FIELDS:
        if key in out:
            out[key] = int(parse_time(out[key], "%s: hostile.%s" % (where, key)) * 1000)
    if "m" in out:
        if out["m"] not in MOODS:
            raise ValueError("%s: hostile.m must be one of %s" % (where, ", ".join(MOODS)))
        out["m"] = MOODS[out["m"]]
    if "at" in out and out["at"] not in ("A", "B", "home"):
        raise ValueError("%s: hostile.at must be A, B or home (where the position says)" % where)
    return out


class Hostile:
    """What the world does for the hostile device `name` (one per run)."""

    def __init__(self, world, name):
        self.world = world
        self.name = name
        self.other = "B" if name == "A" else "A"
        self.modes = set()
        self.stats = {"forged": 0, "dropped": 0, "rewritten": 0, "unsent": 0}

    # ----- the device's own outbound messages: muted or rewritten ---------------------------

    def arm(self, device):
        """A (re)booted hostile device: wrap its transports' send so the modes apply."""
        link = device.link
        for transport in (link.near, link.far):
            if transport is not None:
                transport.send = self._wrapped(transport.send)

    def _wrapped(self, send):
        def hostile_send(msg, *rest):
            if "mute" in self.modes:
                self.stats["dropped"] += 1
                return True  # the firmware believes it went
            if "relay_home" in self.modes and msg.get("t") == "pos":  # (state has no home)
                msg = dict(msg)
                msg.update(lat=self.world.home[0], lon=self.world.home[1], hdop=90,
                           ft=self._now_s(msg.get("ft")))
                self.stats["rewritten"] += 1
            return send(msg, *rest)
        return hostile_send

    def set_mode(self, mode):
        if mode == "unmute":
            self.modes.discard("mute")
        elif mode == "relay_true":
            self.modes.discard("relay_home")
        else:
            self.modes.add(mode)

    # ----- forged messages: chosen fields, sealed and sent like the device's own ------------

    def message(self, spec):
        """The message dict of `spec`: the scenario's fields over plausible defaults from the
        hostile device's own session (its running time-out's id, its elapsed time)."""
        device = self.world.devices[self.name]
        session = device.session
        now = self.world.ports[self.name].ticks_ms()
        kind = spec["send"]
        running = session.running()
        tid = session.tid if session.tid else 1
        if kind == "state":
            msg = dict(session._state_msg(now)[1])
        elif kind == "start":
            msg = dict(session.start_msg(now)[1])
            msg["tid"] = tid
        elif kind == "undo":
            msg = {"t": "undo", "tid": tid}
        elif kind in ("prop", "acc"):
            msg = {"t": kind, "pid": 1}
        elif kind == "mood":
            msg = {"t": "mood", "tid": tid, "seq": session.ext if running else 0, "m": 1,
                   "fin": 1}
        elif kind == "end":
            msg = {"t": "end", "tid": tid, "out": 1}
        else:
            msg = self._position(spec)
        for key, value in spec.items():
            if key not in ("send", "flood", "via", "at", "east", "north"):
                msg[key] = value
        return msg

    def _position(self, spec):
        from gps.geo import offset_e7

        world = self.world
        if spec.get("at") in ("A", "B"):
            x, y = world.people[spec["at"]].position()
        else:
            x, y = 0.0, 0.0
        x += float(spec.get("east", 0.0))
        y += float(spec.get("north", 0.0))
        lat, lon = offset_e7(world.home[0], world.home[1], y, x)
        return {"t": "pos", "lat": lat, "lon": lon, "hdop": 90, "ft": self._now_s(0)}

    def _now_s(self, fallback):
        """The fix time a forged position claims: now by the hostile device's own clock."""
        port = self.world.ports.get(self.name)
        now = port.epoch_s() if port is not None else None
        return fallback if now is None else now

    def send(self, spec):
        """Seal and send `spec["flood"]` frames of the message; recorded on the timeline."""
        device = self.world.devices.get(self.name)
        if device is None or self.name not in self.world.ports:
            self.stats["unsent"] += 1
            return
        msg = self.message(spec)
        via = spec["via"]
        near = device.link.near
        if via == "link":
            via = "ble" if near is not None and near.connected else "sms"
        sent = 0
        for _ in range(spec["flood"]):
            if via == "ble":
                if near is None or not near.connected:
                    break
                near._write(near.channel.seal(msg))  # on its live connection
            else:
                self._text(device, msg)
            sent += 1
        self.stats["forged"] += sent
        self.stats["unsent"] += spec["flood"] - sent
        self.world.record(self.name, "hostile_sent", dict(msg, via=via, frames=sent,
                                                          msg=msg["t"]))

    def _text(self, device, msg):
        """One binary SMS from the hostile device's SIM carrying the sealed frame."""
        from link import far

        channel = device.link.far.channel if device.link.far is not None \
            else device.link.near.channel
        frame = channel.seal(msg)
        world = self.world
        world.submit_uncounted(world.numbers[self.name],
                             far.encode(world.numbers[self.other], frame))
