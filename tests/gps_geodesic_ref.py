"""Double-precision reference distances for the GPS tests: Vincenty (WGS84) and haversine."""

import math

_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)


def vincenty_m(lat1, lon1, lat2, lon2):
    """Vincenty's inverse formula on WGS84, degrees in, metres out (double precision)."""
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        ss = math.sqrt((cu2 * sl) ** 2 + (cu1 * su2 - su1 * cu2 * cl) ** 2)
        if ss == 0:
            return 0.0
        cs = su1 * su2 + cu1 * cu2 * cl
        sigma = math.atan2(ss, cs)
        sa = cu1 * cu2 * sl / ss
        c2a = 1 - sa * sa
        c2sm = cs - 2 * su1 * su2 / c2a if c2a else 0.0
        c = _F / 16 * c2a * (4 + _F * (4 - 3 * c2a))
        prev = lam
        lam = big_l + (1 - c) * _F * sa * (sigma + c * ss * (c2sm + c * cs * (-1 + 2 * c2sm ** 2)))
        if abs(lam - prev) < 1e-13:
            break
    u2_ = c2a * (_A * _A - _B * _B) / (_B * _B)
    a_ = 1 + u2_ / 16384 * (4096 + u2_ * (-768 + u2_ * (320 - 175 * u2_)))
    b_ = u2_ / 1024 * (256 + u2_ * (-128 + u2_ * (74 - 47 * u2_)))
    ds = b_ * ss * (c2sm + b_ / 4 * (cs * (-1 + 2 * c2sm ** 2)
                                     - b_ / 6 * c2sm * (-3 + 4 * ss ** 2) * (-3 + 4 * c2sm ** 2)))
    return _B * a_ * (sigma - ds)


def haversine_m(lat1, lon1, lat2, lon2, radius=6371008.8):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))
