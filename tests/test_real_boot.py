"""Every real board boots its whole firmware (app.start, as main.py does) under the real
micropython, from the same .mpy files `make deploy` copies, on the fake machine and bluetooth
modules (tests/fake_hw): a provisioned config, one press of the button, and the time-out starts
and its first cue plays (tests/real_boot_mpy.py). Boards without a modem or GNSS run without.

The heap is not an ESP32's: from .mpy files a real board's firmware needs about 270 KB here
(about 179 KB on the 32-bit ESP32, docs/boards.md), more than a WROOM without PSRAM has; the
LilyGO's WROVER has PSRAM, and the WROOM builds take the frozen image. So the boot runs with
host_sim.bench_system.REAL_BOOT_HEAP, and `make bench` prints each board's figure.
"""

import json

import pytest

from host_sim.bench_system import real_boot


def boot_real_board(board, tmp_path):
    return real_boot(board, tmp_path)


@pytest.mark.parametrize("board", ["esp32_devkitc", "lilygo_t_a7670e", "home_unit"])
def test_a_real_board_boots_and_a_press_starts_a_time_out(board, tmp_path):
    done = boot_real_board(board, tmp_path)
    assert done.returncode == 0 and b"MemoryError" not in done.stderr, done.stderr.decode()
    r = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert r["journal"][0] == "boot" and "timeout_started" in r["journal"], r["journal"]
    assert r["faults"] == [], r["faults"]
    assert r["led"] and r["led"][-1] == [0, 0, 64], "the time-out's blue, at the LED's brightness"
    assert {"irq", "active", "gatts_register_services", "gap_advertise"} <= set(r["ble"])
    assert r["heap_running"] > 0
    # two seconds of the running time-out: the BLE loop, the GNSS and modem readers and the
    # session wait all the while (a task per wait would be 1.4 KB each, tens a second); the
    # modem here never answers, so its init retries are in it
    assert r["alloc_2s"] < 2000, r["alloc_2s"]
    if board == "home_unit":
        assert r["motor"] is None and r["cpu_hz"] == 160000000
    else:
        motor = r["motor"]
        assert max(motor) > 0 and motor[-1] == 0, "the start's vibration played and ended off"
        assert r["cpu_hz"] == 80000000


@pytest.mark.parametrize("board,discreet", [("esp32_devkitc", False), ("esp32_devkitc", True),
                                            ("lilygo_t_a7670e", False)])
def test_the_wearables_speak_the_start_unless_discreet(board, discreet, tmp_path):
    done = real_boot(board, tmp_path, config={"discreet": discreet}, prompts=True)
    assert done.returncode == 0, done.stderr.decode()
    r = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert "timeout_started" in r["journal"] and r["faults"] == []
    if discreet:
        assert r["spoken_bytes"] == 0 and r["speaker"]["played"] == 0
    else:
        # "Time-out. Je taak: <task>. Blijf waar je bent. 60 minuten." as its clips, whole
        assert r["speaker"]["missing"] == 0 and r["speaker"]["played"] >= 5, r["speaker"]
        assert r["spoken_bytes"] > 2 * 8000, "seconds of speech went to the amplifier"


@pytest.mark.parametrize("board", ["esp32_devkitc", "lilygo_t_a7670e", "home_unit"])
def test_a_real_board_asks_for_help_and_calls_its_first_contact(board, tmp_path):
    """With a module that answers (tests/fake_hw/fake_modem.py): registered at boot, a triple
    press during the time-out asks for help, the first contact is texted and then called and
    picks up, all through the board's own UART, AT engine and call tracker. The home unit has no
    modem: the chain ends at once and the wearer is told to phone the contact."""
    done = real_boot(board, tmp_path, run_ms=12000, call=True)
    assert done.returncode == 0 and b"MemoryError" not in done.stderr, done.stderr.decode()
    r = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert r["faults"] == [], r["faults"]
    journal = r["journal"]
    if board == "home_unit":
        assert journal.index("help_asked") < journal.index("chain_impossible"), journal
        assert "contact_texted" not in journal and "heap_call_peak" not in r
        return
    for cat in ("modem", "timeout_started", "help_asked", "chain_started", "contact_texted",
                "contact_reached"):
        assert cat in journal, (cat, journal)
    assert journal.index("help_asked") < journal.index("contact_texted") < \
        journal.index("contact_reached")
    assert r["modem"] == {"texts": 1, "calls": 1}, "one text, one call: the first contact only"
    assert r["heap_call_peak"] >= r["heap_booted"] > 0


def test_the_same_mpy_files_as_a_romfs_image_run_in_place_with_less_heap(tmp_path):
    """`mpremote romfs build` of the board's .mpy tree, mounted as a VfsRom (as a ROMFS partition
    is on a build that has one): the firmware boots from it and a press starts a time-out, and
    the heap it needs (less the harness: this script, the fake modules and the image, which on
    the ESP32 are C code and flash) is well below the same files' on a filesystem, because the
    bytecode runs where it lies instead of being copied. The home unit then fits what an ESP32
    without PSRAM leaves MicroPython next to BLE (100 KB, times this port's 1.5)."""
    from tools.unix_port import WORD_FACTOR

    rom = real_boot("home_unit", tmp_path / "rom", rom=True)
    assert rom.returncode == 0, rom.stderr.decode()
    r = json.loads(rom.stdout.decode().strip().splitlines()[-1])
    assert "timeout_started" in r["journal"] and r["faults"] == [], r
    image = (tmp_path / "rom" / "romfs.img").stat().st_size
    assert r["heap_harness"] > image > 50000
    files = real_boot("home_unit", tmp_path / "mpy")
    f = json.loads(files.stdout.decode().strip().splitlines()[-1])
    in_place = r["heap_running"] - r["heap_harness"]
    copied = f["heap_running"] - f["heap_harness"]
    assert in_place < 0.8 * copied, (in_place, copied)
    budget = int(100 * 1024 * WORD_FACTOR)
    assert in_place <= budget, in_place
    # and it boots in that heap, fragmentation and garbage included: the harness (known from
    # the first run) plus 100 KB of an ESP32, not a byte more
    small = real_boot("home_unit", tmp_path / "small", rom=True,
                      heap=r["heap_harness"] - image + budget)
    assert small.returncode == 0 and b"MemoryError" not in small.stderr, small.stderr.decode()
    s = json.loads(small.stdout.decode().strip().splitlines()[-1])
    assert "timeout_started" in s["journal"] and s["faults"] == [], s
