import pytest

from core.config import ConfigError, defaults, valid_phone, validate

GOOD = dict(defaults(), pair_secret="aaac85cb5966f30d27bf1b931d7ff132",
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


@pytest.mark.parametrize("wait_s,ok", [(149, False), (150, True)])
def test_the_end_wait_leaves_time_for_the_answer_to_arrive(wait_s, ok):
    """The partner waits for the end-check answer longer than it may be answered, by the time
    a text may take (MSG_LATENCY_S), or the devices could decide on different answers."""
    from core.config import MSG_LATENCY_S
    from core.session import MSG_LATENCY_MS

    assert MSG_LATENCY_MS == MSG_LATENCY_S * 1000  # one figure, kept in two modules
    raw = dict(GOOD, mood_answer_window_s=120, end_wait_s=wait_s)
    if ok:
        assert validate(raw)["end_wait_s"] == wait_s
        return
    with pytest.raises(ConfigError) as err:
        validate(raw)
    assert err.value.field == "end_wait_s"


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


WEAK_SECRETS = ["00" * 32, "00" * 16, "ab" * 16, "5a" * 32, "0123" * 8,
                "00112233445566778899aabbccddeeff", "000102030405060708090a0b0c0d0e0f"]


@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_weak_secret_is_refused(secret):
    with pytest.raises(ConfigError) as err:
        validate(dict(GOOD, pair_secret=secret))
    assert err.value.field == "pair_secret" and "weak" in err.value.reason


def test_random_secrets_are_never_weak():
    import random

    rng = random.Random(13)
    for _ in range(2000):
        validate(dict(GOOD, pair_secret=rng.randbytes(16 + rng.randrange(17)).hex()))


def test_weak_secret_is_refused_under_micropython(tmp_path):
    from mpy import run

    script = tmp_path / "weak.py"
    script.write_text(
        "from core.config import validate, ConfigError\n"
        "good = %r\n"
        "for s in %r + [%r]:\n"
        "    try:\n"
        "        validate(dict(good, pair_secret=s))\n"
        "        print('accepted', s)\n"
        "    except ConfigError as e:\n"
        "        print('refused', e.field)\n"
        % ({"pair_secret": GOOD["pair_secret"], "contacts": GOOD["contacts"]}, WEAK_SECRETS,
           GOOD["pair_secret"]))
    out = run(script).stdout.decode().split("\n")
    assert out[:len(WEAK_SECRETS)] == ["refused pair_secret"] * len(WEAK_SECRETS)
    assert out[len(WEAK_SECRETS)] == "accepted " + GOOD["pair_secret"]


@pytest.mark.parametrize("engine", ["cpython", "micropython"])
def test_firmware_refuses_a_contact_that_is_the_partner_or_listed_twice(engine, tmp_path):
    contacts = [dict(c) for c in GOOD["contacts"]]
    cases = [dict(pair_secret=GOOD["pair_secret"], contacts=contacts,
                  partner_phone=contacts[1]["phone"]),
             dict(pair_secret=GOOD["pair_secret"],
                  contacts=[contacts[0], contacts[1], dict(contacts[0], name="Other")])]
    want = ["contacts[1].phone", "contacts[2].phone"]
    if engine == "cpython":
        got = []
        for raw in cases:
            with pytest.raises(ConfigError) as err:
                validate(raw)
            got.append(err.value.field)
    else:
        from mpy import run

        script = tmp_path / "c.py"
        script.write_text("from core.config import validate, ConfigError\n"
                          "for raw in %r:\n    try:\n        validate(raw)\n"
                          "        print('accepted')\n    except ConfigError as e:\n"
                          "        print(e.field)\n" % (cases,))
        got = run(script).stdout.decode().split()
    assert got == want
