"""Boot tier: firmware/main.py starts under the real `micropython` with an ESP32-sized heap and
the sim board, reacts to a scripted button press by starting a time-out, and exits cleanly.

Both ways of installing boot: .mpy files on the flash, and the frozen layout, simulated: the
image that boards/sim/manifest.py freezes is put on the module search path after the flash
and the unix port's own frozen modules, where a device searches its frozen image; the flash
holds main.py and the device's data only.

The heap is unix_port.BOOT_HEAP: an ESP32 without PSRAM (110 KB at most), for the firmware
without its BLE link (the sim board has none), at the 1.5 bytes this 64-bit port needs per byte
of the 32-bit ESP32 (measured; see tools/unix_port.py and docs/boards.md, Heap). Next to the
BLE link the .mpy layout no longer fits (make bench prints by how much); the frozen build does.
A boot that runs out of it fails here, even where the firmware survives the MemoryError.
"""

import json
import shutil

import pytest

from mpy import run
from tools import devtree
from tools.unix_port import BOOT_HEAP

CONFIG = {"role": "A", "pair_secret": "dd2970e6874e9d835dc443a528a719f3",
          "contacts": [{"name": "Ann", "phone": "+31611111111"},
                       {"name": "Bob", "phone": "+31622222222"},
                       {"name": "Cy", "phone": "+31633333333"}]}


@pytest.fixture(scope="module")
def device_tree(tmp_path_factory):
    return devtree.build("sim", tmp_path_factory.mktemp("flash"), "host").flash


@pytest.fixture(scope="module")
def frozen_tree(tmp_path_factory):
    return devtree.build("sim", tmp_path_factory.mktemp("frozen"), "host", "frozen")


def boot(tree, workdir, script, path=None):
    """Boot main.py from `tree` (or with the module search path `path`) on the sim board."""
    script_file = workdir / "script.json"
    script_file.write_text(json.dumps(script))
    done = run("-m", "main", heapsize=BOOT_HEAP, path=path or [tree], cwd=workdir, timeout=60,
               env={"TIMEOUT_SIM_SCRIPT": str(script_file)})
    lines = [json.loads(x) for x in done.stdout.decode().splitlines() if x.startswith("{")]
    out_of_heap = [x for x in lines if "MemoryError" in json.dumps(x)]
    assert not out_of_heap and b"MemoryError" not in done.stderr, (out_of_heap, done.stderr)
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
    # Dutch unless the config says otherwise, read from the .mpy tree's cues_nl.txt
    assert shown[0]["text"].startswith(cue_line("timeout_started")[4].split("{")[0])
    assert "Blijf waar je bent." in shown[0]["text"] or "Jij gaat" in shown[0]["text"]

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


def cue_line(key, lang="nl"):
    """The cue table's own line for key, as docs and translators see it."""
    path = devtree.FIRMWARE / "ui" / ("cues_%s.txt" % lang)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(key + "|"):
            return line.split("|", 4)
    raise KeyError(key)


def flash_files(flash):
    return sorted(p.relative_to(flash).as_posix() for p in flash.rglob("*") if p.is_file())


def test_frozen_layout_boots_from_a_flash_with_only_main_and_data(frozen_tree, tmp_path):
    flash = tmp_path / "flash"
    shutil.copytree(frozen_tree.flash, flash)
    assert flash_files(flash) == ["main.py"]
    path = [flash, ".frozen", frozen_tree.image]  # .frozen: the unix port's asyncio & co.
    done, lines = boot(None, tmp_path, {"folder": str(flash / "data"), "run_ms": 2500,
                                        "config": dict(CONFIG, language="en"),
                                        "steps": [[400, "press", 80]]}, path)
    assert done.returncode == 0, done.stderr.decode()
    cats = [e["cat"] for e in events(lines, "journal")]
    assert "timeout_started" in cats and "fault" not in cats
    # the cue texts are frozen with the code: the same colour, tone and words as the cue file
    # of the configured language
    _, rgb, _, tone, text = cue_line("timeout_started", "en")
    shown = [e for e in events(lines, "feedback") if e["key"] == "timeout_started"][0]
    assert shown["rgb"] == [int(x) for x in rgb.split(",")] and shown["tone"] == tone
    assert shown["text"].startswith(text.split("{")[0]) and "{" not in shown["text"]
    assert all(f == "main.py" or f.startswith("data/") for f in flash_files(flash))

    done, lines = boot(None, tmp_path, {"folder": str(flash / "data"), "run_ms": 1500}, path)
    assert done.returncode == 0, done.stderr.decode()
    assert "timeout_resumed" in [e["cat"] for e in events(lines, "journal")]


def test_a_ui_folder_on_the_flash_hides_the_frozen_package(frozen_tree, tmp_path):
    """What docs/boards.md used to say (copy the cue file to the flash) fails as on a device:
    the filesystem is searched first, and its ui folder is taken for the ui package."""
    flash = tmp_path / "flash"
    shutil.copytree(frozen_tree.flash, flash)
    (flash / "ui").mkdir()
    shutil.copy(devtree.FIRMWARE / "ui" / "cues_nl.txt", flash / "ui" / "cues_nl.txt")
    done, _ = boot(None, tmp_path, {"folder": str(flash / "data"), "run_ms": 500,
                                    "config": CONFIG}, [flash, ".frozen", frozen_tree.image])
    assert done.returncode != 0
    assert "ImportError: no module named 'ui." in done.stderr.decode()


def test_the_frozen_image_is_what_the_manifest_freezes(frozen_tree):
    """Every firmware module, the board and the cue table; nothing on the flash that shares a
    name with it (that would hide it)."""
    modules = {p.relative_to(devtree.FIRMWARE).as_posix()[:-3] + ".mpy"
               for p in devtree.FIRMWARE.rglob("*.py") if "__pycache__" not in p.parts}
    modules.discard("main.mpy")
    image = set(frozen_tree.image_files)
    assert image == modules | {"board.mpy", "ui/cue_text_nl.mpy", "ui/cue_text_en.mpy"}
    assert {p.relative_to(frozen_tree.image).as_posix() for p in frozen_tree.image.rglob("*")
            if p.is_file()} == image
    assert "ui" in frozen_tree.shadows() and "app.mpy" in frozen_tree.shadows()
    assert not set(frozen_tree.files) & set(frozen_tree.shadows())


def test_a_running_time_out_allocates_little(device_tree, tmp_path):
    """Five seconds of a started time-out on the booted .mpy firmware, the collector held off:
    what the heap gains is what the device allocates per second with nothing happening (a
    heartbeat to the partner is in it). A wait that made a task would cost about 1.4 KB."""
    done, lines = boot(device_tree, tmp_path, {
        "folder": str(tmp_path / "flash"), "run_ms": 8500, "config": CONFIG,
        "steps": [[400, "press", 80], [3000, "alloc", 5000]]})
    assert done.returncode == 0, done.stderr.decode()
    assert "timeout_started" in [e["cat"] for e in events(lines, "journal")]
    counted = events(lines, "alloc")[0]
    per_s = counted["bytes"] * 1000 / counted["ms"]
    assert counted["ms"] >= 5000 and per_s < 200, counted
