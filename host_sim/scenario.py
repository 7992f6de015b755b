"""Scenario files: what the people do, how the contacts answer, and what must (not) happen.

The format is TOML, documented in docs/scenarios.md. Loading checks every key and value and
raises ScenarioError with the place of the first problem, so a scenario written by hand fails
with a clear message rather than a traceback.
"""

import asyncio
import re
import tomllib

DEFAULT_SECRET = "5ca1ab1e0ddba11c0ffee0000000000000000000000000000000000000000001"

PERSON_KEYS = {"moods", "mood_delay", "contacts", "contact_answers", "config"}
TOP_KEYS = {"name", "description", "duration", "seed", "couple", "A", "B", "at", "expect",
            "gps_jump_prob", "clock_unknown", "hostile", "speaker"}
ACTIONS = ("press", "double", "triple", "long", "hold", "walk", "gps", "proposal", "reboot",
           "config", "link", "network", "inject", "replay", "outlier", "audio",
           "sms_from_stranger", "powercut", "strangers_pair", "hostile")
EXPECT_KEYS = {"event", "device", "count", "min", "max", "after", "before", "fields", "why"}


class ScenarioError(ValueError):
    pass


def parse_time(value, where):
    """Seconds from 90, "90s", "5m", "2h", "1h20m", "2m30s", "1:30" (m:s) or "1:02:03"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise ScenarioError("%s: a time must be a number of seconds or text like '5m'" % where)
    text = value.strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|min|h)?", text)
    if m:
        return float(m.group(1)) * {"s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]
    m = re.fullmatch(r"(?:(\d+)h)?\s*(?:(\d+)m(?:in)?)?\s*(?:(\d+(?:\.\d+)?)s)?", text)
    if m and any(m.groups()):
        h, mins, secs = (float(g) if g else 0.0 for g in m.groups())
        return h * 3600 + mins * 60 + secs
    parts = text.split(":")
    if 2 <= len(parts) <= 3 and all(re.fullmatch(r"\d+(\.\d+)?", p) for p in parts):
        total = 0.0
        for p in parts:
            total = total * 60 + float(p)
        return total
    raise ScenarioError("%s: cannot read %r as a time (use 90, '90s', '5m', '1:30:00')"
                        % (where, value))


def default_contacts(name):
    digit = "1" if name == "A" else "2"
    return [{"name": "%s-contact-%d" % (name, i + 1), "phone": "+316%s%d%06d" % (digit, i + 1, 0)}
            for i in range(3)]


class Scenario:
    def __init__(self, data, source="scenario"):
        self.source = source
        if not isinstance(data, dict):
            raise ScenarioError("%s: not a table" % source)
        unknown = set(data) - TOP_KEYS
        if unknown:
            raise ScenarioError("%s: unknown key(s) %s (allowed: %s)" % (
                source, ", ".join(sorted(unknown)), ", ".join(sorted(TOP_KEYS))))
        self.name = data.get("name", source)
        self.description = data.get("description", "")
        self.duration = parse_time(data.get("duration", "2h"), "duration")
        self.seed = data.get("seed", 1)
        self.gps_jump_prob = float(data.get("gps_jump_prob", 0.0))
        self.clock_unknown = data.get("clock_unknown", [])
        if not isinstance(self.clock_unknown, list) or \
                any(n not in ("A", "B") for n in self.clock_unknown):
            raise ScenarioError("%s: clock_unknown must list devices (\"A\", \"B\")" % source)
        # devices with a speaker (the reference wearable has one): they say each cue's words
        self.speaker = data.get("speaker", ["A", "B"])
        if not isinstance(self.speaker, list) or any(n not in ("A", "B") for n in self.speaker):
            raise ScenarioError("%s: speaker must list devices (\"A\", \"B\")" % source)
        self.hostile = data.get("hostile")  # the device in the hands of the threat, or None
        if self.hostile not in (None, "A", "B"):
            raise ScenarioError("%s: hostile must be \"A\" or \"B\" (the partner's device "
                                "that is the threat)" % source)
        self.couple = dict(data.get("couple", {}))
        self.person = {}
        self.phone_behaviour = {}
        self.configs = {}
        for name in ("A", "B"):
            self._load_person(name, data.get(name, {}))
        self.steps = [self._load_step(i, s) for i, s in enumerate(data.get("at", []))]
        self.steps.sort(key=lambda s: s["t"])
        self.expects = [self._load_expect(i, e) for i, e in enumerate(data.get("expect", []))]

    def _load_person(self, name, section):
        if not isinstance(section, dict):
            raise ScenarioError("[%s] must be a table" % name)
        unknown = set(section) - PERSON_KEYS
        if unknown:
            raise ScenarioError("[%s]: unknown key(s) %s (allowed: %s)" % (
                name, ", ".join(sorted(unknown)), ", ".join(sorted(PERSON_KEYS))))
        delay = parse_time(section.get("mood_delay", 20), "[%s].mood_delay" % name)
        behaviour = {"moods": section.get("moods", ["calm"]), "mood_delay": delay}
        if not isinstance(behaviour["moods"], list) or not behaviour["moods"]:
            raise ScenarioError("[%s].moods: a list like [\"angry\", \"calm\"]" % name)
        for mood in behaviour["moods"]:
            if mood not in ("calm", "so-so", "angry", "none"):
                raise ScenarioError("[%s].moods: %r is not calm, so-so, angry or none"
                                    % (name, mood))
        self.person[name] = behaviour
        contacts = section.get("contacts", default_contacts(name))
        answers = section.get("contact_answers", [])
        for i, plan in enumerate(answers):
            plans = plan if isinstance(plan, list) else [plan]
            for how in plans:
                if how not in ("answer", "no_answer", "busy", "off", "reject", "unreachable",
                               "voicemail"):
                    raise ScenarioError("[%s].contact_answers[%d]: %r is not answer, no_answer, "
                                        "busy, reject, off, unreachable or voicemail"
                                        % (name, i, how))
            if i < len(contacts):
                self.phone_behaviour[contacts[i]["phone"]] = plans
        cfg = {"role": name, "pair_secret": DEFAULT_SECRET[:64], "contacts": contacts,
               "home_lat_e7": 520907000, "home_lon_e7": 51214000,
               "wearer_name": "Partner " + name,
               "partner_phone": "+31600000002" if name == "A" else "+31600000001"}
        cfg.update(self.couple)
        cfg.update(section.get("config", {}))
        self.configs[name] = cfg

    def device_config(self, name):
        return dict(self.configs[name])

    def _load_step(self, i, step):
        where = "[[at]] #%d" % (i + 1)
        if not isinstance(step, dict) or "t" not in step:
            raise ScenarioError("%s: needs a time t" % where)
        out = {"t": parse_time(step["t"], where + ".t"), "where": where}
        rest = {k: v for k, v in step.items() if k != "t"}
        who = rest.pop("who", None)
        if len(rest) != 1:
            raise ScenarioError("%s: give exactly one action (A = \"...\", B = \"...\" or one "
                                "of %s)" % (where, ", ".join(ACTIONS)))
        key, value = rest.popitem()
        if who not in (None, "A", "B"):
            raise ScenarioError("%s: who must be A or B" % where)
        if key not in ACTIONS and key not in ("A", "B"):
            raise ScenarioError("%s: unknown action %r (one of %s, or A = \"...\" / B = \"...\")"
                                % (where, key, ", ".join(ACTIONS)))
        if key in ("A", "B"):  # A = "walk 300", B = "press"
            words = str(value).split()
            if not words or words[0] not in ACTIONS:
                raise ScenarioError("%s: %s = %r: start with one of %s"
                                    % (where, key, value, ", ".join(ACTIONS)))
            out.update(action=words[0], who=key, args=words[1:])
        else:
            out.update(action=key, who=who, args=value)
        if key == "hostile":
            from host_sim.hostile import check_spec

            if self.hostile is None:
                raise ScenarioError("%s: a hostile action needs hostile = \"A\" or \"B\" at "
                                    "the top of the file" % where)
            try:
                out["args"] = check_spec(value, where, parse_time)
            except ValueError as e:
                raise ScenarioError(str(e)) from None
            out["who"] = self.hostile
        return out

    def _load_expect(self, i, exp):
        where = "[[expect]] #%d" % (i + 1)
        if not isinstance(exp, dict) or "event" not in exp:
            raise ScenarioError("%s: needs an event name" % where)
        unknown = set(exp) - EXPECT_KEYS
        if unknown:
            raise ScenarioError("%s: unknown key(s) %s" % (where, ", ".join(sorted(unknown))))
        out = dict(exp)
        for key in ("after", "before"):
            if key in exp:
                out[key] = parse_time(exp[key], where + "." + key)
        out["where"] = where
        return out

    # ----- playing the script -------------------------------------------------------------

    async def play(self, world):
        loop = asyncio.get_running_loop()
        for step in self.steps:
            delay = step["t"] - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self._do(world, step)
            except (ValueError, IndexError, KeyError) as e:
                world.record(None, "script_error", {"where": step["where"], "error": str(e)})

    async def _do(self, world, step):
        action, who, args = step["action"], step["who"], step["args"]
        record = {"action": action}
        if args not in (None, [], ""):
            record["args"] = args if not isinstance(args, dict) else "..."
        if action == "replay":
            target = who or (args if isinstance(args, str) else args[0])
            record["frames"] = len(world.captured[target])
        world.record(who, "world_" + action, record)
        if action in ("press", "double", "triple"):
            count = {"press": 1, "double": 2, "triple": 3}[action]
            world.loop.create_task(world.press(who, 0.15, count))
        elif action in ("long", "hold"):
            hold = parse_time(args[0], step["where"]) if args else 1.5
            world.loop.create_task(world.press(who, hold))
        elif action == "walk":
            target = args[0] if args else "home"
            metres = 0.0 if target == "home" else float(target)
            world.people[who].walk_to(metres)
        elif action == "gps":  # "off": no satellites (deep indoors), the receiver has no fix
            world.people[who].gps = (args[0] if args else "on") == "on"
        elif action == "outlier":  # "outlier 400 north": one fix of who's receiver jumps
            metres = float(args[0]) if args else 400.0
            east = len(args) > 1 and args[1] == "east"
            world.receivers[who].inject_outlier(int(world.now()) + 1, 0.0 if east else metres,
                                                metres if east else 0.0)
        elif action == "proposal":
            port = world.ports.get(who)
            if port:
                port.board.sensor_events().put(("proposal",))
        elif action in ("reboot", "powercut"):  # powercut: the power goes mid-write
            off_for = parse_time(args[0], step["where"]) if args else 20.0
            world.power_cycle(who, off_for, cut=action == "powercut")
        elif action == "config":  # settings merged over the device's current config file
            if not isinstance(args, dict):
                raise ValueError("config needs a table of settings")
            cfg = dict(world.configs[who])
            cfg.update(args)
            world.write_config(who, cfg)
        elif action == "link":
            world.set_link((args if isinstance(args, str) else args[0]) == "up")
        elif action == "network":
            world.network.set_up((args if isinstance(args, str) else args[0]) == "up")
        elif action == "sms_from_stranger":
            from host_sim.world import STRANGER

            target = who or (args if isinstance(args, str) else args[0])
            world.network.text_from_stranger(STRANGER, world.numbers[target], "Hi, is this Kim?")
        elif action == "audio":  # both microphones hear a scene from dsp_lab/scenes
            name = args if isinstance(args, str) else args[0]
            world.loop.create_task(world.play_audio(name))
        elif action == "replay":  # an eavesdropper plays back every frame it heard for `who`
            target = who or (args if isinstance(args, str) else args[0])
            for frame in list(world.captured[target]):
                world.inject_frame(target, frame)
        elif action == "strangers_pair":  # strangers' phones pair with who's device
            how = args if isinstance(args, str) else " ".join(args or [])
            world.loop.create_task(world.strangers_pair(who or "B", how))
        elif action == "hostile":  # the hostile partner's device (host_sim/hostile.py)
            if "mode" in args:
                world.hostile.set_mode(args["mode"])
            else:
                world.hostile.send(args)
        elif action == "inject":
            world.inject_frame(who, bytes.fromhex(args if isinstance(args, str) else args[0]))

    # ----- expectations -------------------------------------------------------------------

    def check(self, timeline):
        """A list of failure messages (empty when every expectation and every invariant of
        host_sim/invariants.py holds)."""
        failures = ["invariant %s: %s" % (e["invariant"], e["what"]) for e in timeline
                    if e.get("event") == "invariant_broken"]
        for exp in self.expects:
            hits = [e for e in timeline if _matches(e, exp)]
            n = len(hits)
            if "count" in exp:
                ok = n == exp["count"]
                want = "exactly %d" % exp["count"]
            else:
                lo, hi = exp.get("min", 1), exp.get("max")
                ok = n >= lo and (hi is None or n <= hi)
                want = "at least %d" % lo if hi is None else "%d to %d" % (lo, hi)
            if not ok:
                failures.append("%s: expected %s %r%s, found %d%s" % (
                    exp["where"], want, exp["event"],
                    " on " + exp["device"] if "device" in exp else "", n,
                    " (" + exp["why"] + ")" if "why" in exp else ""))
        return failures


def _matches(entry, exp):
    if entry.get("event") != exp["event"]:
        return False
    if "device" in exp and entry.get("device") != exp["device"]:
        return False
    if "after" in exp and entry["t"] < exp["after"]:
        return False
    if "before" in exp and entry["t"] > exp["before"]:
        return False
    for key, value in exp.get("fields", {}).items():
        if entry.get(key) != value:
            return False
    return True


def load(path):
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ScenarioError("%s: cannot read (%s)" % (path, e.strerror)) from None
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError("%s: not valid TOML (%s)" % (path, e)) from None
    return Scenario(data, str(path))
