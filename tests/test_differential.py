"""The session core gives identical actions under CPython and the real MicroPython interpreter.

Each scenario runs in the simulator with core tracing on; the recorded inputs are replayed by
tests/replay_session.py under CPython and under `micropython`, and all three action streams
(recorded, CPython replay, MicroPython replay) must be identical.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from host_sim import scenario, vloop
from host_sim.world import World
from mpy import FIRMWARE, ROOT, run

REPLAY = Path(__file__).with_name("replay_session.py")
SCENARIOS = ["default", "early_return", "not_calm_at_end", "simultaneous", "link_lost", "reboot",
             "proposal_accepted", "accidental_press", "hostile/forged_calm"]


def record(name):
    scn = scenario.load(ROOT / "scenarios" / (name + ".toml"))
    world = World(scn, seed=scn.seed)
    world.traces = {}
    try:
        vloop.run(world.run(scn.duration))
    finally:
        world.cleanup()
    return world.traces


def normal(actions):
    """Tuples become lists, as JSON does."""
    return json.loads(json.dumps(actions))


@pytest.mark.parametrize("name", SCENARIOS)
def test_core_identical_under_micropython(name, tmp_path):
    traces = record(name)
    assert set(traces) == {"A", "B"}
    for device, records in traces.items():
        path = tmp_path / ("%s.jsonl" % device)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        expected = [normal(data["actions"]) for kind, data in records if kind == "step"]
        assert any(expected), "the trace must contain real actions"

        cpy = subprocess.run([sys.executable, str(REPLAY), str(path)], capture_output=True,
                             env={"PYTHONPATH": str(FIRMWARE)}, timeout=120)
        assert cpy.returncode == 0, cpy.stderr.decode()
        mpy = run(REPLAY, path, heapsize=None)
        assert mpy.returncode == 0, mpy.stderr.decode() + mpy.stdout.decode()[-2000:]

        cpy_lines = [json.loads(x) for x in cpy.stdout.decode().splitlines()]
        mpy_lines = [json.loads(x) for x in mpy.stdout.decode().splitlines()]
        assert cpy_lines == expected
        assert mpy_lines == expected
