"""The hostile partner of the scenario language: checked when loaded, and its frames authentic."""

import pytest

from host_sim import scenario
from host_sim.run_cli import simulate


def load(steps, hostile="B", **top):
    data = {"name": "t", "duration": "6m", "at": steps,
            "expect": [{"event": "hostile_sent"}]}
    if hostile:
        data["hostile"] = hostile
    data.update(top)
    return scenario.Scenario(data)


@pytest.mark.parametrize("spec, words", [
    ({"send": "hug"}, "hostile.send"),
    ({"send": "mood", "m": "happy"}, "hostile.m"),
    ({"send": "undo", "colour": 1}, "unknown key"),
    ({"send": "state", "flood": 0}, "hostile.flood"),
    ({"send": "pos", "via": "pigeon"}, "hostile.via"),
    ("dance", "mute"),
])
def test_a_wrong_hostile_action_is_a_clear_error(spec, words):
    with pytest.raises(scenario.ScenarioError, match=words):
        load([{"t": "1m", "hostile": spec}])


def test_a_hostile_action_needs_a_hostile_device():
    with pytest.raises(scenario.ScenarioError, match="hostile = "):
        load([{"t": "1m", "hostile": {"send": "undo"}}], hostile=None)


def test_forged_frames_over_ble_are_authentic_and_the_late_undo_refused():
    scn = load([{"t": "1m", "A": "press"},
                {"t": "3m", "hostile": {"send": "undo", "via": "ble"}},
                {"t": "3m10s", "hostile": {"send": "pos", "at": "A", "via": "ble"}}],
               expect=[{"event": "partner_claim_refused", "device": "A",
                        "fields": {"reason": "late_undo"}, "count": 1}])
    timeline = simulate(scn)
    assert scn.check(timeline) == []
    sent = [e for e in timeline if e["event"] == "hostile_sent"]
    assert [(e["msg"], e["via"], e["frames"]) for e in sent] == [("undo", "ble", 1),
                                                                  ("pos", "ble", 1)]
    # All authentic: A rejects no more frames than in the same evening without the hostile
    # frames (the first key epoch's handshake costs a frame or two under the old keys).
    honest = simulate(load([{"t": "1m", "A": "press"}], expect=[]))

    def rejected(tl):
        stats = [e for e in tl if e["event"] == "link_stats" and e["device"] == "A"][0]
        return {k: v for k, v in stats.items() if k.startswith("rej_") and k != "rej_dup"}
    assert rejected(timeline) == rejected(honest)
