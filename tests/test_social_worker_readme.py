"""The social worker's dry run from the README, command by command, on simulated devices:
provision a pair, live an evening with them in the simulator, export the caseworker report."""

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cmd(*args):
    done = subprocess.run([sys.executable, "-m", *args], capture_output=True, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    return done.stdout.decode()


def test_provision_simulate_report(tmp_path):
    a, b = "dir:%s/A" % tmp_path, "dir:%s/B" % tmp_path
    cmd("host_sim.provision", "write", "docs/couple.example.toml", "--a", a, "--b", b, "--yes")
    out = cmd("host_sim", "run", "scenarios/demo/evening.toml", "--flash", str(tmp_path))
    assert "Walk to the park and back" in out, "the provisioned task, not the scenario's"
    assert "# expectations: 1 checked, 0 failed" in out
    cmd("host_sim.report", "--a", a, "--b", b, "--out", str(tmp_path / "report"))
    with open(tmp_path / "report" / "events.csv") as f:
        rows = list(csv.DictReader(f))
    groups = {(r["device"], r["group"]) for r in rows}
    assert ("B", "moods") in groups, "B agreed to share moods"
    assert ("A", "moods") not in groups, "A did not"
    assert not [r for r in rows if r["group"] == "distance"], "B did not share distance"
    assert any(r["category"] == "timeout_started" for r in rows)
    html = (tmp_path / "report" / "report.html").read_text()
    assert "not shared" in html.lower()
