"""Every real board under the real micropython, on a fake machine module (tests/fake_hw):
constructors, pins, I2S settings and sample conversion (the viper path), UART streams through
MicroPython's asyncio, the modem power key, battery divider, watchdog; plus the type check of
every board against the ESP32 stubs, and that it catches a wrong machine call."""

import json
import subprocess
import sys

import pytest

from gps import ubx
from mpy import ROOT, run

FAKE_HW = ROOT / "tests" / "fake_hw"
REAL_BOARDS = ["esp32_devkitc", "lilygo_t_a7670e", "home_unit"]
SAMPLES_24 = [0, 1, -1, 8388607, -8388608, 123456, -123456, 256, -256, 65535, -65536, 4660]


def board_check(board, tmp_path):
    done = run(ROOT / "tests" / "boards_mpy_check.py", tmp_path / "data",
               path=[FAKE_HW, ROOT / "firmware", ROOT / "boards" / board], cwd=tmp_path,
               timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("board", REAL_BOARDS)
def test_real_board_parts_on_micropython(board, tmp_path):
    r = board_check(board, tmp_path)
    assert r["name"] == board and r["reset_cause"] == "watchdog"
    if board != "home_unit":  # both wearables have the speaker (pins_free: no pin shared)
        spk = r["speaker"]
        assert spk["pins_free"] and spk["folder"] == str(tmp_path / "data" / "prompts"), \
            "the prompts are in the storage folder, where a wipe removes them"
        assert spk["i2s"] == {"bits": 16, "rate": 8000, "mode": 2, "format": 0}, spk
    else:
        assert r["speaker"] is None
    if board == "home_unit":  # mains powered: MicroPython's default clock, no modem
        assert r["cpu_hz"] == [160000000, 160000000] and r["modem_dtr"] is None
    else:  # 80 MHz at boot; DTR starts low (awake) and the engine may raise it
        assert r["cpu_hz"] == [160000000, 80000000]
        assert r["modem_dtr"][:1] == [[r["modem_dtr"][0][0], 0]], r["modem_dtr"]
        assert r["modem_dtr"][-1][1] == 1
    assert (tmp_path / "data").is_dir()
    assert r["button"] == [None, True, True]
    # at rest the button waits for its pin interrupt: a few samples to settle, not one every
    # 20 ms for 360 ms (about 20), and the press still arrives (woken by the edge)
    rest = r["button_rest"]
    assert rest["none"] and rest["polls_at_rest"] <= 10, rest
    assert r["feedback"]["led"] and r["feedback"]["faults"] == 0
    if r["feedback"]["motor"] is not None:
        motor = r["feedback"]["motor"]
        assert max(motor) > 0 and motor[-1] == 0, "pattern played and ended off"
    if r["feedback"]["buzzer_last"] is not None:
        assert r["feedback"]["buzzer_on"] and r["feedback"]["buzzer_last"] == 0
    assert "microphone" in r["methods"] and "ble" in r["methods"]
    mic = r["mic"]
    assert mic["i2s"]["bits"] == 32 and mic["i2s"]["rate"] == mic["rate"] == 16000
    expected = [s >> 8 for s in SAMPLES_24] * 2
    assert mic["n"] == 24 and mic["samples"] == expected
    assert r["wdt"] == [1, True]
    if board == "home_unit":
        assert r["kind"] == "home"
        assert not {"gnss", "modem_uart", "battery_mv"} & set(r["methods"])
        return
    assert r["kind"] == "wearable"
    g = r["gnss"]
    assert g["first"].startswith("$GPGGA") and g["empty"] is None and g["asleep"] is None
    frame = bytes.fromhex(g["sleep_frame"])
    assert ubx.check(frame) and frame == ubx.pmreq_backup(0)
    assert bytes.fromhex(g["wake"]) == ubx.wake()
    m = r["modem"]
    assert m["sent"] == "AT\r" and m["got"] == "\r\nOK\r\n" and m["baud"] == 115200
    key = [lvl for pin, lvl in m["power"] if pin == m["pwrkey"]]
    assert key[-3:] == [0, 1, 0], "one high pulse through the PWRKEY transistor"
    if m["enable"] is not None:
        first_enable = [i for i, (pin, lvl) in enumerate(m["power"])
                        if pin == m["enable"] and lvl == 1][0]
        pulse = [i for i, (pin, lvl) in enumerate(m["power"]) if pin == m["pwrkey"] and lvl]
        assert first_enable < pulse[0], "supply on before the power key"
    assert r["battery_mv"] == 3900  # 1.95 V at the pin, 2:1 divider


def test_every_board_typechecks_against_esp32_stubs():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "typecheck.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for board in REAL_BOARDS + ["sim"]:
        assert "typecheck %s: Success" % board in done.stdout


def test_typecheck_catches_a_wrong_machine_call(tmp_path):
    (tmp_path / "board.py").write_text(
        '"""A broken board."""\n\nfrom drivers.real_board import MicMixin\n\n\n'
        "class Board(MicMixin):\n    def gnss(self):\n        from machine import UART\n\n"
        '        return UART(2, baudrate="9600", tx=17)\n')
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "typecheck.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "board.py:10" in done.stdout and "UART" in done.stdout
