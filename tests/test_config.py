import pytest

from core.config import ConfigError, defaults, valid_phone, validate

GOOD = dict(defaults(), pair_secret="0f" * 16,
            contacts=[{"name": "N%d" % i, "phone": "+3161111111%d" % i} for i in range(3)])


def test_good_config_fills_defaults():
    cfg = validate({"pair_secret": GOOD["pair_secret"], "contacts": GOOD["contacts"]})
    assert cfg["timeout_min"] == 60 and cfg["min_distance_m"] == 100
    assert cfg["mood_interval_min"] == 10


@pytest.mark.parametrize("field,value", [
    ("timeout_min", 5), ("timeout_min", "60"), ("timeout_min", True), ("leaver", "C"),
    ("role", "X"), ("pair_secret", "xyz"), ("pair_secret", "AB" * 16), ("task", ""),
    ("task", "x" * 61), ("contacts", []), ("partner_phone", "0612345678"),
    ("min_distance_m", 10), ("walk_away_grace_s", 4000)])
def test_bad_value_names_the_field(field, value):
    raw = dict(GOOD)
    raw[field] = value
    with pytest.raises(ConfigError) as err:
        validate(raw)
    assert err.value.field == field


def test_bad_contact_names_the_contact():
    raw = dict(GOOD, contacts=[dict(c) for c in GOOD["contacts"]])
    raw["contacts"][2]["phone"] = "+31 6 1234"
    with pytest.raises(ConfigError) as err:
        validate(raw)
    assert err.value.field == "contacts[2].phone"


def test_unknown_key_is_rejected():
    with pytest.raises(ConfigError) as err:
        validate(dict(GOOD, timout_min=30))
    assert err.value.field == "timout_min"


def test_grace_must_fit_in_timeout():
    with pytest.raises(ConfigError) as err:
        validate(dict(GOOD, timeout_min=10, walk_away_grace_s=600))
    assert err.value.field == "walk_away_grace_s"


@pytest.mark.parametrize("number,ok", [("+31612345678", True), ("+4915112345678", True),
                                       ("0612345678", False), ("+0612345678", False),
                                       ("+31-6123456", False), ("+316", False),
                                       (31612345678, False)])
def test_phone_numbers(number, ok):
    assert valid_phone(number) is ok


def test_config_store_falls_back_to_last_good(tmp_path):
    import json

    from store import config_store

    (tmp_path / "config.json").write_text(json.dumps(GOOD))
    cfg, problem = config_store.load(str(tmp_path))
    assert problem is None and cfg["contacts"] == GOOD["contacts"]
    (tmp_path / "config.json").write_text('{"timeout_min": ')  # torn write
    cfg, problem = config_store.load(str(tmp_path))
    assert problem is not None and cfg["pair_secret"] == GOOD["pair_secret"]
    (tmp_path / "config.json").write_text(json.dumps(dict(GOOD, timeout_min=1)))
    cfg, problem = config_store.load(str(tmp_path))
    assert problem.field == "timeout_min" and cfg["timeout_min"] == 60


def test_config_store_without_any_config_raises(tmp_path):
    from store import config_store

    with pytest.raises(ConfigError):
        config_store.load(str(tmp_path))
