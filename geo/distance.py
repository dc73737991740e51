"""Distances between WGS-84 points, fast for ranking and exact for display.

``haversine_m`` treats the Earth as a sphere of mean radius 6,371,008.8 m and is
vectorized with numpy: use it to rank or filter many candidates. Against the
exact WGS-84 ellipsoidal distance (``geodesic_m``, pyproj's Karney algorithm)
its error depends on direction and latitude: measured over 20,000 random pairs
1-630 km apart and 20,000 pairs under 8 km apart inside Zhejiang (lon 118.0-122.9,
lat 27.0-31.2) it is between -0.20 % (east-west) and +0.35 % (north-south), i.e.
at most 3.6 m per km (tests/unit/geo/test_geo_distance.py asserts this bound). A ranking can
swap two candidates whose distances differ by less than that; anything a person
reads (a distance on a page or in an SMS) must come from ``geodesic_m``.
"""

from __future__ import annotations

import numpy as np
from pyproj import Geod

__all__ = [
    "EARTH_MEAN_RADIUS_M",
    "HAVERSINE_MAX_RELATIVE_ERROR",
    "geodesic_m",
    "geodesic_many_m",
    "haversine_m",
    "nearest_k",
    "within_box",
]

EARTH_MEAN_RADIUS_M = 6_371_008.8
# Measured bound of |haversine - geodesic| / geodesic inside Zhejiang (module docstring).
HAVERSINE_MAX_RELATIVE_ERROR = 0.0036

_GEOD = Geod(ellps="WGS84")


def haversine_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Great-circle metres from one WGS-84 point to arrays of WGS-84 points (degrees).

    Spherical approximation for ranking (error up to ~0.35 % in Zhejiang); show
    people ``geodesic_m`` instead.
    """
    lat0 = np.radians(lat)
    lats_r = np.radians(np.asarray(lats, dtype=float))
    half_dlat = (lats_r - lat0) * 0.5
    half_dlon = np.radians(np.asarray(lons, dtype=float) - lon) * 0.5
    a = np.sin(half_dlat) ** 2 + np.cos(lat0) * np.cos(lats_r) * np.sin(half_dlon) ** 2
    return 2.0 * EARTH_MEAN_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def within_box(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray, metres: float) -> np.ndarray | None:
    """Which points may lie within ``metres`` of a WGS-84 point, by ``haversine_m``: a box around it, far cheaper
    than the distances. Every point outside the box is farther than ``metres``; one inside may be too. None where
    no box can say (it would reach a pole or the antimeridian).

    Why the box holds: the great-circle angle between two points is at least their difference in latitude; and
    with both latitudes within ``top`` of the equator, hav(angle) >= cos²(top) hav(difference in longitude), so a
    difference in longitude beyond ``2 asin(sin(angle / 2) / cos(top))`` is an angle beyond ``angle``.
    """
    angle = metres / EARTH_MEAN_RADIUS_M
    half_lat = np.degrees(angle)
    top = abs(lat) + half_lat
    if top >= 89.0 or angle >= np.pi / 2:
        return None
    half_lon = np.degrees(2.0 * np.arcsin(min(1.0, np.sin(angle / 2.0) / np.cos(np.radians(top)))))
    if abs(lon) + half_lon >= 180.0:  # then a difference in longitude could wrap round
        return None
    inside = np.abs(np.asarray(lats, dtype=float) - lat) <= half_lat
    inside &= np.abs(np.asarray(lons, dtype=float) - lon) <= half_lon
    return inside


def nearest_k(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` points nearest a WGS-84 point: (indices into lons/lats, haversine metres).

    Sorted nearest first; ties keep the lower index first. Uses argpartition, so it
    costs O(n) plus O(k log k), not a full sort.
    """
    metres = haversine_m(lon, lat, lons, lats)
    k = max(0, min(int(k), metres.size))
    if k == 0:
        return np.empty(0, dtype=np.intp), np.empty(0)
    head = np.argpartition(metres, k - 1)[:k] if k < metres.size else np.arange(metres.size)
    order = np.lexsort((head, metres[head]))
    indices = head[order]
    return indices, metres[indices]


def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Exact WGS-84 ellipsoidal distance in metres between two WGS-84 points (degrees)."""
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres)


def geodesic_many_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Exact WGS-84 ellipsoidal metres from one point to arrays of points (degrees)."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    _, _, metres = _GEOD.inv(np.full(lons.shape, lon), np.full(lats.shape, lat), lons, lats)
    return np.asarray(metres, dtype=float)
