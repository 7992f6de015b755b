"""The fault campaign in make test: 200 random stories with random faults, every invariant of
host_sim/invariants.py checked after each (docs/scenarios.md, "The fault campaign")."""

import io
import os

from host_sim import campaign


def test_two_hundred_random_runs_keep_every_invariant():
    out = io.StringIO()
    failed = campaign.campaign(list(range(1, 201)), jobs=min(2, os.cpu_count() or 1), out=out)
    assert failed == {}, out.getvalue()


def test_a_story_is_a_scenario_file_that_replays_it():
    from host_sim import scenario

    data = campaign.story(137)
    assert data == campaign.story(137), "a seed is its story"
    text = campaign.to_toml(data)
    import tomllib

    assert scenario.Scenario(tomllib.loads(text), "s").steps == \
        scenario.Scenario(data, "s").steps


def test_a_broken_invariant_fails_the_run(monkeypatch):
    from host_sim import invariants

    monkeypatch.setattr(invariants, "CHECKS", invariants.CHECKS + (lambda w: ["planted"],))
    seed, failures = campaign.run_one(3)
    assert any("planted" in f for f in failures)
