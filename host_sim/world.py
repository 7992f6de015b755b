"""The simulated world: two people, their devices running the real firmware, a radio stand-in,
a phone network with the contact persons, and a timeline of everything that happens.

Everything runs on the virtual-time loop (host_sim.vloop): the devices' own asyncio tasks, the
people walking and pressing, messages in flight. Randomness comes from one seeded generator so
a scenario replays identically.
"""

import asyncio
import contextvars
import json
import math
import os
import random
import shutil
import tempfile

from host_sim import invariants, radio_world, use_firmware_path

use_firmware_path()
radio_world.install()  # firmware's `import bluetooth` gets the simulated module

from host_sim.bluetooth_sim import Radio  # noqa: E402
from host_sim.gnss_sim import GnssSim  # noqa: E402
from host_sim.modem_sim import SimModem, SimNetwork  # noqa: E402

import board as sim_board  # noqa: E402  (boards/sim/board.py)
from gps.geo import offset_e7  # noqa: E402
import app as firmware_app  # noqa: E402  (firmware/app.py)

# Which device's firmware is running: every asyncio task inherits the context of the task that
# created it, so each task the firmware starts (calls, texts, timers) is known to be that
# device's, and a power cut can end all of them, as switching the power off does on a board.
_DEVICE = contextvars.ContextVar("device", default=None)

TICKS_MASK = (1 << 30) - 1
EPOCH_START = 1798761600  # 2027-01-01T00:00:00Z: the simulated wall clock's origin
NUMBERS = {"A": "+31600000001", "B": "+31600000002"}  # the devices' own SIM numbers
STRANGER = "+31699999999"
# How long a prompt clip speaks, as care/prompts.py renders it with espeak-ng's Dutch voice:
# fitted on a third of a couple's clips (33 clips of 7-97 characters), 0.76 s + 58 ms a
# character, 0.36 s rms error.
CLIP_MS_BASE = 760
CLIP_MS_PER_CHAR = 58
HOME_LAT_E7 = 520907000  # the couple's home in the simulated world (Utrecht)
HOME_LON_E7 = 51214000


class Person:
    def __init__(self, name, bearing_deg, behaviour):
        self.name = name
        self.bearing = math.radians(bearing_deg)
        self.x = 0.0
        self.y = 0.0
        self.target = None
        self.speed = 1.4
        self.moods = list(behaviour.get("moods", ["calm"]))
        self.mood_delay = behaviour.get("mood_delay", 20.0)
        self.answers_moods = behaviour.get("answers_moods", True)
        self.gps = True
        self.checks_seen = 0

    def position(self):
        return self.x, self.y

    def distance_from_home(self):
        return math.hypot(self.x, self.y)

    def walk_to(self, metres_from_home):
        self.target = (metres_from_home * math.cos(self.bearing),
                       metres_from_home * math.sin(self.bearing))

    def step(self, dt):
        if self.target is None:
            return False
        dx, dy = self.target[0] - self.x, self.target[1] - self.y
        dist = math.hypot(dx, dy)
        move = self.speed * dt
        if dist <= move:
            self.x, self.y = self.target
            self.target = None
            return True
        self.x += dx / dist * move
        self.y += dy / dist * move
        return False

    def next_mood(self):
        mood = self.moods[min(self.checks_seen, len(self.moods) - 1)]
        self.checks_seen += 1
        return mood


class DevicePort(sim_board.Port):
    """What the sim board's drivers talk to: one per device boot (a reboot makes a new one)."""

    has_gnss = True
    has_mic = True
    powered = True  # False from the moment the world cuts this boot's power

    def __init__(self, world, name, folder, ticks_offset):
        self.world = world
        self.name = name
        self.folder = folder
        self.ticks_offset = ticks_offset
        self.board = None
        # The device's random bytes (time-out ids, advertising identifiers) come from the
        # run's seed: the same scenario with the same seed is the same run, byte for byte.
        self.rng = random.Random(world.rng.randrange(1 << 30))
        # The RTC: seconds to add to the world's time, None while unknown (a board without a
        # clock battery boots not knowing the time; the scenario's `clock_unknown` says which).
        unknown = name in getattr(world.scenario, "clock_unknown", ())
        self.epoch_offset = None if unknown else EPOCH_START
        self.epoch_sets = 0

    def urandom(self, n):
        return bytes(self.rng.randrange(256) for _ in range(n))

    def ticks_ms(self):
        return (int(self.world.now() * 1000) + self.ticks_offset) & TICKS_MASK

    def epoch_s(self):
        if self.epoch_offset is None:
            return None
        return self.epoch_offset + int(self.world.now())

    def set_epoch_s(self, epoch):
        self.epoch_offset = epoch - int(self.world.now())
        self.epoch_sets += 1

    def observe(self, kind, data):
        self.world.observe_device(self.name, kind, data)

    def gnss_powered(self):
        gnss = getattr(self.board, "_gnss", None)
        return gnss is not None and gnss.powered

    def prompt_clips(self):
        return self.world.clips.get(self.name)

    def register_device(self, device):
        self.world.devices[self.name] = device
        hostile = self.world.hostile
        if hostile is not None and hostile.name == self.name:
            hostile.arm(device)

    def core_tracer(self):
        return self.trace_core

    def trace_core(self, kind, data):
        if self.world.traces is not None:
            self.world.traces.setdefault(self.name, []).append([kind, data])

    def ble(self):
        return self.world.radio.ble_for(self.name, lambda: self.world.radio_position(self.name))

    def modem_uart(self):
        modem = self.world.modems[self.name]
        return modem.reader, modem.writer

    def modem_dtr(self):  # the simulated device has the module's DTR wired, as the boards do
        return self.world.modems[self.name].set_dtr

    async def until_stop(self):  # the world decides when a device stops
        await asyncio.Event().wait()


def clip_words(cfg):
    """{clip name: its words} that provisioning renders for `cfg` (care/prompts.needed, on the
    config as the device completes it); {} for a config the device refuses."""
    from care.prompts import needed
    from core.config import ConfigError, validate

    try:
        return needed(validate(cfg))
    except ConfigError:
        return {}


def provisioned_clips(cfg, folder=None):
    """What the device's speaker finds on its flash: {clip name: (check, ms)}. From a provisioned
    device's prompts/ folder (`timeout-care write --prompts`) when `folder` is given (nothing
    there: the device was provisioned without prompts); otherwise as provisioning would render
    them for `cfg`, each clip's length from CLIP_MS_*."""
    from drivers.speaker import HEADER, MAGIC, RATE
    from ui.prompts import words_check

    if folder is None:
        return {name: (words_check(text), CLIP_MS_BASE + CLIP_MS_PER_CHAR * len(text))
                for name, text in clip_words(cfg).items()}
    out = {}
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if entry.endswith(".ul"):
            with open(os.path.join(folder, entry), "rb") as f:
                data = f.read()
            if len(data) >= HEADER and data[:4] == MAGIC:
                check = int.from_bytes(data[4:HEADER], "big")
                out[entry[:-3]] = (check, (len(data) - HEADER) * 1000 // RATE)
    return out


class CallLog(list):
    """SimNetwork's list of calls, which also puts each call on the timeline."""

    def __init__(self, world):
        super().__init__()
        self.world = world

    def append(self, item):
        super().append(item)
        caller, callee, how = item
        device = next((n for n, num in self.world.numbers.items() if num == caller), None)
        name = self.world.contact_name(device, callee) if device else None
        self.world.record(device, "call", {"to": callee, "name": name, "how": how})


class World:
    def __init__(self, scenario, seed=1, flash=None):
        """flash: a folder holding provisioned devices' storage (FLASH/A, FLASH/B, as the
        provisioning tool writes them with dir:FLASH/A); they keep their config and journal
        after the run. Without it each run gets fresh, scenario-configured devices."""
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.loop = None
        self.timeline = []
        self.people = {}
        self.ports = {}
        self.tasks = {}
        self.device_tasks = {"A": set(), "B": set()}  # every live task of each device's firmware
        self.power_gen = {"A": 0, "B": 0}  # power cycles so far (a newer one wins)
        self.zombie = []  # (device, what): anything a powered-off device still did (must be [])
        self.crashes = []
        self.devices = {}  # name -> the firmware's Device object (for its counters)
        self.journaled = {}  # name -> every journal entry the device appended, in order
        self.torn = {}  # name -> indexes in journaled[name] of entries a power cut may have torn
        self.captured = {"A": [], "B": []}  # frames an eavesdropper heard, by receiver
        self.traces = None  # set to {} to record every core input and output (differential tests)
        self.configs = {}
        self.link_up = True
        # The devices' flash: in RAM where the machine has a tmpfs (a day of journal, counter
        # and snapshot writes costs seconds on a slow disk, and nothing here needs to last).
        shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        self.flash = flash
        self.tmp = flash or tempfile.mkdtemp(prefix="timeout-sim-", dir=shm)
        self.provisioned = set()
        for name in ("A", "B"):
            self.people[name] = Person(name, 0 if name == "A" else 180,
                                       scenario.person[name])
            self.configs[name] = scenario.device_config(name)
            path = os.path.join(self.folder(name), "config.json")
            if flash and os.path.exists(path):
                with open(path) as f:
                    self.configs[name] = json.load(f)
                self.provisioned.add(name)
        self.clips = {}  # name -> provisioned_clips() of a device with a speaker
        self.clip_words = {}  # name -> {clip name: its words}, for the timeline
        self.config_log = {}  # name -> [(t, config)] written to the device, the newest last
        self.clips_outdated = set()  # devices given a config their clips were not made for
        for name in getattr(scenario, "speaker", ()):
            prompts = os.path.join(self.folder(name), "prompts") if name in self.provisioned \
                else None
            self.clips[name] = provisioned_clips(self.configs[name], prompts)
            self.clip_words[name] = clip_words(self.configs[name])
        behaviour = {}
        for name in ("A", "B"):
            for contact in self.configs[name]["contacts"]:
                behaviour[contact["phone"]] = ["answer"]
        behaviour.update(scenario.phone_behaviour)
        self.network = SimNetwork(behaviour)
        self.network.epoch = lambda: EPOCH_START + int(self.now())  # the network's NITZ time
        self.network.calls = CallLog(self)
        self.network.on_answered = self._call_answered
        self.network.on_text = self._text_delivered
        self.modems = {}
        self.radio = Radio(seed=seed)
        self.radio.taps.append(self._eavesdrop)
        self.radio.on_event = self._radio_event
        self.strangers = 0
        self.receivers = {name: GnssSim(seed=seed * 10 + i, jump_prob=scenario.gps_jump_prob)
                          for i, name in enumerate(("A", "B"))}
        self.numbers = dict(NUMBERS)
        if self.configs["A"].get("partner_phone") and self.configs["B"].get("partner_phone"):
            self.numbers = {"A": self.configs["B"]["partner_phone"],
                            "B": self.configs["A"]["partner_phone"]}
        self.home = (self.configs["A"].get("home_lat_e7") or HOME_LAT_E7,
                     self.configs["A"].get("home_lon_e7") or HOME_LON_E7)
        # The partner's device in the hands of the threat (host_sim/hostile.py), or None.
        from host_sim.hostile import Hostile

        name = getattr(scenario, "hostile", None)
        self.hostile = Hostile(self, name) if name else None
        # Texts each device's own SIM sent (the far link and the contacts), for the budget.
        self.texts = {"A": 0, "B": 0}
        submit = self.network.submit

        def counted_submit(sender, tpdu):
            device = self._device_of(sender)
            if device is not None:
                self.texts[device] += 1
                from host_sim.modem_sim import parse_submit

                try:
                    dest = parse_submit(bytes(tpdu))[0]
                except ValueError:
                    dest = None
                if dest is not None and self._device_of(dest) is not None:
                    self.record(device, "far_text", {})  # a partner frame as a text
            return submit(sender, tpdu)

        self.network.submit = counted_submit
        self.submit_uncounted = submit  # a forger's texts are not the device's

    # ----- clock and records --------------------------------------------------------------

    def now(self):
        return self.loop.time()

    def record(self, device, event, fields=None):
        entry = {"t": round(self.now(), 3), "event": event}
        if device:
            entry["device"] = device
        for key, value in (fields or {}).items():
            if key not in ("t", "event", "device"):
                entry[key] = value
        self.timeline.append(entry)

    def _task_factory(self, loop, coro, context=None):
        task = asyncio.Task(coro, loop=loop, context=context)
        owner = (context or contextvars.copy_context()).get(_DEVICE)
        if owner is not None:
            tasks = self.device_tasks[owner]
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return task

    def world_task(self, coro):
        """A task of the world (a person, the script), never one of a device's, even when a
        device's callback starts it."""
        return self.loop.create_task(coro, context=contextvars.Context())

    def observe_device(self, device, kind, data):
        port = self.ports.get(device)
        if port is None or not port.powered:
            self.zombie.append((device, kind))
            return
        if kind == "journal":
            self.journaled.setdefault(device, []).append(data)
            fields = {k: v for k, v in data.items() if k not in ("cat", "t", "seq")}
            self.record(device, data["cat"], fields)
        elif kind == "notify":
            said = {"key": data["key"], "text": data["text"]}
            if "name" in data.get("fields", {}):  # whom a call or an answer is about
                said["name"] = data["fields"]["name"]
            self.record(device, "say", said)
            if data["key"] == "mood_ask":
                self.world_task(self.answer_mood(device))
        elif kind == "prompt":
            words = self.clip_words.get(device, {})
            said = ""
            for clip in data["clips"]:  # as heard: no pause before a piece that is punctuation
                piece = words.get(clip, "?")
                said += piece if not said or not piece[:1].isalnum() else " " + piece
            self.record(device, "prompt", {"result": data["result"], "clips": len(data["clips"]),
                                           "text": said})
        elif kind == "measured":
            self.record(device, "measured_distance", data)
        elif kind == "send_failed":
            self.record(device, "send_failed", {"msg": data.get("t")})

    def _device_of(self, number):
        return next((n for n, num in self.numbers.items() if num == number), None)

    def _call_answered(self, caller, callee):
        device = self._device_of(caller)
        if device is None:
            return
        self.record(device, "call_answered", {"to": callee,
                                              "name": self.contact_name(device, callee)})

    def _text_delivered(self, sender, dest):
        device = self._device_of(sender)
        if device is not None:
            self.record(device, "text_delivered", {"to": dest,
                                                   "name": self.contact_name(device, dest)})

    def config_at(self, device, t):
        """The config `device` ran with at time t: the newest one written before its last boot
        before t (a config written takes effect at the next boot), else the scenario's."""
        boots = [e["t"] for e in self.timeline if e.get("device") == device
                 and e["event"] == "power_on" and e["t"] <= t]
        booted = boots[-1] if boots else 0.0
        cfg = self.configs[device]
        for written, c in self.config_log.get(device, ()):
            if written <= booted:
                cfg = c
        return cfg

    def contact_name(self, device, number):
        """The name of `device`'s contact with that number, in the newest config it was given
        that lists the number (a scenario may change the contacts mid-run), else None."""
        written = [cfg for _t, cfg in reversed(self.config_log.get(device, ()))]
        for cfg in written + [self.configs[device]]:  # then the one it was provisioned with
            for contact in cfg.get("contacts", ()):
                if contact["phone"] == number:
                    return contact["name"]
        return None

    # ----- devices ------------------------------------------------------------------------

    def folder(self, name):
        if self.flash:
            return os.path.join(self.flash, name)
        return self.tmp + "/" + name

    def boot(self, name, ticks_offset=None):
        if name in self.ports:  # one firmware instance per device: the old one loses power
            self.power_off(name)
        if ticks_offset is None:
            ticks_offset = self.rng.randrange(0, TICKS_MASK)
        old = self.modems.get(name)
        if old is not None:
            old.stop()
        self.modems[name] = SimModem(self.network, self.numbers[name],
                                     seed=self.rng.randrange(1000))
        if old is not None:  # the same SIM: texts stored on it and not yet read are still there
            self.modems[name].slots = old.slots
        self.modems[name].start()
        port = DevicePort(self, name, self.folder(name), ticks_offset)
        self.receivers[name].epoch_start = EPOCH_START  # the RMC date: read late, a test may
        # move the world's calendar after building the world
        self.ports[name] = port
        hw = sim_board.Board(port)
        self.record(name, "power_on")
        context = contextvars.Context()
        context.run(_DEVICE.set, name)
        task = self.loop.create_task(firmware_app.run(hw), context=context)
        task.add_done_callback(lambda t, name=name: self._device_stopped(name, t))
        self.tasks[name] = task

    def _device_stopped(self, name, task):
        """A firmware task that ends by itself has crashed: make it loud in the timeline."""
        if task.cancelled():
            return
        error = task.exception()
        self.crashes.append((name, error))
        self.record(name, "firmware_crash", {"error": repr(error)})

    def power_off(self, name):
        """Power gone: every task of that device's firmware ends now (not only its main task),
        its radio and modem go silent, and anything it still tried is caught as a zombie."""
        self.tasks.pop(name, None)
        for task in list(self.device_tasks[name]):
            task.cancel()
        port = self.ports.pop(name, None)
        if port is not None:
            port.powered = False
        ble = self.radio.devices.get(name)
        if ble is not None:
            ble._power_off()
        modem = self.modems.get(name)
        if modem is not None:
            modem.stop()
        self.record(name, "power_off")

    def power_cycle(self, name, off_for_s, cut=False):
        """Off now (a power cut mid-write when `cut`), on again after off_for_s, unless the
        power goes again meanwhile (then the later cycle decides when it comes back)."""
        if cut:
            self.power_cut(name)
        else:
            self.power_off(name)
        self.power_gen[name] += 1
        gen = self.power_gen[name]

        async def back_on():
            await asyncio.sleep(off_for_s)
            if self.power_gen[name] == gen:
                self.boot(name)

        self.world_task(back_on())

    def power_cut(self, name):
        """Power lost in the middle of writing: the device stops, the journal's last line is
        torn (half its bytes reach the flash) and a snapshot write is left half done. A device
        that is already off has nothing left to tear."""
        was_on = name in self.ports
        self.power_off(name)
        if not was_on:
            return
        # the last entry appended so far may be torn
        self.torn.setdefault(name, set()).add(len(self.journaled.get(name, [])) - 1)
        folder = self.folder(name)
        segments = [os.path.join(folder, f) for f in os.listdir(folder)
                    if f.startswith("journal") and f.endswith(".log")]
        if segments:
            newest = max(segments, key=os.path.getmtime)
            with open(newest, "rb") as f:
                data = f.read()
            last = data.rstrip(b"\n").rfind(b"\n") + 1
            keep = last + max(1, (len(data) - last) // 2)
            with open(newest, "wb") as f:
                f.write(data[:keep])
            self.record(name, "journal_torn", {"bytes_lost": len(data) - keep})
        with open(os.path.join(folder, "session.json.tmp"), "w") as f:
            f.write('{"session": {"v": 1, "ph"')

    def write_config(self, name, cfg):
        self.config_log.setdefault(name, []).append((self.now(), cfg))
        for contact in cfg.get("contacts") or ():  # a new contact person has a phone too
            phone = contact.get("phone") if isinstance(contact, dict) else None
            if isinstance(phone, str) and phone not in self.network.behaviour:
                self.network.behaviour[phone] = ["answer"]
        words = self.clip_words.get(name)
        if words is not None:
            if clip_words(cfg) != words:  # its clips no longer say what the config shows
                self.clips_outdated.add(name)
        os.makedirs(self.folder(name), exist_ok=True)
        with open(self.folder(name) + "/config.json", "w") as f:
            json.dump(cfg, f)

    # ----- radio: simulated BLE near, in-memory cellular stand-in far ------------------------

    def radio_position(self, name):
        x, y = self.people[name].position()
        if not self.link_up and name == "B":  # "link down": the devices cannot hear each other
            return x + 1e6, y
        return x, y

    def distance(self):
        (ax, ay), (bx, by) = self.people["A"].position(), self.people["B"].position()
        return math.hypot(ax - bx, ay - by)

    def inject_frame(self, receiver, frame):
        """A frame arrives at `receiver` as a binary SMS from its partner's number (a forger
        who spoofs the sender, or a replay): only the authentication can tell."""
        from link import far

        sender = self.numbers["B" if receiver == "A" else "A"]
        self.submit_uncounted(sender, far.encode(self.numbers[receiver], bytes(frame)))

    def _radio_event(self, kind, name, fields):
        """The simulated stacks' own events: connections made, a stack that hung."""
        self.record(name if name in ("A", "B") else None,
                    kind if kind.startswith("ble_") else "ble_" + kind,
                    dict(fields, who=name) if name not in ("A", "B") else fields)

    async def strangers_pair(self, target, how="once"):
        """Strangers' phones next to `target` pair with whatever advertises connectable:
        "once" (one pairs and leaves), "forget" (it pairs, forgets the pairing, pairs
        again), "crowd N" (N of them, one after another)."""
        from host_sim.radio_world import Stranger

        words = how.split() or ["once"]
        if words[0] not in ("once", "forget", "crowd"):
            raise ValueError("strangers_pair: once, forget or crowd N")
        count = int(words[1]) if words[0] == "crowd" and len(words) > 1 else 1
        for _ in range(count):
            self.strangers += 1
            name = "S%d" % self.strangers

            def near_target():
                x, y = self.radio_position(target)
                return x + 2.0, y

            phone = Stranger(self.radio, name, near_target)
            for rnd in (1, 2) if words[0] == "forget" else (1,):
                if rnd == 2:
                    phone.forget()  # "forget this device" on the phone
                    await asyncio.sleep(2.0)
                enc = await phone.pair_once(limit_s=30.0)
                self.record(None, "stranger_paired", {
                    "to": target, "stranger": name, "round": rnd,
                    "encrypted": enc[1] if enc else None})
            phone.leave()

    def _eavesdrop(self, t, kind, src, dst, payload):
        if kind != "adv" and dst in self.captured:
            self.captured[dst].append(payload)

    def set_link(self, up):
        """"link down": the devices hear each other neither by radio nor by phone."""
        self.link_up = up
        self.network.set_up(up)

    # ----- the GNSS receivers ----------------------------------------------------------------

    def gnss_tick(self):
        """One 1 Hz epoch for every powered receiver: NMEA bytes from the true position."""
        t = self.now()
        for name, port in self.ports.items():
            if not port.gnss_powered():
                continue
            person = self.people[name]
            lat, lon = offset_e7(self.home[0], self.home[1], person.y, person.x)
            data = self.receivers[name].step(t, lat, lon, indoors=not person.gps)
            port.board.gnss().feed(data)

    async def movement(self):
        last_bucket = None
        while True:
            moving = [p for p in self.people.values() if p.target is not None]
            for person in moving:
                if person.step(1.0):
                    self.record(person.name, "arrived",
                                {"from_home_m": round(person.distance_from_home())})
            self.gnss_tick()
            bucket = int(self.distance() // 25)
            arrived = any(p.target is None for p in moving)
            if bucket != last_bucket or arrived:
                last_bucket = bucket
                self.record(None, "true_distance", {"m": round(self.distance())})
            powered = any(port.gnss_powered() for port in self.ports.values())
            await asyncio.sleep(1.0 if moving or powered else 5.0)

    # ----- sound ----------------------------------------------------------------------------

    async def play_audio(self, scene_name):
        """Both microphones hear a scene (rendered per device: its own seed and distances),
        fed one second at a time in simulated time."""
        from array import array

        from dsp_lab.scenes import FS, scene

        rendered = {}
        for i, name in enumerate(("A", "B")):
            samples, info = scene(scene_name, "wearable", seed=self.rng.randrange(1 << 30) + i)
            rendered[name] = samples
        self.record(None, "audio_scene", {"scene": scene_name, "seconds": info["seconds"]})
        seconds = int(info["seconds"])
        for s in range(seconds):
            for name, samples in rendered.items():
                port = self.ports.get(name)
                if port is not None:
                    port.board.microphone().play(array("h", samples[s * FS:(s + 1) * FS]))
            await asyncio.sleep(1.0)

    # ----- people -------------------------------------------------------------------------

    async def press(self, name, hold_s=0.15, count=1):
        for i in range(count):
            port = self.ports.get(name)
            if port is None:
                return
            port.board.button().inject(True, port.ticks_ms())
            await asyncio.sleep(hold_s)
            port = self.ports.get(name)
            if port is None:
                return
            port.board.button().inject(False, port.ticks_ms())
            if i + 1 < count:
                await asyncio.sleep(0.2)

    async def answer_mood(self, name):
        person = self.people[name]
        mood = person.next_mood()
        await asyncio.sleep(person.mood_delay)
        presses = {"calm": (1, 0.15), "so-so": (2, 0.15), "angry": (1, 1.5)}
        if mood not in presses:
            self.record(name, "no_mood_answer")
            return
        count, hold = presses[mood]
        self.record(name, "answers_mood", {"mood": mood})
        await self.press(name, hold, count)

    # ----- running a scenario ---------------------------------------------------------------

    async def run(self, duration_s):
        self.loop = asyncio.get_running_loop()
        self.loop.set_task_factory(self._task_factory)
        for name in ("A", "B"):
            if name not in self.provisioned:
                self.write_config(name, self.configs[name])
        # B's tick counter starts just before its 2**30 wrap, so wrap bugs show in every run.
        self.boot("A", ticks_offset=0)
        self.boot("B", ticks_offset=TICKS_MASK - 300000)
        mover = self.world_task(self.movement())
        script = self.world_task(self.scenario.play(self))
        await asyncio.sleep(duration_s)
        for modem in self.modems.values():
            modem.stop()
        tasks = [mover, script] + list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for name, device in sorted(self.devices.items()):
            stats = {k: v for k, v in device.link_stats().items() if v}
            self.record(name, "link_stats", stats)
            modem = getattr(device.phone, "modem", None)
            if modem is not None:
                self.record(name, "modem_stats", {k: v for k, v in modem.stats.items() if v})
        for name in ("A", "B"):
            self.record(name, "texts_sent", {"n": self.texts[name]})
        if self.hostile is not None:
            self.record(self.hostile.name, "hostile_stats", dict(self.hostile.stats))
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        for name, message in invariants.check(self):
            self.record(None, "invariant_broken", {"invariant": name, "what": message})
        self.record(None, "end", {"ble_connects": sum(1 for x in self.radio.log
                                                      if x[1] == "connect"),
                                  "calls": len(self.network.calls)})
        return self.timeline

    def cleanup(self):
        if not self.flash:
            shutil.rmtree(self.tmp, ignore_errors=True)
