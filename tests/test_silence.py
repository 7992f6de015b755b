"""Silence is visible: in a time-out, a distance that stays unknown or a partner device that stays
silent is told to the wearer and journaled, and a count of being too close survives a loss of
information (only a measured "clear" ends it)."""

import pytest

from core.config import ConfigError, defaults
from compat import TICKS_PERIOD
from core.session import Session
from test_session import at, config, counter, journal, kinds

HOME = {"home_lat_e7": 520907000, "home_lon_e7": 51214000}


@pytest.fixture(params=[0, TICKS_PERIOD - 5000], ids=["ticks0", "near_wrap"])
def t0(request):
    return request.param


def notes(actions):
    return [a[1] for a in actions if a[0] == "notify"]


def run_until(s, t0, seconds, step=1):
    out = []
    for i in range(0, int(seconds / step) + 1):
        out += s.tick(at(t0, i * step))
    return out


def test_an_unknown_distance_is_told_once_after_unknown_alert_s(t0):
    s = Session(config(unknown_alert_s=120, **HOME), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 5), ("distance", "clear"))
    s.handle(at(t0, 100), ("distance", "unknown"))
    assert "distance_unknown" not in notes(run_until(s, t0, 219))
    actions = s.tick(at(t0, 220))
    assert "distance_unknown" in notes(actions) and "distance_unknown" in journal(actions)
    assert "distance_unknown" not in notes(run_until(s, t0, 900, 10)), "told once"
    s.handle(at(t0, 901), ("distance", "clear"))
    s.handle(at(t0, 910), ("distance", "unknown"))  # a new silence is told again
    assert "distance_unknown" in notes(s.tick(at(t0, 1030)))


def test_unknown_from_the_start_of_a_timeout_counts_from_the_start(t0):
    s = Session(config(unknown_alert_s=60, **HOME), t0, counter())
    s.tick(at(t0, 3000))  # idle for long with the distance unknown: nothing told
    s.handle(at(t0, 3000), ("press", "single"))
    assert "distance_unknown" not in notes(s.tick(at(t0, 3059)))
    assert "distance_unknown" in notes(s.tick(at(t0, 3060)))


def test_a_pending_verdict_is_not_an_unknown_distance(t0):
    """Both positions fresh but the rule's hysteresis not yet decided ("unknown", measuring):
    the device has a distance, so it does not say it has none; the silence counts from when
    the positions went stale again."""
    s = Session(config(unknown_alert_s=120, **HOME), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 5), ("distance", "unknown", False))
    s.handle(at(t0, 110), ("distance", "unknown", True))  # positions came: deciding
    assert "distance_unknown" not in notes(run_until(s, t0, 300, 5))
    s.handle(at(t0, 301), ("distance", "unknown", False))  # stale again before a verdict
    assert "distance_unknown" not in notes(run_until(s, t0, 420, 5))
    assert "distance_unknown" in notes(s.tick(at(t0, 421)))


def test_no_unknown_alert_outside_a_timeout_or_without_positioning(t0):
    s = Session(config(unknown_alert_s=30, **HOME), t0, counter())
    s.handle(at(t0, 1), ("distance", "clear"))
    s.handle(at(t0, 2), ("distance", "unknown"))
    assert "distance_unknown" not in notes(run_until(s, t0, 600, 10))
    bare = Session(config(unknown_alert_s=30), t0, counter())  # no home: no GNSS used
    bare.handle(t0, ("press", "single"))
    assert "distance_unknown" not in notes(run_until(bare, t0, 600, 10))


def test_a_silent_partner_is_told_in_a_timeout(t0):
    s = Session(config(partner_lost_s=300), t0, counter())
    state = {"t": "state", "tid": 0, "el": 0, "ph": 0, "ext": 0, "m": 0, "on": 1, "by": 1,
             "lv": 1}
    s.handle(t0, ("partner", state))
    quiet = s.tick(at(t0, 300))  # idle: journaled, not told
    assert "partner_unreachable" in journal(quiet) and "partner_unreachable" not in notes(quiet)
    s.handle(at(t0, 301), ("partner", state))
    s.handle(at(t0, 302), ("press", "single"))
    actions = run_until(s, t0, 601)
    assert "partner_unreachable" in journal(actions)
    assert "partner_unreachable" in notes(actions)


@pytest.mark.parametrize("gap", ["unknown", "unknown_long"])
def test_a_short_loss_of_information_keeps_the_too_close_count(t0, gap):
    s = Session(config(walk_away_grace_s=60, too_close_tolerance_s=60, **HOME), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 100), ("distance", "too_close"))
    s.handle(at(t0, 130), ("distance", "unknown"))  # shielded, switched off, fix lost
    if gap == "unknown":
        s.handle(at(t0, 145), ("distance", "too_close"))
    actions = run_until(s, t0, 159)
    assert "distance_violation" not in journal(actions)
    actions = s.tick(at(t0, 160))
    assert "distance_violation" in journal(actions) and kinds(actions, "call"), \
        "counted from the first time too close, not restarted by the gap"


def test_a_count_not_yet_begun_lapses_when_the_distance_becomes_unknown(t0):
    """Too close during the walk-away grace (both still home), then the leaver is out of the
    other device's sight: no warning, no call; too close again later counts afresh."""
    s = Session(config(walk_away_grace_s=300, too_close_tolerance_s=60, **HOME), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 2), ("distance", "too_close"))
    s.handle(at(t0, 90), ("distance", "unknown"))
    actions = run_until(s, t0, 1200, 5)
    assert "too_close_warning" not in journal(actions)
    assert "distance_violation" not in journal(actions)
    s.handle(at(t0, 1300), ("distance", "too_close"))
    assert "distance_violation" not in journal(run_until(s, t0, 1359))
    assert "distance_violation" in journal(s.tick(at(t0, 1360)))


def test_only_a_measured_clear_ends_a_count(t0):
    s = Session(config(walk_away_grace_s=60, too_close_tolerance_s=60, **HOME), t0, counter())
    s.handle(t0, ("press", "single"))
    s.handle(at(t0, 100), ("distance", "too_close"))
    s.handle(at(t0, 120), ("distance", "clear"))
    s.handle(at(t0, 130), ("distance", "too_close"))
    assert "distance_violation" not in journal(run_until(s, t0, 189))
    assert "distance_violation" in journal(s.tick(at(t0, 190)))


def test_unknown_alert_s_is_validated():
    assert defaults()["unknown_alert_s"] == 120
    for bad in (0, 29, 901, "60", True):
        with pytest.raises(ConfigError) as err:
            config(unknown_alert_s=bad)
        assert err.value.field == "unknown_alert_s"
