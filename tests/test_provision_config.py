"""Config schema version 2: consent, migration of version-1 files, fallback to the last good."""

import json

import pytest

from core.config import CONSENT_GROUPS, VERSION, ConfigError, validate
from mpy import run
from store import config_store
from store.migrate import migrate

SECRET = "aaac85cb5966f30d27bf1b931d7ff132"  # a random couple secret
CONTACTS = [{"name": "N%d" % i, "phone": "+3161111111%d" % i} for i in range(3)]
V1 = {"version": 1, "role": "B", "pair_secret": SECRET, "contacts": CONTACTS,
      "timeout_min": 45, "task": "Read a book"}


def test_version_1_file_is_upgraded_on_load_and_written_back(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(V1))
    cfg, problem, old = config_store.load_checked(str(tmp_path))
    assert problem is None and old == 1
    assert cfg["version"] == VERSION == 2 and cfg["timeout_min"] == 45 and cfg["role"] == "B"
    assert cfg["consent"] == {g: False for g in CONSENT_GROUPS}, "never asked: nothing shared"
    on_flash = json.loads((tmp_path / "config.json").read_text())
    assert on_flash["version"] == 2 and on_flash["consent"] == {}
    assert json.loads((tmp_path / "config.good.json").read_text()) == on_flash
    cfg2, problem2, old2 = config_store.load_checked(str(tmp_path))
    assert (cfg2, problem2, old2) == (cfg, None, None), "second boot: nothing left to migrate"


def test_version_1_without_version_field_counts_as_1():
    doc, old = migrate({"role": "A"})
    assert old == 1 and doc["version"] == 2 and doc["consent"] == {}


@pytest.mark.parametrize("version", [3, 0, "2", True, None])
def test_unknown_versions_are_refused(version):
    with pytest.raises(ConfigError) as err:
        migrate(dict(V1, version=version))
    assert err.value.field == "version"


def test_newer_file_falls_back_to_last_good_and_is_reported(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(V1))
    config_store.load(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps(dict(V1, version=7)))
    cfg, problem = config_store.load(str(tmp_path))
    assert problem.field == "version" and cfg["timeout_min"] == 45


@pytest.mark.parametrize("cut", [1, 10, 40, -3])
def test_partial_file_falls_back_to_last_good(tmp_path, cut):
    good = dict(V1, version=2, consent={"moods": True})
    (tmp_path / "config.json").write_text(json.dumps(good))
    config_store.load(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps(dict(good, timeout_min=90))[:cut])
    cfg, problem = config_store.load(str(tmp_path))
    assert problem is not None and cfg["timeout_min"] == 45 and cfg["consent"]["moods"] is True


@pytest.mark.parametrize("consent,field", [
    ({"mood": True}, "consent.mood"), ({"moods": 1}, "consent.moods"),
    ({"moods": "yes"}, "consent.moods"), (["moods"], "consent")])
def test_bad_consent_names_the_group(consent, field):
    with pytest.raises(ConfigError) as err:
        validate(dict(V1, version=2, consent=consent))
    assert err.value.field == field


def test_consent_is_spelled_out_for_every_group():
    cfg = validate(dict(V1, version=2, consent={"timeouts": True}))
    assert cfg["consent"] == {g: g == "timeouts" for g in CONSENT_GROUPS}


MPY_LOAD = """
import sys, json
from store import config_store

cfg, problem, old = config_store.load_checked(sys.argv[1])
print(json.dumps({"cfg": cfg, "problem": problem and problem.field, "old": old}))
"""


def test_micropython_migrates_like_cpython(tmp_path):
    script = tmp_path / "load.py"
    script.write_text(MPY_LOAD)
    results = []
    for engine in ("cpython", "micropython"):
        folder = tmp_path / engine
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps(V1))
        if engine == "micropython":
            done = run(script, folder)
            assert done.returncode == 0, done.stderr.decode()
            results.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
        else:
            cfg, problem, old = config_store.load_checked(str(folder))
            results.append({"cfg": cfg, "problem": None, "old": old})
        results[-1]["flash"] = json.loads((folder / "config.json").read_text())
    assert results[0] == results[1]
