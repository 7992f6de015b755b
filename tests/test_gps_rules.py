"""Distance rule, home rule, relay limiter, power policy, UBX frames, parameter checks."""

import pytest

from gps.defaults import DEFAULTS, merged
from gps.geo import distance_m, offset_e7
from gps.home import HomeRule, both_home
from gps.nmea import Fix
from gps.power import DUTY_OFF, DUTY_ON, FULL, GpsPower
from gps.relay import RelayLimiter
from gps.rules import CLEAR, TOO_CLOSE, UNKNOWN, DistanceRule
from gps.ubx import check, frame, pmreq_backup

HOME = (519000000, 44000000)


def fix_at(north_m, east_m, hdop=90, sats=9):
    f = Fix()
    f.lat, f.lon = offset_e7(HOME[0], HOME[1], north_m, east_m)
    f.hdop, f.sats, f.mode, f.quality = hdop, sats, 3, 1
    return f


def pos(north_m, east_m=0.0):
    return offset_e7(HOME[0], HOME[1], north_m, east_m)


def run(rule, own_path, partner_path, seconds, t0=0):
    """Own fix and partner report every second; returns the statuses."""
    out = []
    for t in range(t0, t0 + seconds):
        now = t * 1000
        rule.own_fix(fix_at(*own_path(t)), now)
        plat, plon = pos(*partner_path(t))
        rule.partner_fix(plat, plon, 90, 0, now)
        out.append(rule.status(now))
    return out


def test_too_close_only_after_several_consecutive_fixes():
    r = DistanceRule()
    s = run(r, lambda t: (0, 0), lambda t: (50, 0), 10)
    n = DEFAULTS["too_close_fixes"]
    # two evaluations per second (own + partner): too close after n evaluations
    first = s.index(TOO_CLOSE)
    assert first == (n + 1) // 2 - 1
    assert set(s[:first]) == {UNKNOWN}


def test_clear_needs_the_margin_and_band_keeps_the_verdict():
    r = DistanceRule()
    run(r, lambda t: (0, 0), lambda t: (50, 0), 10)
    s = run(r, lambda t: (0, 0), lambda t: (115, 0), 20, t0=10)  # inside the band
    assert set(s) == {TOO_CLOSE}
    s = run(r, lambda t: (0, 0), lambda t: (140, 0), 5, t0=30)
    assert s[-1] == CLEAR
    s = run(r, lambda t: (0, 0), lambda t: (115, 0), 20, t0=35)
    assert set(s) == {CLEAR}


def test_no_data_is_unknown_not_a_violation():
    r = DistanceRule()
    assert r.status(0) == UNKNOWN
    run(r, lambda t: (0, 0), lambda t: (20, 0), 10)
    assert r.status(9000) == TOO_CLOSE
    # own fixes stop (indoors): after own_stale_ms it is unknown
    assert r.status(9000 + DEFAULTS["own_stale_ms"] + 1000) == UNKNOWN


def test_hdop_and_satellite_gates():
    r = DistanceRule()
    for t in range(10):
        assert not r.own_fix(fix_at(0, 0, hdop=DEFAULTS["max_hdop_x100"] + 1), t * 1000)
        assert not r.own_fix(fix_at(0, 0, sats=DEFAULTS["min_sats"] - 1), t * 1000)
        r.partner_fix(*pos(10), 90, 0, t * 1000)
    assert r.status(9000) == UNKNOWN and r.gated == 20


def test_single_outlier_is_rejected_but_a_real_move_is_followed():
    r = DistanceRule()
    run(r, lambda t: (0, 0), lambda t: (300, 0), 10)
    assert r.status(9000) == CLEAR
    # one fix 250 m towards the partner: rejected, the verdict stays
    assert not r.own_fix(fix_at(250, 0), 10000)
    assert r.own.outliers == 1 and r.status(10000) == CLEAR
    # a car ride: consistent fixes far away are accepted after outlier_confirm_fixes
    n = DEFAULTS["outlier_confirm_fixes"]
    used = [r.own_fix(fix_at(2000 + 20 * k, 0), 11000 + 1000 * k) for k in range(n + 2)]
    assert used == [False] * (n - 1) + [True, True, True]


def test_ble_near_held_is_too_close_even_without_gps():
    r = DistanceRule()
    hold = DEFAULTS["ble_near_hold_ms"]
    for t in range(0, hold + 1000, 1000):
        r.ble_near(True, t)
    assert r.status(hold - 1000) == UNKNOWN
    assert r.status(hold) == TOO_CLOSE
    # a "too close" by BLE is released only after "not near" for ble_release_ms
    release = DEFAULTS["ble_release_ms"]
    r.ble_near(False, hold + 1000)
    assert r.status(hold + 1000) == TOO_CLOSE
    r.ble_near(False, hold + 1000 + release)
    assert r.status(hold + 1000 + release) == UNKNOWN
    # a stale BLE "near" does not count
    r.ble_near(True, 100000)
    assert r.status(100000 + DEFAULTS["ble_stale_ms"] + 1) == UNKNOWN


def _far_positions_near_radio(r, t0, t1, ble):
    """Fixes at home, the partner's relayed positions 300 m away, once a second from t0 to t1
    (ms); ble(t): the BLE report then (True / False, or None for none). The statuses seen."""
    lat, lon = pos(300)
    seen = []
    for t in range(t0, t1 + 1, 1000):
        r.own_fix(fix_at(0, 0), t)
        r.partner_fix(lat, lon, 90, 0, t)
        near = ble(t)
        if near is not None:
            r.ble_near(near, t)
        seen.append((t, r.status(t)))
    return seen


def test_a_dip_in_the_partners_signal_does_not_let_far_positions_clear():
    """The partner's device relays positions 300 m away while its radio is close (BLE near,
    held): too close. One report of "not near" (a dip) must not turn it "clear" at once on the
    relayed positions; only "not near" for ble_release_ms does. Reports that stop leave it
    "unknown" (not "clear") for ble_release_ms after they went stale. A near too short to count
    is released at once."""
    hold, release = DEFAULTS["ble_near_hold_ms"], DEFAULTS["ble_release_ms"]
    stale = DEFAULTS["ble_stale_ms"]
    r = DistanceRule()
    assert _far_positions_near_radio(r, 0, 20000, lambda t: t >= 5000)[-1][1] == TOO_CLOSE
    states = [st for _, st in _far_positions_near_radio(r, 21000, 21000 + release + 5000,
                                                        lambda t: False)]
    first_clear = states.index(CLEAR)
    assert first_clear >= release // 1000 - 1 and set(states[:first_clear]) == {TOO_CLOSE}
    # the partner's radio goes quiet instead (switched off, shielded)
    quiet = DistanceRule()
    _far_positions_near_radio(quiet, 0, 20000, lambda t: t >= 5000)
    seen = [(t - 20000, st) for t, st in _far_positions_near_radio(
        quiet, 21000, 20000 + stale + release + 5000, lambda t: None)]
    assert all(st == TOO_CLOSE for dt, st in seen if dt <= stale)
    assert all(st == UNKNOWN for dt, st in seen if stale < dt <= stale + release)
    assert seen[-1][1] == CLEAR
    short = DistanceRule()
    short.ble_near(True, 0)
    short.ble_near(False, hold - 1000)
    assert not short.ble_says_near(hold)


def test_assumed_home_position_covers_an_own_outage():
    r = DistanceRule()
    for t in range(10):
        r.own_assumed(HOME[0], HOME[1], t * 1000)
        r.partner_fix(*pos(300), 90, 0, t * 1000)
    assert r.status(9000) == CLEAR
    # a fresh measured fix wins over the assumption
    r2 = DistanceRule()
    r2.own_fix(fix_at(500, 0), 0)
    assert not r2.own_assumed(HOME[0], HOME[1], 1000)


def test_partner_report_age_counts_toward_staleness():
    r = DistanceRule()
    lat, lon = pos(20)
    old = DEFAULTS["partner_stale_ms"] // 1000 + 5
    for t in range(10):
        r.own_fix(fix_at(0, 0), t * 1000)
        r.partner_fix(lat, lon, 90, old, t * 1000)
    assert r.status(9000) == UNKNOWN and r.evaluations == 0


def test_home_rule_hysteresis_and_context():
    h = HomeRule(HOME[0], HOME[1], 50)
    assert h.at_home(0) is None
    for t in range(3):
        h.own_fix(fix_at(10, 0), t * 1000)
    assert h.at_home(2000) is True
    # in the hysteresis band (50..80 m): still home
    for t in range(3, 10):
        h.own_fix(fix_at(70, 0), t * 1000)
    assert h.at_home(9000) is True
    # one fix far away (an outlier) does not make it leave
    h.own_fix(fix_at(400, 0), 10000)
    h.own_fix(fix_at(10, 0), 11000)
    assert h.at_home(11000) is True
    for t in range(12, 15):
        h.own_fix(fix_at(120, 0), t * 1000)
    assert h.at_home(14000) is False
    # no fix: last decision holds, then unknown; the home context says home
    late = 14000 + DEFAULTS["home_hold_ms"] + 1000
    assert h.at_home(60000) is False
    assert h.at_home(late) is None
    h.home_context(True)
    assert h.at_home(late) is True


def test_home_rule_rejects_bad_provisioning():
    with pytest.raises(ValueError):
        HomeRule(None, 0, 50)
    with pytest.raises(ValueError):
        HomeRule(HOME[0], HOME[1], 0)
    with pytest.raises(ValueError):
        HomeRule(950000000, 0, 50)


def test_both_home():
    assert both_home(True, True)
    assert not both_home(True, None)
    assert not both_home(True, False)


def test_relay_limiter():
    r = RelayLimiter()
    lat, lon = pos(0)
    assert not r.due(0, lat, lon, timeout_active=False)
    for home_changed in range(3):  # a home status of its own never sends a position
        assert not r.due(home_changed, lat, lon, False)
    assert r.due(0, lat, lon, timeout_active=True)
    r.sent_at(0, lat, lon)
    far = pos(DEFAULTS["relay_min_move_m"] + 5)
    near_gap = DEFAULTS["relay_near_interval_ms"]
    far_gap = DEFAULTS["relay_far_interval_ms"]
    assert not r.due(near_gap - 1, far[0], far[1], True, link_near=True)
    assert r.due(near_gap, far[0], far[1], True, link_near=True)
    assert not r.due(near_gap, far[0], far[1], True, link_near=False)
    assert r.due(far_gap, far[0], far[1], True, link_near=False)
    # not moved: only the heartbeat
    assert not r.due(far_gap, lat, lon, True)
    assert r.due(DEFAULTS["relay_heartbeat_ms"], lat, lon, True)


def test_power_policy_duty_cycle():
    g = GpsPower()
    stable = DEFAULTS["power_home_stable_ms"]
    assert g.mode(0, False, True) == FULL
    assert g.mode(stable - 1, False, True) == FULL
    assert g.mode(stable, False, True) == DUTY_ON
    assert g.mode(stable + DEFAULTS["power_duty_on_ms"], False, True) == DUTY_OFF
    assert g.mode(stable + DEFAULTS["power_duty_period_ms"], False, True) == DUTY_ON
    assert g.mode(stable + 1000, True, True) == FULL  # a time-out: always full
    assert g.mode(stable * 3, False, False) == FULL  # home status changed: full again
    assert g.mode(stable * 3, False, None) == FULL
    assert g.duty_fraction_x1000() == 50


def test_ubx_frames():
    # UBX-RXM-PMREQ backup, indefinite: the frame u-blox documents as an example
    assert pmreq_backup(0) == bytes.fromhex("b5 62 02 41 08 00 00 00 00 00 02 00 00 00 4d 3b")
    assert check(pmreq_backup(60000))
    bad = bytearray(frame(0x06, 0x04, b"\x00\x00\x08\x00"))
    assert check(bytes(bad))
    bad[-1] ^= 1
    assert not check(bytes(bad))


def test_params_validation():
    assert merged()["min_distance_m"] == 100
    assert merged({"min_distance_m": 80})["min_distance_m"] == 80
    for bad in ({"no_such": 1}, {"min_distance_m": -1}, {"min_distance_m": 1.5},
                {"clear_distance_m": 50}, {"too_close_fixes": 0}, {"min_sats": True}):
        with pytest.raises(ValueError):
            merged(bad)


def test_defaults_are_consistent():
    assert DEFAULTS["clear_distance_m"] > DEFAULTS["min_distance_m"]
    assert DEFAULTS["partner_stale_ms"] > DEFAULTS["relay_heartbeat_ms"]
    assert distance_m(*pos(0), *pos(100)) == pytest.approx(100, abs=0.05)
