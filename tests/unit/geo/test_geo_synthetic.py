from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.cells import GridIndex
from geo.synthetic import ZHEJIANG_BBOX, organization_points, province_grid


@pytest.fixture(scope="module")
def small():
    return province_grid(seed=5, n=1_000)


def test_same_seed_same_grid_other_seed_other_grid(small):
    again = province_grid(seed=5, n=1_000)
    other = province_grid(seed=6, n=1_000)
    assert np.array_equal(small.rings(), again.rings())
    assert np.array_equal(small.community_ids, again.community_ids)
    assert not np.array_equal(small.rings(), other.rings())


def test_cells_have_stable_dense_ids_and_codes(small):
    cells = list(small.cells(batch=300))
    assert [c.id for c in cells] == list(range(1, 1_001))
    assert cells[41].code == "G000042"
    assert len({c.code for c in cells}) == 1_000


def test_cells_tile_the_box_without_gaps_or_overlaps(small):
    geoms = small.geometries()
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon" and not union.interiors
    assert union.area == pytest.approx(shapely.area(geoms).sum(), rel=1e-9)
    west, south, east, north = union.bounds
    assert (west, south, east) == pytest.approx(ZHEJIANG_BBOX[:3])
    assert north <= ZHEJIANG_BBOX[3] + 1e-12


def test_cells_are_convex_irregular_quadrilaterals(small):
    geoms = small.geometries()
    hulls = shapely.convex_hull(geoms)
    assert np.allclose(shapely.area(hulls), shapely.area(geoms))
    areas = shapely.area(geoms)
    assert areas.std() > 0.01 * areas.mean()


def test_grouping_sizes():
    grid = province_grid(seed=0)
    assert len(grid) == 100_000
    cells_per_community = np.bincount(grid.community_ids)[1:]
    assert cells_per_community.max() == 20 and np.median(cells_per_community) == 20
    communities = np.unique(grid.community_ids, return_index=True)[1]
    per_subdistrict = np.bincount(grid.subdistrict_ids[communities])[1:]
    assert per_subdistrict.max() == 15 and np.median(per_subdistrict) == 15
    subdistricts = np.unique(grid.subdistrict_ids, return_index=True)[1]
    per_county = np.bincount(grid.county_ids[subdistricts])[1:]
    assert per_county.max() == 25
    # Each community sits in one subdistrict and each subdistrict in one county.
    assert np.all(
        np.bincount(grid.community_ids, weights=grid.subdistrict_ids)[1:]
        == cells_per_community * grid.subdistrict_ids[communities]
    )


def test_organization_points_are_deterministic_and_inside_cells(small):
    lons, lats = organization_points(seed=3, n=2_000, grid=small)
    again = organization_points(seed=3, n=2_000, grid=small)
    assert np.array_equal(lons, again[0]) and np.array_equal(lats, again[1])
    ids = GridIndex(small.cells()).cells_at(lons, lats)
    assert np.all(ids > 0)
    assert len(np.unique(ids)) > 500


def test_rejects_empty_grid():
    with pytest.raises(ValueError):
        province_grid(n=0)
