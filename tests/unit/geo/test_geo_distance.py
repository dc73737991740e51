from __future__ import annotations

import numpy as np
import pytest

from geo.distance import (
    HAVERSINE_MAX_RELATIVE_ERROR,
    geodesic_m,
    geodesic_many_m,
    haversine_m,
    nearest_k,
    within_box,
)


def _zhejiang_points(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(118.0, 122.9, n), rng.uniform(27.0, 31.2, n)


def test_geodesic_matches_known_lengths():
    # One degree of latitude on the WGS-84 ellipsoid: 110,574.4 m at the equator, 111,694 m at the pole.
    assert geodesic_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(110_574.4, abs=0.5)
    assert geodesic_m(0.0, 89.0, 0.0, 90.0) == pytest.approx(111_693.9, abs=0.5)
    assert geodesic_m(120.0, 30.0, 120.0, 30.0) == 0.0


def test_haversine_error_against_geodesic_stays_within_documented_bound():
    lons, lats = _zhejiang_points(7, 3000)
    for origin in range(0, 3000, 300):
        fast = haversine_m(lons[origin], lats[origin], lons, lats)
        exact = geodesic_many_m(lons[origin], lats[origin], lons, lats)
        far = exact > 1.0
        relative = np.abs(fast[far] - exact[far]) / exact[far]
        assert relative.max() <= HAVERSINE_MAX_RELATIVE_ERROR


def test_haversine_error_on_short_hops_stays_within_bound():
    lons, lats = _zhejiang_points(8, 500)
    rng = np.random.default_rng(9)
    other_lons = lons + rng.uniform(-0.02, 0.02, lons.size)
    other_lats = lats + rng.uniform(-0.02, 0.02, lats.size)
    for lon, lat, olon, olat in zip(lons, lats, other_lons, other_lats, strict=True):
        fast = haversine_m(lon, lat, np.array([olon]), np.array([olat]))[0]
        assert abs(fast - geodesic_m(lon, lat, olon, olat)) <= HAVERSINE_MAX_RELATIVE_ERROR * fast + 1e-6


def test_nearest_k_agrees_with_a_full_sort():
    lons, lats = _zhejiang_points(3, 5000)
    indices, metres = nearest_k(120.2, 30.3, lons, lats, 50)
    full = haversine_m(120.2, 30.3, lons, lats)
    assert list(indices) == list(np.argsort(full, kind="stable")[:50])
    assert np.all(np.diff(metres) >= 0)
    assert metres == pytest.approx(full[indices])


def test_nearest_k_breaks_ties_by_index_and_clamps_k():
    lons = np.array([120.0, 120.1, 120.0, 120.0])
    lats = np.array([30.1, 30.0, 30.1, 30.0])
    indices, metres = nearest_k(120.0, 30.0, lons, lats, 10)
    # 0.1 degree of longitude at 30N (9.6 km) is shorter than 0.1 of latitude (11.1 km).
    assert list(indices) == [3, 1, 0, 2]
    assert metres[0] == 0.0
    assert nearest_k(120.0, 30.0, lons, lats, 0)[0].size == 0
    assert nearest_k(120.0, 30.0, lons[:0], lats[:0], 3)[0].size == 0


@pytest.mark.parametrize("lon, lat", [(120.15, 30.25), (0.0, 0.0), (-70.0, -60.0), (178.5, 10.0), (120.0, 88.5)])
@pytest.mark.parametrize("metres", [50.0, 10_000.0, 160_000.0, 3_000_000.0])
def test_every_point_outside_the_box_is_farther_than_its_reach(lon, lat, metres):
    rng = np.random.default_rng(7)
    near = metres * 3 / 111_000  # half of the points near the box, half anywhere on the globe
    lons = np.concatenate([lon + rng.uniform(-near, near, 20_000), rng.uniform(-180, 180, 20_000)])
    lats = np.concatenate([np.clip(lat + rng.uniform(-near, near, 20_000), -90, 90), rng.uniform(-90, 90, 20_000)])
    lons = (lons + 180) % 360 - 180
    inside = within_box(lon, lat, lons, lats, metres)
    if inside is None:  # only where a box would reach a pole or round the antimeridian
        assert metres >= 3_000_000 or abs(lat) > 88 or abs(lon) > 178
        return
    metres_away = haversine_m(lon, lat, lons, lats)
    assert (metres_away[~inside] > metres).all()
    assert inside[metres_away <= metres].all()
    assert inside.any() and not inside.all()  # the box is a real filter here
