"""Chinese coordinate systems: WGS-84, GCJ-02 (AMap, Tencent) and BD-09 (Baidu).

Everything the project stores is WGS-84 (lon, lat) in decimal degrees. Maps and
geocoders made in China hand out GCJ-02 or BD-09; these functions convert in
both directions.

The forward GCJ-02 offset is the widely published formula (Krasovsky 1940
ellipsoid, a = 6378245 m), the same one implemented by wandergis/coordtransform
and googollee/eviltransform. Its inverse has no closed form, so ``gcj02_to_wgs84``
iterates the forward formula until the round trip closes to 1e-9 degrees
(about 0.1 mm), far below the required 0.5 m. BD-09 is a further offset on top of
GCJ-02; its published inverse is approximate (errors of a few centimetres), so it
is refined the same way.

The offsets apply only inside China (see ``in_china``). Outside, GCJ-02 and
BD-09 equal WGS-84 and every conversion is the identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import Enum
from types import SimpleNamespace

import numpy as np

__all__ = [
    "CoordSystem",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84",
    "from_wgs84_array",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "in_china_array",
    "to_wgs84",
    "to_wgs84_array",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]


class CoordSystem(str, Enum):
    """The coordinate system a (lon, lat) pair is expressed in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ITERATIONS = 30

# The region where the GCJ-02 offset is applied: a union of boxes (west, south,
# east, north) minus exclusion boxes. These are the rectangles published by
# Aimeast (cnblogs, 2012) and reused by most GCJ-02 libraries; they follow the
# mainland border far more closely than the single 72-137.8E / 0.8-55.8N box,
# which would wrongly shift points in Vietnam, Korea or Taiwan. The exclusions
# remove Taiwan, northern Vietnam, and the Russian and Korean corners.
_CHINA_BOXES = np.array(
    [
        (79.446200, 42.889900, 96.330000, 49.220400),
        (109.687200, 39.374200, 135.000200, 54.141500),
        (73.124600, 29.529700, 124.143255, 42.889900),
        (82.968400, 26.718600, 97.035200, 29.529700),
        (97.025300, 20.414096, 124.367395, 29.529700),
        (107.975793, 17.871542, 111.744104, 20.414096),
    ]
)
_EXCLUDED_BOXES = np.array(
    [
        (119.921265, 21.785006, 122.497559, 25.398623),
        (101.865200, 20.098800, 106.665000, 22.284000),
        (106.452500, 20.487800, 108.051000, 21.542200),
        (109.032300, 50.325700, 119.127000, 55.817500),
        (127.456800, 49.557400, 137.022700, 55.817500),
        (131.266200, 42.569200, 137.022700, 44.892200),
    ]
)

# One set of formulas serves scalars (math, fast per call) and arrays (numpy).
_SCALAR = SimpleNamespace(sin=math.sin, cos=math.cos, sqrt=math.sqrt, abs=abs, atan2=math.atan2, hypot=math.hypot)
_VECTOR = SimpleNamespace(sin=np.sin, cos=np.cos, sqrt=np.sqrt, abs=np.abs, atan2=np.arctan2, hypot=np.hypot)


def _in_boxes(lon: np.ndarray, lat: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    lon = lon[..., None]
    lat = lat[..., None]
    inside = (boxes[:, 0] <= lon) & (lon <= boxes[:, 2]) & (boxes[:, 1] <= lat) & (lat <= boxes[:, 3])
    return inside.any(axis=-1)


def in_china_array(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Vectorized ``in_china`` over arrays of lon/lat degrees; returns a bool array."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    return _in_boxes(lons, lats, _CHINA_BOXES) & ~_in_boxes(lons, lats, _EXCLUDED_BOXES)


def in_china(lon: float, lat: float) -> bool:
    """Whether a point (degrees, any of the three systems) is where GCJ-02 applies.

    Mainland China including Hainan, Hong Kong and Macau, excluding Taiwan: the
    region where Chinese map providers shift coordinates. The boxes overshoot the
    border by up to a few tens of kilometres in places; good enough to decide
    whether to apply an offset, not to decide sovereignty.
    """
    for west, south, east, north in _CHINA_BOXES:
        if west <= lon <= east and south <= lat <= north:
            return not any(w <= lon <= e and s <= lat <= n for w, s, e, n in _EXCLUDED_BOXES)
    return False


def _gcj_offset(lon, lat, m: SimpleNamespace):
    """The GCJ-02 shift (dlon, dlat) in degrees at a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    ripple = (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(m.abs(x))
    dlat = dlat + ripple + (20.0 * m.sin(y * math.pi) + 40.0 * m.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * m.sin(y / 12.0 * math.pi) + 320.0 * m.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(m.abs(x))
    dlon = dlon + ripple + (20.0 * m.sin(x * math.pi) + 40.0 * m.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * m.sin(x / 12.0 * math.pi) + 300.0 * m.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * m.sin(rad_lat) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A / sqrt_magic * m.cos(rad_lat) * math.pi)
    return dlon, dlat


def _wgs_to_gcj(lon, lat, m: SimpleNamespace):
    dlon, dlat = _gcj_offset(lon, lat, m)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon, lat, m: SimpleNamespace):
    z = m.hypot(lon, lat) + 0.00002 * m.sin(lat * _BD_X_PI)
    theta = m.atan2(lat, lon) + 0.000003 * m.cos(lon * _BD_X_PI)
    return z * m.cos(theta) + _BD_DLON, z * m.sin(theta) + _BD_DLAT


def _bd_to_gcj_approx(lon, lat, m: SimpleNamespace):
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = m.hypot(x, y) - 0.00002 * m.sin(y * _BD_X_PI)
    theta = m.atan2(y, x) - 0.000003 * m.cos(x * _BD_X_PI)
    return z * m.cos(theta), z * m.sin(theta)


def _invert(forward: Callable, target_lon, target_lat, guess_lon, guess_lat, m: SimpleNamespace):
    """Fixed-point inverse of ``forward`` near the identity: x <- x - (f(x) - target)."""
    lon, lat = guess_lon, guess_lat
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = forward(lon, lat, m)
        err_lon = f_lon - target_lon
        err_lat = f_lat - target_lat
        lon = lon - err_lon
        lat = lat - err_lat
        if np.all(m.abs(err_lon) < _INVERSE_TOLERANCE_DEG) and np.all(m.abs(err_lat) < _INVERSE_TOLERANCE_DEG):
            break
    return lon, lat


def _gcj_to_wgs(lon, lat, m: SimpleNamespace):
    dlon, dlat = _gcj_offset(lon, lat, m)
    return _invert(_wgs_to_gcj, lon, lat, lon - dlon, lat - dlat, m)


def _bd_to_gcj(lon, lat, m: SimpleNamespace):
    guess_lon, guess_lat = _bd_to_gcj_approx(lon, lat, m)
    return _invert(_gcj_to_bd, lon, lat, guess_lon, guess_lat, m)


def _wgs_to_bd(lon, lat, m: SimpleNamespace):
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat, m), m)


def _bd_to_wgs(lon, lat, m: SimpleNamespace):
    return _gcj_to_wgs(*_bd_to_gcj(lon, lat, m), m)


def _convert(transform: Callable, lon: float, lat: float) -> tuple[float, float]:
    if not in_china(lon, lat):
        return float(lon), float(lat)
    new_lon, new_lat = transform(float(lon), float(lat), _SCALAR)
    return float(new_lon), float(new_lat)


def _vector(transform: Callable, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lons = np.array(lons, dtype=float)
    lats = np.array(lats, dtype=float)
    mask = in_china_array(lons, lats)
    if mask.any():
        lons[mask], lats[mask] = transform(lons[mask], lats[mask], _VECTOR)
    return lons, lats


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 (lon, lat) degrees to GCJ-02; identity outside China."""
    return _convert(_wgs_to_gcj, lon, lat)


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 (lon, lat) degrees to WGS-84, iterated to ~0.1 mm; identity outside China."""
    return _convert(_gcj_to_wgs, lon, lat)


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 (lon, lat) degrees to BD-09; identity outside China."""
    return _convert(_gcj_to_bd, lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 (lon, lat) degrees to GCJ-02, iterated to ~0.1 mm; identity outside China."""
    return _convert(_bd_to_gcj, lon, lat)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 (lon, lat) degrees to BD-09; identity outside China."""
    return _convert(_wgs_to_bd, lon, lat)


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """BD-09 (lon, lat) degrees to WGS-84, iterated to ~0.1 mm; identity outside China."""
    return _convert(_bd_to_wgs, lon, lat)


_TO_WGS84 = {CoordSystem.GCJ02: _gcj_to_wgs, CoordSystem.BD09: _bd_to_wgs}
_FROM_WGS84 = {CoordSystem.GCJ02: _wgs_to_gcj, CoordSystem.BD09: _wgs_to_bd}


def _identity(lon, lat, m: SimpleNamespace):
    return lon, lat


def to_wgs84(lon: float, lat: float, system: CoordSystem | str) -> tuple[float, float]:
    """Convert a (lon, lat) point in degrees from ``system`` to WGS-84."""
    transform = _TO_WGS84.get(CoordSystem(system), _identity)
    return _convert(transform, lon, lat)


def from_wgs84(lon: float, lat: float, system: CoordSystem | str) -> tuple[float, float]:
    """Convert a WGS-84 (lon, lat) point in degrees to ``system``."""
    transform = _FROM_WGS84.get(CoordSystem(system), _identity)
    return _convert(transform, lon, lat)


def to_wgs84_array(lons: np.ndarray, lats: np.ndarray, system: CoordSystem | str) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized ``to_wgs84``: arrays of degrees in ``system`` to new WGS-84 arrays."""
    return _vector(_TO_WGS84.get(CoordSystem(system), _identity), lons, lats)


def from_wgs84_array(lons: np.ndarray, lats: np.ndarray, system: CoordSystem | str) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized ``from_wgs84``: arrays of WGS-84 degrees to new arrays in ``system``."""
    return _vector(_FROM_WGS84.get(CoordSystem(system), _identity), lons, lats)
