"""The simulator's speaker: the firmware's own Speaker on the simulated board, with the clips the
world provisioned. The timeline shows each prompt and what it said; a prompt made for another
config stays silent; the invariant `spoken_as_shown` fails a run whose device says other words
than it shows, or shows words and says nothing."""

import os

from care.prompts import clip_file
from host_sim import invariants, scenario
from host_sim.run_cli import simulate
from host_sim.world import provisioned_clips
from ui.prompts import words_check


def _scn(**extra):
    data = {"duration": "5m", "at": [{"t": "1m", "A": "press"}]}
    data.update(extra)
    return scenario.Scenario(data)


def _of(timeline, event, device=None):
    return [e for e in timeline if e["event"] == event and (device is None or
                                                          e.get("device") == device)]


def test_the_timeline_shows_each_prompt_with_the_words_shown():
    timeline = simulate(_scn())
    assert _of(timeline, "invariant_broken") == []
    for device in "AB":
        said = [e for e in _of(timeline, "say", device) if e["text"]]
        prompts = _of(timeline, "prompt", device)
        assert said and len(prompts) == len(said), (said, prompts)
        start = next(p for p in prompts if "Time-out" in p["text"])
        assert start["result"] == "said" and start["clips"] >= 4
        assert "Een stuk wandelen" in start["text"], start  # the config's task, spoken


def test_a_board_without_a_speaker_says_nothing():
    timeline = simulate(_scn(speaker=["B"]))
    assert _of(timeline, "prompt", "A") == [] and _of(timeline, "prompt", "B")
    assert _of(timeline, "invariant_broken") == []


def test_clips_made_for_another_contact_stay_silent_not_wrong():
    """A's first contact is renamed after provisioning and the device reboots: the start cue
    names no contact, but a call names one, and that clip's check fails. Nothing wrong is said;
    the run's invariants know the clips are outdated and do not call the silence a fault."""
    contacts = [{"name": "Nieuw %d" % i, "phone": "+3161%d000000" % (i + 1)} for i in range(3)]
    scn = _scn(duration="12m", at=[
        {"t": "30s", "who": "A", "config": {"contacts": contacts}},
        {"t": "40s", "A": "reboot 5"},
        {"t": "2m", "A": "press"},
        {"t": "2m30s", "A": "walk 300"},
        {"t": "3m", "B": "walk 300"},
        {"t": "6m", "A": "walk home"},
        {"t": "6m", "B": "walk home"},
    ])
    timeline = simulate(scn)
    prompts = _of(timeline, "prompt", "A")
    assert any(p["result"] == "stale" for p in prompts), prompts
    for p in prompts:  # no prompt with a contact's name in it was said
        assert not (p["result"] == "said" and "contact" in p["text"].lower()), p
    assert _of(timeline, "invariant_broken") == []


def _world(timeline, outdated=()):
    class W:
        pass

    w = W()
    w.timeline = timeline
    w.clips = {"A": {"k_status_0": (1, 900)}}  # a device provisioned with prompts
    w.configs = {"A": {}}
    w.clips_outdated = set(outdated)
    return w


def _event(t, event, **fields):
    return dict(fields, t=t, event=event, device="A")


def test_the_invariant_fails_a_device_that_says_other_words():
    say = _event(1.0, "say", key="status", text="Nog 10 minuten.")
    right = _event(1.1, "prompt", result="said", clips=3, text="Nog 10 minuten")
    wrong = _event(1.1, "prompt", result="said", clips=3, text="Nog 15 minuten")
    assert invariants.spoken_as_shown(_world([say, right])) == []
    assert invariants.spoken_as_shown(_world([say, wrong])) != []


def test_the_invariant_fails_a_cue_shown_and_never_said():
    say = _event(1.0, "say", key="status", text="Nog 10 minuten.")
    later = _event(30.0, "say", key="mood_ask", text="Hoe voel je je?")
    said = _event(30.1, "prompt", result="said", clips=1, text="Hoe voel je je?")
    assert invariants.spoken_as_shown(_world([say, later, said])) != []
    superseded = dict(later, t=1.2)
    assert invariants.spoken_as_shown(_world([say, superseded, dict(said, t=1.3)])) == []
    silent = _event(1.1, "prompt", result="stale", clips=3, text="Nog 10 minuten")
    assert invariants.spoken_as_shown(_world([say, silent])) != []
    assert invariants.spoken_as_shown(_world([say, silent], outdated="A")) == []
    unvoiced = _world([say, dict(silent, result="missing")])
    unvoiced.clips = {"A": {}}  # provisioned without prompts: it shows and vibrates only
    assert invariants.spoken_as_shown(unvoiced) == []


def test_a_provisioned_devices_clips_are_read_from_its_prompts_folder(tmp_path):
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "task.ul").write_bytes(clip_file("Fietsen", [0] * 16000))  # 2 s at 8 kHz
    (folder / "torn.ul").write_bytes(b"UL")
    (folder / "notes.txt").write_text("not a clip")
    assert provisioned_clips({}, str(folder)) == {"task": (words_check("Fietsen"), 2000)}
    assert provisioned_clips({}, os.path.join(str(tmp_path), "none")) == {}


def test_a_config_counts_from_the_next_boot_for_the_invariants():
    """A config written mid-run takes effect when the device next boots (docs/scenarios.md): the
    invariants' list of contacts follows it, and the world gives a new contact a phone."""
    from host_sim.world import World

    new = [{"name": "Noor", "phone": "+31641000000"}, {"name": "Sem", "phone": "+31642000000"},
           {"name": "Tess", "phone": "+31643000000"}]
    timeline = simulate(_scn(duration="3m", at=[
        {"t": "30s", "who": "B", "config": {"contacts": new}},
        {"t": "1m", "B": "reboot 5"}]))
    assert _of(timeline, "invariant_broken") == []
    w = World.__new__(World)  # only what config_at reads
    w.timeline = [{"t": 0.0, "event": "power_on", "device": "B"},
                  {"t": 65.0, "event": "power_on", "device": "B"}]
    w.configs = {"B": {"contacts": [{"name": "old", "phone": "+31621000000"}]}}
    w.config_log = {"B": [(30.0, {"contacts": new})]}
    assert w.config_at("B", 40.0)["contacts"][0]["name"] == "old", "written, not yet booted"
    assert w.config_at("B", 70.0)["contacts"][0]["name"] == "Noor"
    assert invariants._Run(w).contacts("B", 70.0) == ["Noor", "Sem", "Tess"]
    assert invariants._Run(w).contacts("B", 40.0) == ["old"]
