from __future__ import annotations

import numpy as np
import pytest

from geo.coords import (
    CoordSystem,
    bd09_to_gcj02,
    bd09_to_wgs84,
    from_wgs84,
    from_wgs84_array,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    in_china_array,
    to_wgs84,
    to_wgs84_array,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geo.distance import geodesic_m, geodesic_many_m

# Reference pairs (lon, lat) -> (lon, lat) from the test suites of two widely used
# open-source converters, both using the standard Krasovsky-ellipsoid GCJ-02
# formula and Baidu's published BD-09 formula:
#   googollee/eviltransform python/test.py (WGS-84 -> GCJ-02),
#   wandergis/coordtransform test/app.js (input 116.404, 39.915: Tiananmen).
WGS_TO_GCJ = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),  # Tiananmen
]
GCJ_TO_BD = [((116.404, 39.915), (116.41036949371029, 39.92133699351021))]
BD_TO_GCJ = [((116.404, 39.915), (116.39762729119315, 39.90865673957631))]
GCJ_TO_WGS = [((116.404, 39.915), (116.39775550083061, 39.91359571849836))]

HANGZHOU_WEST_LAKE = (120.1485, 30.2425)
ZHEJIANG = (118.0, 27.0, 122.9, 31.2)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic_m(a[0], a[1], b[0], b[1])


def _zhejiang_lattice(step: int = 40) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = ZHEJIANG
    lons, lats = np.meshgrid(np.linspace(west, east, step), np.linspace(south, north, step))
    return lons.ravel(), lats.ravel()


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj):
    assert _metres(wgs84_to_gcj02(*wgs), gcj) < 1.0


@pytest.mark.parametrize(("gcj", "bd"), GCJ_TO_BD)
def test_gcj02_to_bd09_matches_published_pair(gcj, bd):
    assert _metres(gcj02_to_bd09(*gcj), bd) < 1.0


@pytest.mark.parametrize(("bd", "gcj"), BD_TO_GCJ)
def test_bd09_to_gcj02_matches_published_pair(bd, gcj):
    # The published inverse is a one-step approximation; ours is iterated, so a few cm apart.
    assert _metres(bd09_to_gcj02(*bd), gcj) < 1.0


@pytest.mark.parametrize(("gcj", "wgs"), GCJ_TO_WGS)
def test_gcj02_to_wgs84_matches_published_pair(gcj, wgs):
    # The reference uses the one-step approximation (good to 1-2 m); ours is iterated.
    assert _metres(gcj02_to_wgs84(*gcj), wgs) < 2.0


def test_offsets_in_hangzhou_have_the_known_size():
    gcj = wgs84_to_gcj02(*HANGZHOU_WEST_LAKE)
    bd = wgs84_to_bd09(*HANGZHOU_WEST_LAKE)
    assert 300 < _metres(HANGZHOU_WEST_LAKE, gcj) < 800
    assert 900 < _metres(HANGZHOU_WEST_LAKE, bd) < 1500
    assert gcj[0] > HANGZHOU_WEST_LAKE[0] and gcj[1] < HANGZHOU_WEST_LAKE[1]


def test_wgs84_gcj02_round_trip_is_under_half_a_metre_across_zhejiang():
    lons, lats = _zhejiang_lattice()
    gcj_lons, gcj_lats = from_wgs84_array(lons, lats, CoordSystem.GCJ02)
    back_lons, back_lats = to_wgs84_array(gcj_lons, gcj_lats, CoordSystem.GCJ02)
    errors = [geodesic_m(a, b, c, d) for a, b, c, d in zip(lons, lats, back_lons, back_lats, strict=True)]
    assert max(errors) < 0.5
    assert np.all(np.hypot(gcj_lons - lons, gcj_lats - lats) > 0.001)


def test_wgs84_bd09_round_trip_is_under_half_a_metre_across_zhejiang():
    lons, lats = _zhejiang_lattice()
    bd_lons, bd_lats = from_wgs84_array(lons, lats, "bd09")
    back_lons, back_lats = to_wgs84_array(bd_lons, bd_lats, "bd09")
    errors = [geodesic_m(a, b, c, d) for a, b, c, d in zip(lons, lats, back_lons, back_lats, strict=True)]
    assert max(errors) < 0.5


@pytest.mark.parametrize("point", [(118.1, 27.1), HANGZHOU_WEST_LAKE, (121.55, 29.87), (122.8, 31.1), (120.65, 28.0)])
def test_scalar_round_trips_close_to_a_millimetre(point):
    assert _metres(gcj02_to_wgs84(*wgs84_to_gcj02(*point)), point) < 0.001
    assert _metres(bd09_to_wgs84(*wgs84_to_bd09(*point)), point) < 0.001
    assert _metres(bd09_to_gcj02(*gcj02_to_bd09(*point)), point) < 0.001
    assert _metres(wgs84_to_gcj02(*gcj02_to_wgs84(*point)), point) < 0.001


def test_scalar_and_array_conversions_agree():
    lons, lats = _zhejiang_lattice(7)
    bd_lons, bd_lats = from_wgs84_array(lons, lats, CoordSystem.BD09)
    for lon, lat, bd_lon, bd_lat in zip(lons, lats, bd_lons, bd_lats, strict=True):
        assert wgs84_to_bd09(lon, lat) == pytest.approx((bd_lon, bd_lat), abs=1e-12)
    metres = geodesic_many_m(lons[0], lats[0], bd_lons[:1], bd_lats[:1])
    assert metres[0] > 100


@pytest.mark.parametrize(
    ("name", "point", "inside"),
    [
        ("Beijing", (116.39, 39.91), True),
        ("Hangzhou", HANGZHOU_WEST_LAKE, True),
        ("Urumqi", (87.62, 43.83), True),
        ("Lhasa", (91.13, 29.65), True),
        ("Harbin", (126.63, 45.75), True),
        ("Sanya", (109.51, 18.25), True),
        ("Hong Kong", (114.17, 22.30), True),
        ("Taipei", (121.56, 25.04), False),
        ("Hanoi", (105.85, 21.03), False),
        ("Seoul", (126.98, 37.57), False),
        ("Vladivostok", (131.89, 43.12), False),
        ("Ulaanbaatar", (106.92, 47.92), False),
        ("Tokyo", (139.69, 35.69), False),
        ("Paris", (2.35, 48.86), False),
    ],
)
def test_in_china(name, point, inside):
    assert in_china(*point) is inside, name
    assert bool(in_china_array(np.array([point[0]]), np.array([point[1]]))[0]) is inside


@pytest.mark.parametrize("point", [(2.35, 48.86), (121.56, 25.04), (139.69, 35.69)])
@pytest.mark.parametrize("system", list(CoordSystem))
def test_outside_china_every_system_equals_wgs84(point, system):
    assert to_wgs84(*point, system) == point
    assert from_wgs84(*point, system) == point


def test_systems_are_named_by_strings():
    assert CoordSystem("gcj02") is CoordSystem.GCJ02
    assert to_wgs84(*HANGZHOU_WEST_LAKE, "wgs84") == HANGZHOU_WEST_LAKE
    assert from_wgs84(*HANGZHOU_WEST_LAKE, "bd09") == wgs84_to_bd09(*HANGZHOU_WEST_LAKE)
    with pytest.raises(ValueError):
        to_wgs84(120.0, 30.0, "mars")
