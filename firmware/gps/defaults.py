"""Thresholds of the GPS rules with their defaults (units in the names), and their validation.

Pure data and a checker; must not read files (the store/config layer passes a dict in).
Why each default is what it is: docs/gps.md. The two distances are the one source for the
couple's setting too: core/config.py takes its min_distance_m default from here, and the shell
derives the clear distance from the couple's minimum with clear_distance_m().
"""

MIN_DISTANCE_M = 100  # the method's rule: partners keep at least this far apart


def clear_distance_m(min_distance_m):
    """Beyond this the partners are "clear" again: 1.3 times the minimum (130 m for 100 m), a
    hysteresis band wider than the combined error of two consumer receivers."""
    return min_distance_m * 13 // 10


DEFAULTS = {
    # --- distance rule (during a time-out) ---
    "min_distance_m": MIN_DISTANCE_M,  # closer than this is "too close"
    "clear_distance_m": clear_distance_m(MIN_DISTANCE_M),  # "clear" only beyond (100..130 m)
    "too_close_fixes": 5,  # consecutive distance evaluations under min_distance_m
    "clear_fixes": 3,  # consecutive distance evaluations over clear_distance_m
    "max_hdop_x100": 400,  # fixes with HDOP above 4.0 are ignored
    "min_sats": 4,  # fixes from fewer satellites are ignored (when the receiver says)
    "own_stale_ms": 15000,  # no usable own fix for this long: distance "unknown"
    "partner_stale_ms": 90000,  # partner position older than this: distance "unknown"
    "max_speed_mps": 15,  # a person on foot or bicycle; faster jumps are outliers...
    "jump_slack_m": 30,  # ...after this allowance for ordinary GPS error
    "outlier_confirm_fixes": 3,  # this many consistent fixes away from the track = real move
    "ble_near_hold_ms": 5000,  # a strong BLE "near" for this long is "too close" by itself
    "ble_stale_ms": 30000,  # BLE reports older than this are ignored (adverts: ~8-30 s apart)
    # a BLE "too close" ends only after "not near" for this long: a dip in the partner's signal
    # is not distance, and relayed positions (the partner's claim) cannot clear it in between
    "ble_release_ms": 30000,
    # --- home rule ---
    "home_hysteresis_m": 30,  # leave home only beyond radius + this
    "home_enter_fixes": 3,  # consecutive fixes inside the radius to become "home"
    "home_leave_fixes": 3,  # consecutive fixes beyond radius + hysteresis to become "away"
    "home_hold_ms": 14400000,  # without a fix, the last home decision holds this long (4 h)
    # --- position relay to the partner ---
    "relay_near_interval_ms": 5000,  # minimum spacing of reports over BLE
    "relay_far_interval_ms": 30000,  # minimum spacing of reports over the cellular link
    "relay_min_move_m": 10,  # a report before the heartbeat only after moving this far
    "relay_heartbeat_ms": 60000,  # report at least this often during a time-out
    # --- receiver power ---
    "power_home_stable_ms": 600000,  # home status unchanged this long: duty-cycle the GNSS
    "power_duty_on_ms": 30000,  # receiver on this long per period when duty-cycled
    "power_duty_period_ms": 600000,  # one duty cycle
}


def merged(params=None):
    """DEFAULTS overridden by params; ValueError names an unknown key or a bad value."""
    out = dict(DEFAULTS)
    if params is None:
        return out
    for k in params:
        if k not in DEFAULTS:
            raise ValueError("unknown gps parameter: %s" % k)
        v = params[k]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError("gps parameter %s must be a non-negative integer" % k)
        out[k] = v
    if out["clear_distance_m"] < out["min_distance_m"]:
        raise ValueError("clear_distance_m must be >= min_distance_m")
    for k in ("too_close_fixes", "clear_fixes", "outlier_confirm_fixes", "home_enter_fixes",
              "home_leave_fixes"):
        if out[k] < 1:
            raise ValueError("%s must be >= 1" % k)
    if out["power_duty_on_ms"] > out["power_duty_period_ms"]:
        raise ValueError("power_duty_on_ms must be <= power_duty_period_ms")
    return out
