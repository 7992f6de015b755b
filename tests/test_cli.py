"""The `python -m host_sim run` command: output forms, exit codes, clear errors."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def host_sim(*args):
    return subprocess.run([sys.executable, "-m", "host_sim", *args], capture_output=True,
                          cwd=ROOT, timeout=120)


def test_json_lines_have_the_contract_fields():
    done = host_sim("run", "scenarios/proposal_accepted.toml", "--json")
    assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(x) for x in done.stdout.decode().splitlines()]
    assert all("t" in x and "event" in x for x in lines)
    assert {x.get("device") for x in lines} >= {"A", "B", None}
    assert lines[-1] == {"t": 900.0, "event": "expectations", "failed": [], "checked": 4}


def test_plot_writes_a_png(tmp_path):
    out = tmp_path / "run.png"
    done = host_sim("run", "scenarios/early_return.toml", "--plot", str(out))
    assert done.returncode == 0, done.stderr.decode()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_expectation_exits_1(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('duration = "5m"\n[[expect]]\nevent = "timeout_started"\n')
    done = host_sim("run", str(bad))
    assert done.returncode == 1
    assert b"FAILED" in done.stdout


def test_bad_scenario_is_a_clear_error(tmp_path):
    for text, needle in [('duration = "soon"', b"duration"),
                         ('[[at]]\nt = "1m"\nA = "dance"', b"start with one of"),
                         ('[A]\nmoods = ["happy"]', b"happy"),
                         ('colour = "blue"', b"unknown key"),
                         ('[[at]\n', b"not valid TOML")]:
        path = tmp_path / "s.toml"
        path.write_text(text)
        done = host_sim("run", str(path))
        assert done.returncode == 2, text
        assert needle in done.stderr and b"Traceback" not in done.stderr, done.stderr
    done = host_sim("run", str(tmp_path / "missing.toml"))
    assert done.returncode == 2 and b"cannot read" in done.stderr


def test_unknown_command():
    done = host_sim("fly")
    assert done.returncode == 2 and b"unknown command" in done.stderr
