"""Boot tier: firmware/main.py starts under the real `micropython` with an ESP32-sized heap and
the sim board, reacts to a scripted button press by starting a time-out, and exits cleanly."""

import json

import pytest

from mpy import ESP32_HEAP, run
from mpy_build import build_device_tree

CONFIG = {"role": "A", "pair_secret": "00112233445566778899aabbccddeeff",
          "contacts": [{"name": "Ann", "phone": "+31611111111"},
                       {"name": "Bob", "phone": "+31622222222"},
                       {"name": "Cy", "phone": "+31633333333"}]}


@pytest.fixture(scope="module")
def device_tree(tmp_path_factory):
    return build_device_tree(tmp_path_factory.mktemp("flash"))


def boot(tree, workdir, script):
    path = workdir / "script.json"
    path.write_text(json.dumps(script))
    import os

    os.environ["TIMEOUT_SIM_SCRIPT"] = str(path)
    try:
        done = run("-m", "main", heapsize=ESP32_HEAP, path=[tree], cwd=workdir, timeout=60)
    finally:
        del os.environ["TIMEOUT_SIM_SCRIPT"]
    lines = [json.loads(x) for x in done.stdout.decode().splitlines() if x.startswith("{")]
    return done, lines


def events(lines, kind):
    return [x["data"] for x in lines if x["kind"] == kind]


def test_boot_press_starts_timeout_and_resumes_after_reboot(device_tree, tmp_path):
    folder = str(tmp_path / "flash")
    done, lines = boot(device_tree, tmp_path, {
        "folder": folder, "run_ms": 2500, "config": CONFIG, "steps": [[400, "press", 80]]})
    assert done.returncode == 0, done.stderr.decode()
    cats = [e["cat"] for e in events(lines, "journal")]
    assert "boot" in cats and "timeout_started" in cats
    assert "fault" not in cats
    sent = [e for e in events(lines, "send") if e["t"] == "start"]
    assert len(sent) == 1, "the partner is told"
    shown = [e for e in events(lines, "feedback") if e["key"] == "timeout_started"]
    assert shown[0]["tone"] == "rise" and max(shown[0]["rgb"]) == 255  # not discreet
    stop = events(lines, "stop")[0]
    # Headroom left in the 110 KB heap with everything running (deterministic, not timing).
    assert stop["heap_used"] <= 150000, stop  # of 225 KB: 110 KB on the ESP32, in 64-bit words

    # Power cycle: the same flash, no press. The time-out must come back, not start anew.
    done, lines = boot(device_tree, tmp_path, {"folder": folder, "run_ms": 1500})
    assert done.returncode == 0, done.stderr.decode()
    cats = [e["cat"] for e in events(lines, "journal")]
    assert "timeout_resumed" in cats and "timeout_started" not in cats


def test_discreet_mode_has_no_tone_and_a_dim_light(device_tree, tmp_path):
    cfg = dict(CONFIG, discreet=True)
    done, lines = boot(device_tree, tmp_path, {"folder": str(tmp_path / "d"), "run_ms": 1500,
                                               "config": cfg, "steps": [[300, "press", 80]]})
    assert done.returncode == 0, done.stderr.decode()
    shown = [e for e in events(lines, "feedback") if e["key"] == "timeout_started"]
    assert shown and shown[0]["tone"] is None and max(shown[0]["rgb"]) <= 32


def test_boot_migrates_a_version_1_config(device_tree, tmp_path):
    old = dict(CONFIG, version=1)
    done, lines = boot(device_tree, tmp_path, {"folder": str(tmp_path / "m"), "run_ms": 800,
                                               "config": old})
    assert done.returncode == 0, done.stderr.decode()
    migrated = [e for e in events(lines, "journal") if e["cat"] == "config_migrated"]
    assert migrated and migrated[0]["from"] == 1


def test_boot_without_config_says_unprovisioned(device_tree, tmp_path):
    done, lines = boot(device_tree, tmp_path, {"folder": str(tmp_path / "empty"),
                                                "run_ms": 800})
    assert done.returncode == 0, done.stderr.decode()
    keys = [e["key"] for e in events(lines, "feedback")]
    assert "unprovisioned" in keys
    faults = [e for e in events(lines, "journal") if e["cat"] == "fault"]
    assert faults and faults[0]["what"] == "config"


def test_boot_with_broken_config_keeps_last_good(device_tree, tmp_path):
    folder = tmp_path / "flash"
    done, _ = boot(device_tree, tmp_path, {"folder": str(folder), "run_ms": 500,
                                           "config": CONFIG})
    assert done.returncode == 0
    bad = dict(CONFIG, leaver="whoever")
    done, lines = boot(device_tree, tmp_path, {"folder": str(folder), "run_ms": 1500,
                                               "config": bad, "steps": [[300, "press", 80]]})
    assert done.returncode == 0, done.stderr.decode()
    journal = events(lines, "journal")
    rejected = [e for e in journal if e["cat"] == "config_rejected"]
    assert rejected and rejected[0]["field"] == "leaver"
    assert "timeout_started" in [e["cat"] for e in journal]
