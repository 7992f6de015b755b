"""Every scenario file passes its own expectations, and no firmware fault happens in any."""

import copy
from pathlib import Path

import pytest

from host_sim import scenario
from host_sim.run_cli import simulate

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "scenarios").rglob("*.toml"))


# Simulated spans longer than this (the week demo) run in `make test-long`, not `make test`.
LONG_S = 24 * 3600
_RUNS = {}  # one simulation per scenario file and test process (the same seed, the same run)


def run(path):
    """The scenario and its timeline. A scenario is simulated once per test process; each
    caller gets its own copy (runs are deterministic, tests/test_determinism.py)."""
    scn = scenario.load(path)
    if str(path) not in _RUNS:
        _RUNS[str(path)] = simulate(scenario.load(path))
    return scn, copy.deepcopy(_RUNS[str(path)])


def same_run(name):
    """Tests that read one scenario's run share a test process with that scenario's own test
    (`make test` spreads tests over the cores with pytest-xdist --dist loadgroup)."""
    return pytest.mark.xdist_group(name)


def _param(path):
    marks = [same_run(path.stem)]
    if scenario.load(path).duration > LONG_S:
        marks.append(pytest.mark.long)
    return pytest.param(path, marks=marks, id=path.stem)


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_scenario_expectations_hold(path):
    scn, timeline = run(path)
    assert scn.expects, "a scenario without expectations tests nothing"
    assert scn.check(timeline) == []
    crashes = [e for e in timeline if e["event"] == "firmware_crash"]
    faults = [e for e in timeline if e["event"] == "fault"]
    assert crashes == [] and faults == []


@same_run("default")
def test_expectations_can_fail():
    """The checker itself: a scenario whose story contradicts its expectations fails."""
    scn, timeline = run(ROOT / "scenarios" / "default.toml")
    scn.expects.append({"event": "distance_violation", "where": "test", "min": 1})
    scn.expects.append({"event": "timeout_started", "where": "test", "count": 3})
    failures = scn.check(timeline)
    assert len(failures) == 2


@same_run("simultaneous")
def test_simultaneous_presses_converge_on_one_timeout():
    _, timeline = run(ROOT / "scenarios" / "simultaneous.toml")
    started = {e["device"]: e["tid"] for e in timeline if e["event"] == "timeout_started"}
    ended = {e["device"]: e["tid"] for e in timeline if e["event"] == "timeout_ended"}
    assert started["A"] != started["B"], "each device really started its own"
    assert ended["A"] == ended["B"], "and they converged on one"


@same_run("reboot")
def test_reboot_keeps_the_remaining_time():
    _, timeline = run(ROOT / "scenarios" / "reboot.toml")
    ends = [e for e in timeline if e["event"] == "timeout_ended"]
    assert len(ends) == 2
    assert abs(ends[0]["t"] - ends[1]["t"]) < 10
    resumed = [e for e in timeline if e["event"] == "timeout_resumed" and e["device"] == "A"]
    # A was off from 20:00 to 22:00 after a start at 1:00: it resumes 21 minutes in.
    assert 21 * 60 - 5 <= resumed[0]["elapsed_s"] <= 21 * 60 + 5


@same_run("full_day")
def test_full_day_is_a_day():
    scn, timeline = run(ROOT / "scenarios" / "full_day.toml")
    assert scn.duration == 24 * 3600
    assert timeline[-1]["t"] == 24 * 3600


@same_run("link_lost")
def test_link_lost_delivery_really_failed():
    """The link_lost scenario only means something if nothing got through while down."""
    _, timeline = run(ROOT / "scenarios" / "link_lost.toml")
    heard = [e for e in timeline if e["event"] == "partner_mood" and 4 * 60 < e["t"] < 40 * 60]
    assert heard == []
    assert [e for e in timeline if e["event"] == "partner_mood" and e["t"] > 40 * 60]


@same_run("attacks")
def test_attack_frames_are_rejected_and_counted():
    _, timeline = run(ROOT / "scenarios" / "attacks.toml")
    stats = {e["device"]: e for e in timeline if e["event"] == "link_stats"}
    replays = [e for e in timeline if e["event"] == "world_replay"]
    assert len(replays) == 2 and replays[0]["frames"] >= 20
    # Replayed frames reached the channel and were dropped there (as old, or as repeats
    # inside the replay window); the scenario's expectations show none changed anything.
    rejected = stats["B"].get("rej_replay", 0) + stats["B"].get("rej_dup", 0)
    assert rejected >= replays[0]["frames"]
    garbage = sum(v for k, v in stats["B"].items() if k in ("rej_short", "rej_length",
                                                            "rej_tag", "rej_type"))
    assert garbage >= 2
    assert not [e for e in timeline if e["event"] == "script_error"]


def test_power_cut_loses_no_complete_journal_entry(tmp_path):
    from host_sim import vloop
    from host_sim.world import World
    from store.journal import Journal

    scn = scenario.load(ROOT / "scenarios" / "power_cut.toml")
    world = World(scn, seed=scn.seed, flash=str(tmp_path))
    timeline = vloop.run(world.run(scn.duration))
    assert scn.check(timeline) == []
    appended = world.journaled["A"]  # every append, as the firmware made them
    journal = Journal(str(tmp_path / "A"))
    entries = journal.entries()
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(1, len(seqs) + 1)), "contiguous: nothing lost in between"
    assert journal.errors == 1, "exactly the torn line is skipped"
    # Everything appended is on flash but the one line the cut tore (its number was reused).
    assert len(entries) == len(appended) - 1
    cats = [e["cat"] for e in entries]
    assert cats.count("timeout_started") == 1 and "timeout_resumed" in cats


@same_run("far_link")
def test_far_link_really_went_by_text():
    _, timeline = run(ROOT / "scenarios" / "far_link.toml")
    stats = {e["device"]: e for e in timeline if e["event"] == "modem_stats"}
    assert stats["A"]["far_received"] > 10 and stats["B"]["far_received"] > 10
    assert not stats["A"].get("sms_ignored") and not stats["B"].get("sms_ignored")
