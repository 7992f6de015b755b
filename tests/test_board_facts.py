"""Board facts apart from couple facts, and one source for each distance.

Which modem is fitted is the board's MODEM_PROFILE, not a config setting: an old config file
that still names one loads as before and the board decides. The 100 m minimum and the clear
distance above it come from gps/defaults.py, for the couple's default and the shell alike.
"""

import json

import pytest

from core.config import RETIRED, SCHEMA, ConfigError, defaults, validate
from gps.defaults import DEFAULTS, MIN_DISTANCE_M, clear_distance_m
from store import config_store

CONTACTS = [{"name": "N%d" % i, "phone": "+3161111111%d" % i} for i in range(3)]
GOOD = {"pair_secret": "aaac85cb5966f30d27bf1b931d7ff132", "contacts": CONTACTS}


def test_modem_profile_is_no_setting_but_an_old_file_with_it_still_loads(tmp_path):
    assert "modem_profile" not in SCHEMA and "modem_profile" in RETIRED
    for version in (1, 2):
        folder = tmp_path / ("v%d" % version)
        folder.mkdir()
        old = dict(GOOD, version=version, modem_profile="sim800", timeout_min=45)
        (folder / "config.json").write_text(json.dumps(old))
        cfg, problem, migrated = config_store.load_checked(str(folder))
        assert problem is None and cfg["timeout_min"] == 45
        assert "modem_profile" not in cfg
        assert migrated == (1 if version == 1 else None)


def test_a_retired_setting_is_ignored_whatever_its_value_but_typos_are_not():
    assert "modem_profile" not in validate(dict(GOOD, modem_profile="no such modem"))
    with pytest.raises(ConfigError) as err:
        validate(dict(GOOD, modem_profil="a7670e"))
    assert err.value.field == "modem_profil"


def test_the_modem_is_driven_with_the_boards_profile():
    import app
    from drivers.board_base import BoardBase

    class Board(BoardBase):
        MODEM_PROFILE = "sim7600"

        def modem_uart(self):
            return object(), object()

        def ticks_ms(self):
            return 0

    cfg = validate(dict(GOOD, partner_phone=""))
    phone, far_pipe, background = app.make_phone(Board(), cfg, journal=None)
    assert phone.modem.profile["name"] == "SIMCom SIM7600E-H"
    assert far_pipe is None
    for coro in background:
        coro.close()


def test_one_source_for_the_minimum_and_the_clear_distance():
    assert defaults()["min_distance_m"] == MIN_DISTANCE_M == DEFAULTS["min_distance_m"] == 100
    assert DEFAULTS["clear_distance_m"] == clear_distance_m(100) == 130


@pytest.mark.parametrize("minimum,clear", [(100, 130), (200, 260), (75, 97)])
def test_the_shell_derives_the_clear_distance_from_the_couples_minimum(minimum, clear):
    from shell.locate import Locator

    cfg = validate(dict(GOOD, min_distance_m=minimum, home_lat_e7=520000000,
                        home_lon_e7=50000000))
    nothing = lambda *args: None
    locator = Locator(None, cfg, lambda: 0, nothing, nothing, nothing, nothing, nothing,
                      nothing)
    assert locator.rule.p["min_distance_m"] == minimum
    assert locator.rule.p["clear_distance_m"] == clear
