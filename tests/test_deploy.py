"""Deploy end to end against a virtual device (the micropython unix port on a pseudo-terminal,
driven by mpremote with `resume`): build, copy, verify, catch a corrupted file, then import
the firmware there and run the self-test with the sim board. The frozen layout too, with the
sim board's frozen image on the virtual device's search path after its flash (see
tests/test_boot.py). Also: every board's tree builds for the ESP32 (xtensawin), both ways."""

import json
import math
import shutil
import subprocess

import pytest

from host_sim.vdevice import VirtualDevice
from mpy import ROOT
from tools import deploy, devtree

MPREMOTE = str(ROOT / ".venv" / "bin" / "mpremote")
GGA = b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"


def mpremote(port, *args):
    exe = MPREMOTE if __import__("os").path.exists(MPREMOTE) else "mpremote"
    done = subprocess.run([exe, "connect", port, "resume", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def json_lines(text):
    return [json.loads(x) for x in text.splitlines() if x.startswith("{")]


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vdev")
    build = tmp_path_factory.mktemp("build") / "sim"
    with VirtualDevice(folder) as dev:
        rc = deploy.main(["--board", "sim", "--port", dev.port, "--arch", "host", "--resume",
                          "--out", str(build)])
        assert rc == 0
        yield dev, folder, build


def test_deploy_copies_and_verifies_the_tree(device):
    dev, folder, build = device
    files = sorted(p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file())
    assert "board.mpy" in files and "main.py" in files and "selftest.mpy" in files
    for f in files:
        assert (folder / f).read_bytes() == (build / f).read_bytes(), f


def test_verify_catches_a_corrupt_or_missing_file(device):
    dev, folder, build = device
    files = devtree.build("sim", build, "host").files
    target = folder / "compat.mpy"
    good = target.read_bytes()
    try:
        target.write_bytes(good[:-3])
        (folder / "ui" / "cues_nl.txt").rename(folder / "ui" / "cues_nl.bak")
        ok, problems, _ = deploy.verify(dev.port, build, files, resume=True)
        assert not ok
        assert "compat.mpy: differs from the build" in problems
        assert "ui/cues_nl.txt: missing on the device" in problems
    finally:
        target.write_bytes(good)
        (folder / "ui" / "cues_nl.bak").rename(folder / "ui" / "cues_nl.txt")
    assert deploy.verify(dev.port, build, files, resume=True)[0]


def test_verify_removes_a_stale_source_that_would_shadow_bytecode(device):
    dev, folder, build = device
    (folder / "drivers" / "pattern.py").write_text("raise ImportError('stale')\n")
    files = devtree.build("sim", build, "host").files
    ok, _, removed = deploy.verify(dev.port, build, files, resume=True)
    assert ok and removed == ["drivers/pattern.py"]
    assert not (folder / "drivers" / "pattern.py").exists()


def test_selftest_runs_on_the_deployed_sim_board(device):
    dev, _, _ = device
    lines = json_lines(mpremote(dev.port, "exec", "import selftest; selftest.run()"))
    checks = {x["check"]: x for x in lines if "check" in x}
    assert checks["board"]["name"] == "sim"
    assert checks["feedback"]["status"] == "ok"
    assert checks["mic"]["status"] == "absent" and checks["modem"]["status"] == "absent"
    assert checks["summary"]["status"] == "ok" and checks["summary"]["heap_free"] > 0
    shown = [x["data"]["key"] for x in lines if x.get("kind") == "feedback"]
    assert shown == ["selftest", "selftest_off"]


def test_selftest_hears_the_mic_and_reads_the_gnss_on_the_device(device):
    dev, _, _ = device
    amplitude = 8000
    script = (
        "import board, selftest, math\nfrom array import array\n"
        "class P(board.ScriptPort):\n    has_mic = True\n    has_gnss = True\n"
        "hw = board.Board(P({'folder': 'st_data'}))\n"
        "a = array('h', bytes(3200))\n"
        "for i in range(1600):\n    a[i] = int(%d * math.sin(2 * math.pi * i / 32))\n"
        "hw._mic.play(a)\n"
        "hw._gnss.feed(%r)\n"
        "selftest.run(hw, listen_ms=400)\n" % (amplitude, GGA))
    checks = {x["check"]: x for x in json_lines(mpremote(dev.port, "exec", script))
              if "check" in x}
    mic = checks["mic"]
    assert mic["status"] == "ok" and mic["samples"] == 1600
    assert abs(mic["peak"] - amplitude) <= 1
    # a sine of amplitude A reads 20 log10(A / 32767) dBFS; +94 - (-26) dB SPL (INMP441)
    want = 20 * math.log10(amplitude / 32767)
    assert abs(mic["dbfs"] - want) < 0.2 and abs(mic["spl_db"] - (want + 120)) < 0.2
    gnss = checks["gnss"]
    assert gnss["status"] == "fix" and gnss["sats"] == 8 and gnss["time"] == "12:35:19"
    assert gnss["lat_e7"] == 481173000 and gnss["lon_e7"] == 115166667
    assert checks["summary"]["status"] == "ok"


def test_firmware_boots_on_the_virtual_device(device):
    """Import the deployed firmware's boot path there: app + device shell with the sim board."""
    dev, _, _ = device
    out = mpremote(dev.port, "exec", "import app, shell.device, board, selftest\n"
                   "print('IMPORTED', board.Board.name)")
    assert "IMPORTED sim" in out


def test_frozen_deploy_clears_what_would_hide_the_image(tmp_path):
    """A device with the firmware frozen into its image gets main.py only; a /ui folder (the
    cue file as docs/boards.md once said) or an old module on the flash is removed, /data kept,
    and then the firmware imports from the image with its cue texts."""
    build = tmp_path / "build"
    tree = devtree.build("sim", build, "host", "frozen")
    flash = tmp_path / "flash"
    (flash / "ui").mkdir(parents=True)
    shutil.copy(devtree.FIRMWARE / "ui" / "cues_nl.txt", flash / "ui" / "cues_nl.txt")
    (flash / "app.mpy").write_bytes(b"M\x06 an old build")
    (flash / "data").mkdir()
    (flash / "data" / "config.json").write_text('{"role": "A"}')
    with VirtualDevice(flash, frozen=tree.image) as dev:
        before = subprocess.run([deploy.devtree.tool("mpremote"), "connect", dev.port,
                                 "resume", "exec", "import ui.buttons"],
                                capture_output=True, text=True, timeout=60)
        assert "no module named 'ui.buttons'" in before.stdout + before.stderr
        ok, problems, _ = deploy.verify(dev.port, tree.flash, tree.files, True, tree.shadows())
        assert not ok and "ui: on the device, it hides the frozen firmware" in problems
        assert deploy.main(["--board", "sim", "--port", dev.port, "--arch", "host", "--resume",
                            "--layout", "frozen", "--out", str(build)]) == 0
        assert sorted(p.relative_to(flash).as_posix() for p in flash.rglob("*")
                      if p.is_file()) == ["data/config.json", "main.py"]
    with VirtualDevice(flash, frozen=tree.image) as dev:  # reset: a fresh interpreter
        out = mpremote(dev.port, "exec",
                       "import app, shell.device, board, json\nfrom ui.feedback import cue\n"
                       "print(json.dumps(cue('move_apart', {})))")
    rgb, vibration, tone, text = json.loads(out.strip().splitlines()[-1])
    line = next(x for x in (devtree.FIRMWARE / "ui" / "cues_nl.txt").read_text(
                    encoding="utf-8").splitlines()
                if x.startswith("move_apart|")).split("|")
    assert rgb == [int(x) for x in line[1].split(",")] and tone == line[3] and text == line[4]


@pytest.mark.parametrize("board", ["esp32_devkitc", "lilygo_t_a7670e", "home_unit"])
def test_every_board_tree_builds_for_the_esp32(board, tmp_path):
    files = devtree.build(board, tmp_path / board, "xtensawin").files
    assert "board.mpy" in files and "main.py" in files
    mpy = (tmp_path / board / "drivers" / "i2s_mic.mpy").read_bytes()
    assert mpy[0] == ord("M")  # an .mpy, compiled for the target
    frozen = devtree.build(board, tmp_path / "frozen", "xtensawin", "frozen")
    assert frozen.files == ["main.py"] and "ui/cue_text_nl.mpy" in frozen.image_files
    assert (frozen.image / "board.mpy").read_bytes()[0] == ord("M")
    with pytest.raises(devtree.BuildError):
        devtree.build("no_such_board", tmp_path / "x")


def test_deploy_cli_errors_are_clear(capsys):
    assert deploy.main(["--board", "nope", "--build-only", "--out", "/tmp/none"]) == 2
    assert "unknown board" in capsys.readouterr().err
    assert deploy.main(["--board", "sim", "--arch", "pdp11", "--build-only"]) == 2
    assert "unknown arch" in capsys.readouterr().err


def test_package_json_lists_every_firmware_file():
    data = json.loads((ROOT / "package.json").read_text())
    listed = {dest for dest, _ in data["urls"]}
    fw = ROOT / "firmware"
    want = {p.relative_to(fw).as_posix() for p in fw.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".txt")}
    assert listed == want
    assert all(src == "firmware/" + dest for dest, src in data["urls"])
