"""Helpers for the provisioning and report tests: a couple document, a short simulated week."""

import copy
import json
import os

from host_sim import scenario, vloop
from host_sim import world as world_mod
from host_sim.world import HOME_LAT_E7, HOME_LON_E7, World

ALL = {"timeouts": True, "proposals": True, "distance": True, "contacts": True,
       "moods": True, "power": True, "faults": True}


def couple_doc(consent_a=None, consent_b=None, ref="test-0001"):
    def person(name, base):
        return {"wearer_name": name, "task": "Walk to the river",
                "phone": "+3161200000%d" % base,
                "contacts": [{"name": "C%d" % i, "phone": "+316300000%d%d" % (base, i)}
                             for i in range(3)]}

    doc = {"couple": ref,
           "home": {"lat": HOME_LAT_E7 / 1e7, "lon": HOME_LON_E7 / 1e7, "radius_m": 75},
           "settings": {"leaver": "A", "timeout_min": 30, "mood_interval_min": 10},
           "A": dict(person("Sam", 1), consent=dict(consent_a or ALL)),
           "B": dict(person("Alex", 2), consent=dict(consent_b or ALL))}
    return copy.deepcopy(doc)


# Sunday 22:00 UTC to Monday: two calendar weeks in a few simulated hours, two time-outs, mood
# answers, a walk back too soon (distance violation, contact chain).
SUNDAY_22H = 1799013600  # 2027-01-03T22:00:00Z
SHORT_WEEK = {
    "name": "short week",
    "duration": "3h30m",
    "A": {"moods": ["angry", "so-so", "calm"]},
    "B": {"moods": ["so-so", "calm"]},
    "at": [{"t": "2m", "B": "press"}, {"t": "3m", "A": "walk 300"},
           {"t": "40m", "A": "walk home"},
           {"t": "2h05m", "A": "press"}, {"t": "2h06m", "A": "walk 300"},
           {"t": "2h12m", "A": "walk home"}],
}


def run_week(folders, spec=SHORT_WEEK):
    """Run the simulated span on the devices whose storage folders are given (they hold the
    provisioned config.json). Returns the timeline."""
    scn = scenario.Scenario(copy.deepcopy(spec), "short week")
    world = World(scn, seed=3)
    for name in ("A", "B"):
        with open(os.path.join(folders[name], "config.json")) as f:
            world.configs[name] = json.load(f)
    world.folder = lambda name: folders[name]
    saved = world_mod.EPOCH_START
    world_mod.EPOCH_START = SUNDAY_22H  # the devices' wall clock (DevicePort.epoch_s)
    try:
        return vloop.run(world.run(scn.duration))
    finally:
        world_mod.EPOCH_START = saved
        world.cleanup()
