"""The social worker's dry run from the README, run as written (the commands are read from the
README itself) on simulated devices: provision a pair, live an evening with them in the
simulator, export the caseworker report. And the installed command from another folder."""

import csv
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def readme_dry_run():
    """The indented command lines of the README's dry-run block."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index("A dry run without hardware"):]
    block = block[:block.index("\n## ")]
    return [line.strip() for line in block.splitlines()
            if line.startswith("    .venv/bin/")]


def run(argv, cwd):
    done = subprocess.run(argv, capture_output=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
    return done.stdout.decode()


def test_provision_simulate_report(tmp_path):
    lines = readme_dry_run()
    assert [line.split()[0] for line in lines] == [
        ".venv/bin/timeout-care", ".venv/bin/python", ".venv/bin/timeout-care"]
    outs = []
    for line in lines:
        argv = []
        for word in shlex.split(line):
            if word.startswith(".venv/bin/"):
                word = str(BIN / word[len(".venv/bin/"):])
            word = word.replace("dir:demo/", "dir:%s/" % tmp_path)
            if word == "demo" or word.startswith("demo/"):
                word = str(tmp_path) + word[len("demo"):]
            argv.append(word)
        outs.append(run(argv, ROOT))
    assert "Walk to the park and back" in outs[1], "the provisioned task, not the scenario's"
    assert "# expectations: 1 checked, 0 failed" in outs[1]
    with open(tmp_path / "report" / "events.csv") as f:
        rows = list(csv.DictReader(f))
    groups = {(r["device"], r["group"]) for r in rows}
    assert ("B", "moods") in groups, "B agreed to share moods"
    assert ("A", "moods") not in groups, "A did not"
    assert not [r for r in rows if r["group"] == "distance"], "B did not share distance"
    assert any(r["category"] == "timeout_started" for r in rows)
    html = (tmp_path / "report" / "report.html").read_text()
    assert "not shared" in html.lower()


def test_command_works_from_any_folder(tmp_path):
    out = run([str(BIN / "timeout-care"), "check", str(ROOT / "docs" / "couple.example.toml")],
              tmp_path)
    assert "the couple file is valid" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('couple = "x"\n')
    done = subprocess.run([str(BIN / "timeout-care"), "check", str(bad)], capture_output=True,
                          cwd=tmp_path, timeout=60)
    assert done.returncode == 1 and b"[A]: missing" in done.stderr
