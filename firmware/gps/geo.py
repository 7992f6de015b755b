"""Geodesy on integer coordinates (1e-7 degree), accurate in single precision.

Pure arithmetic, no I/O. Must not use double-precision tricks: the ESP32 port's float is 32-bit,
so the coordinate differences are taken as exact integers first and only the (small) differences
become floats. Distance uses the local WGS84 radii of curvature at the mean latitude (an
ellipsoidal equirectangular projection): for the up to 50 km this device cares about it is
within a few centimetres plus 1e-4 relative of the geodesic, far inside the 0.5 % budget.
"""

import math

E7 = 10000000  # integer units per degree
_A = 6378137.0  # WGS84 semi-major axis, m
_E2 = 0.00669437999014  # WGS84 first eccentricity squared
_RAD_PER_UNIT = math.pi / 180.0 / E7
_FULL_TURN = 3600000000  # 360 degrees in 1e-7 degree


def to_e7(deg):
    """Degrees (float) -> nearest 1e-7 degree integer. For tools and tests, not the hot path."""
    return int(round(deg * E7))


def wrap_dlon(dlon):
    """Longitude difference folded into [-180, 180) degrees, in 1e-7 degree."""
    half = _FULL_TURN // 2
    if dlon >= half or dlon < -half:
        dlon = (dlon + half) % _FULL_TURN - half
    return dlon


def offsets_m(lat1, lon1, lat2, lon2, num=float, cos=math.cos, sin=math.sin, sqrt=math.sqrt):
    """(north_m, east_m) from point 1 to point 2. `num`/`cos`/`sin`/`sqrt` let tests run the
    same arithmetic in numpy float32 to prove the single-precision error budget."""
    dlat = lat2 - lat1
    dlon = wrap_dlon(lon2 - lon1)
    # mean latitude as an integer first: no precision lost before the trig call
    mean = num(lat1 + dlat // 2) * num(_RAD_PER_UNIT)
    s = sin(mean)
    w2 = num(1.0) - num(_E2) * s * s
    w = sqrt(w2)
    n_radius = num(_A) / w  # prime vertical radius of curvature
    m_radius = num(_A * (1.0 - _E2)) / (w2 * w)  # meridional radius of curvature
    k = num(_RAD_PER_UNIT)
    north = num(dlat) * k * m_radius
    east = num(dlon) * k * n_radius * cos(mean)
    return north, east


def distance_m(lat1, lon1, lat2, lon2, num=float, cos=math.cos, sin=math.sin, sqrt=math.sqrt):
    """Ground distance in metres between two points given in 1e-7 degree (float)."""
    north, east = offsets_m(lat1, lon1, lat2, lon2, num, cos, sin, sqrt)
    return sqrt(north * north + east * east)


def offset_e7(lat, lon, north_m, east_m):
    """The point north_m / east_m metres from (lat, lon), as 1e-7 degree integers.
    For the simulator and tests (inverse of offsets_m over short distances)."""
    mean = lat * _RAD_PER_UNIT
    s = math.sin(mean)
    w2 = 1.0 - _E2 * s * s
    w = math.sqrt(w2)
    m_radius = _A * (1.0 - _E2) / (w2 * w)
    n_radius = _A / w
    dlat = north_m / (m_radius * _RAD_PER_UNIT)
    lat2 = lat + int(round(dlat))
    mean = (lat + dlat / 2.0) * _RAD_PER_UNIT
    s = math.sin(mean)
    w = math.sqrt(1.0 - _E2 * s * s)
    n_radius = _A / w
    dlon = east_m / (n_radius * math.cos(mean) * _RAD_PER_UNIT)
    return lat2, wrap_dlon(lon + int(round(dlon)))
