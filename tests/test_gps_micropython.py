"""The GPS parser and rules under the real MicroPython unix port: identical to CPython."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from gps_data import ROOT, logs
from mpy import run

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "gps_mpy_rules.py"
FROZEN_PATH = [ROOT / "firmware", ROOT / "boards" / "sim", ".frozen"]


def _parse(stdout):
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


def _same(a, b):
    """Equal, except distances may differ by rounding (libm differences): 1 dm."""
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if "dist_dm" in x and x["dist_dm"] is not None:
            assert abs(x["dist_dm"] - y["dist_dm"]) <= 1
            x = dict(x, dist_dm=0)
            y = dict(y, dist_dm=0)
        assert x == y


def test_parser_and_rules_identical_on_real_logs():
    files = [str(p) for p in logs()]
    mp = run(SCRIPT, *files, path=FROZEN_PATH)
    assert mp.returncode == 0, mp.stderr.decode()[-2000:]
    env_path = str(ROOT / "firmware")
    cp = subprocess.run([sys.executable, str(SCRIPT)] + files, capture_output=True,
                        env={"PYTHONPATH": env_path}, timeout=120)
    assert cp.returncode == 0, cp.stderr.decode()[-2000:]
    a, b = _parse(mp.stdout), _parse(cp.stdout)
    assert sum(1 for r in a if "fix" in r) > 250
    assert {r["status"] for r in a if "status" in r} >= {"too_close", "clear"}
    _same(a, b)


@pytest.mark.parametrize("name", ["neo-m8n.log", "ublox-8.log", "garmin18x-bin.log"])
def test_cli_engines_agree(name):
    f = [p for p in logs() if p.name == name]
    if not f:
        pytest.skip(name + " missing")
    from host_sim.nmea_cli import records

    cp = records(f[0], "cpython", 64)
    mp = records(f[0], "micropython", 64)
    assert cp == mp
    assert cp[-1]["event"] == "summary"
    assert cp[-1]["fixes"] == len(cp) - 1


def test_cli_contract_line(capsys):
    f = [p for p in logs() if p.name == "neo-m8n.log"]
    if not f:
        pytest.skip("neo-m8n.log missing")
    from host_sim.nmea_cli import main

    assert main([str(f[0]), "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    # the example of architecture contract 5, from this very capture
    assert {"lat": 44.0690105, "lon": -121.3142463, "fix": 3, "hdop": 0.91, "sats": 12,
            "time": "17:19:26"}.items() <= lines[1].items()
    assert lines[-1]["event"] == "summary" and lines[-1]["sentences"] > 0


def test_cli_bad_arguments(tmp_path, capsys):
    from host_sim.nmea_cli import main

    assert main([str(tmp_path / "missing.nmea")]) == 2
    assert main(["--engine", "pypy", "x"]) == 2
    f = tmp_path / "x.nmea"
    f.write_bytes(b"\x00\xff$GP")
    assert main([str(f), "--chunk", "0"]) == 2
    assert main([str(f), "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[-1])["garbage_bytes"] == 2
