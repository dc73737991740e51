from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from geo.cells import EDGE_TOLERANCE_DEG, Cell, DuplicateCellError, GridIndex, IndexHolder
from geo.distance import geodesic_m
from geo.synthetic import province_grid

WEST, SOUTH, STEP = 120.10, 30.20, 0.01
# Ids deliberately not in row order, so the tie-break cannot lean on insertion order.
IDS = [[7, 3, 9], [4, 8, 1], [6, 2, 5]]  # IDS[row][col], row 0 to the south


def make_cell(cell_id: int, row: int, col: int, **areas) -> Cell:
    x, y = WEST + col * STEP, SOUTH + row * STEP
    return Cell(cell_id, box(x, y, x + STEP, y + STEP), **areas)


def make_grid_cells() -> list[Cell]:
    return [make_cell(IDS[r][c], r, c, community_id=10 + c, subdistrict_id=100 + r) for r in range(3) for c in range(3)]


@pytest.fixture(scope="module")
def grid() -> GridIndex:
    return GridIndex(make_grid_cells())


def test_point_inside_a_cell(grid):
    assert grid.cell_at(WEST + 0.015, SOUTH + 0.005).id == 3
    assert grid.community_of(WEST + 0.015, SOUTH + 0.005) == 11
    assert grid.subdistrict_of(WEST + 0.015, SOUTH + 0.025) == 102


def test_point_outside_every_cell(grid):
    assert grid.cell_at(WEST - 0.001, SOUTH) is None
    assert grid.community_of(WEST - 0.001, SOUTH) is None
    assert grid.subdistrict_of(121.0, 31.0) is None


def test_shared_edge_goes_to_smallest_id(grid):
    # Edge between (row 0, col 0) id 7 and (row 0, col 1) id 3.
    assert grid.cell_at(WEST + STEP, SOUTH + 0.005).id == 3
    # Edge between (row 1, col 2) id 1 and (row 2, col 2) id 5.
    assert grid.cell_at(WEST + 0.025, SOUTH + 2 * STEP).id == 1


def test_shared_corner_goes_to_smallest_id(grid):
    # Corner of ids 4, 8, 6, 2.
    assert grid.cell_at(WEST + STEP, SOUTH + 2 * STEP).id == 2
    # Corner of ids 7, 3, 4, 8.
    assert grid.cell_at(WEST + STEP, SOUTH + STEP).id == 3


def test_outer_boundary_belongs_to_its_cell(grid):
    assert grid.cell_at(WEST, SOUTH + 0.005).id == 7
    assert grid.cell_at(WEST + 3 * STEP, SOUTH + 3 * STEP).id == 5


def test_rounding_just_outside_the_outer_edge_is_tolerated(grid):
    assert grid.cell_at(WEST - EDGE_TOLERANCE_DEG / 2, SOUTH + 0.005).id == 7
    assert grid.cell_at(WEST - EDGE_TOLERANCE_DEG * 10, SOUTH + 0.005) is None
    lons = np.array([WEST - EDGE_TOLERANCE_DEG / 2, WEST - EDGE_TOLERANCE_DEG * 10, WEST + 0.015])
    assert list(grid.cells_at(lons, np.full(3, SOUTH + 0.005))) == [7, -1, 3]


def test_tie_break_is_stable_across_rebuilds_and_batch(grid):
    shuffled = make_grid_cells()
    np.random.default_rng(4).shuffle(shuffled)
    rebuilt = GridIndex(shuffled)
    points = [(WEST + STEP, SOUTH + 2 * STEP), (WEST + STEP, SOUTH + 0.005), (WEST + 0.025, SOUTH + 2 * STEP)]
    singles = [grid.cell_at(*p).id for p in points]
    assert singles == [rebuilt.cell_at(*p).id for p in points] == [2, 3, 1]
    lons, lats = np.array(points).T
    assert list(grid.cells_at(lons, lats)) == singles
    assert list(rebuilt.cells_at(lons, lats)) == singles


def test_batch_marks_misses_with_minus_one(grid):
    ids = grid.cells_at(np.array([WEST + 0.005, 0.0, WEST + 0.025]), np.array([SOUTH + 0.005, 0.0, SOUTH + 0.025]))
    assert ids.dtype == np.int64
    assert list(ids) == [7, -1, 5]


def test_point_in_hole_is_in_no_cell_unless_another_cell_fills_it():
    outer = box(120.0, 30.0, 120.03, 30.03)
    hole = box(120.01, 30.01, 120.02, 30.02)
    donut = Cell(1, Polygon(outer.exterior.coords, [hole.exterior.coords]))
    index = GridIndex([donut])
    assert index.cell_at(120.015, 30.015) is None
    assert index.cell_at(120.005, 30.015).id == 1
    assert index.cell_at(120.01, 30.015).id == 1  # the hole's edge belongs to the cell
    filled = index.updated(upserts=[Cell(2, hole)])
    assert filled.cell_at(120.015, 30.015).id == 2
    assert filled.cell_at(120.01, 30.015).id == 1


def test_multipolygon_cell():
    parts = MultiPolygon([box(120.0, 30.0, 120.01, 30.01), box(120.05, 30.0, 120.06, 30.01)])
    index = GridIndex([Cell(5, parts)])
    assert index.cell_at(120.055, 30.005).id == 5
    assert index.cell_at(120.03, 30.005) is None


def test_cells_touching_an_area(grid):
    area = box(WEST + 0.005, SOUTH + 0.005, WEST + 0.015, SOUTH + 0.015)
    assert [c.id for c in grid.cells_touching(area)] == [3, 4, 7, 8]


def test_cells_touching_leaves_out_edge_contact_by_default(grid):
    along_edge = box(WEST + STEP, SOUTH, WEST + 2 * STEP, SOUTH + STEP)  # exactly cell 3
    assert [c.id for c in grid.cells_touching(along_edge)] == [3]
    with_contact = grid.cells_touching(along_edge, include_edge_contact=True)
    assert [c.id for c in with_contact] == [1, 3, 4, 7, 8, 9]


def test_nearest_from_outside_reports_geodesic_metres(grid):
    lon, lat = WEST + 3 * STEP + 0.02, SOUTH + 0.025
    [(cell, metres)] = grid.nearest(lon, lat)
    assert cell.id == 5
    assert metres == pytest.approx(geodesic_m(lon, lat, WEST + 3 * STEP, lat), rel=1e-4)
    three = grid.nearest(lon, lat, k=3)
    assert [c.id for c, _ in three] == [5, 1, 9]
    assert [m for _, m in three] == sorted(m for _, m in three)


def test_nearest_for_a_point_inside_is_zero(grid):
    cell, metres = grid.nearest(WEST + 0.005, SOUTH + 0.005, k=2)[0]
    assert (cell.id, metres) == (7, 0.0)
    assert len(grid.nearest(WEST, SOUTH, k=50)) == 9
    assert GridIndex([]).nearest(WEST, SOUTH) == []


def test_nearest_uses_metres_not_degrees():
    # At 70N a degree of longitude is a third of a degree of latitude: the east cell
    # is over twice as far in degrees but nearer on the ground.
    north = Cell(1, box(10.0, 70.5, 10.1, 70.6))
    east = Cell(2, box(11.2, 69.95, 11.3, 70.05))
    [(cell, metres)] = GridIndex([north, east]).nearest(10.0, 70.0)
    assert cell.id == 2
    assert metres == pytest.approx(geodesic_m(10.0, 70.0, 11.2, 70.0), rel=1e-3)


def test_updated_returns_a_new_index_and_leaves_the_old_one(grid):
    moved = make_cell(3, 5, 5)
    new = grid.updated(upserts=[moved], removals=[7])
    assert grid.cell_at(WEST + 0.015, SOUTH + 0.005).id == 3
    assert grid.cell_at(WEST + 0.005, SOUTH + 0.005).id == 7
    assert new.cell_at(WEST + 0.015, SOUTH + 0.005) is None
    assert new.cell_at(WEST + 0.005, SOUTH + 0.005) is None
    assert new.cell_at(WEST + 0.055, SOUTH + 0.055).id == 3
    assert (len(grid), len(new), new.get(7), grid.get(7).id) == (9, 8, None, 7)
    assert len(grid.with_cells_replaced([moved])) == 1


def test_duplicate_ids_are_refused():
    with pytest.raises(DuplicateCellError):
        GridIndex([make_cell(1, 0, 0), make_cell(1, 0, 1)])


def test_holder_swaps_atomically(grid):
    holder = IndexHolder(grid)
    reader_view = holder.current
    new = holder.apply(upserts=[make_cell(42, 5, 5)])
    assert holder.current is new
    assert reader_view is grid and grid.get(42) is None
    assert new.get(42) is not None
    assert holder.swap(grid) is new and holder.current is grid


# Property tests over a jittered synthetic grid (irregular quadrilaterals).
SYNTH = province_grid(seed=11, n=240, bbox=(120.0, 30.0, 120.3, 30.2))
SYNTH_INDEX = GridIndex(SYNTH.cells())
SYNTH_GEOMS = SYNTH.geometries()


def brute_force_cell(lon: float, lat: float) -> int:
    """The documented rule, checked against every cell: smallest id covering the point, else within tolerance."""
    covering = np.flatnonzero(shapely.intersects_xy(SYNTH_GEOMS, lon, lat))
    if not covering.size:
        covering = np.flatnonzero(shapely.distance(SYNTH_GEOMS, shapely.Point(lon, lat)) <= EDGE_TOLERANCE_DEG)
    return int(SYNTH.cell_ids[covering].min()) if covering.size else -1


@settings(max_examples=300, deadline=None)
@given(
    cell=st.integers(0, len(SYNTH) - 1),
    corner=st.integers(0, 3),
    t=st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0)),
    inward=st.one_of(st.just(0.0), st.floats(0.0, 0.5)),
)
def test_every_point_of_the_grid_is_in_exactly_one_cell(cell, corner, t, inward):
    ring = SYNTH.rings(cell, cell + 1)[0]
    start, end = ring[corner], ring[corner + 1]
    on_edge = start + t * (end - start)
    lon, lat = on_edge + inward * (ring[:4].mean(axis=0) - on_edge)
    expected = brute_force_cell(lon, lat)
    assert expected != -1
    found = SYNTH_INDEX.cell_at(lon, lat)
    assert found is not None and found.id == expected
    assert SYNTH_INDEX.cell_at(lon, lat).id == expected
    assert SYNTH_INDEX.cells_at(np.array([lon]), np.array([lat]))[0] == expected


@settings(max_examples=100, deadline=None)
@given(lon=st.floats(120.0, 120.3), lat=st.floats(30.0, 30.2))
def test_batch_and_single_lookups_agree(lon, lat):
    single = SYNTH_INDEX.cell_at(lon, lat)
    assert (single.id if single else -1) == brute_force_cell(lon, lat)
    assert SYNTH_INDEX.cells_at(np.array([lon]), np.array([lat]))[0] == brute_force_cell(lon, lat)


def test_cells_containing_lists_every_cell_on_a_shared_edge_smallest_id_first():
    left = Cell(id=7, geometry=shapely.box(0.0, 0.0, 1.0, 1.0))
    right = Cell(id=3, geometry=shapely.box(1.0, 0.0, 2.0, 1.0))
    index = GridIndex([left, right])
    assert [c.id for c in index.cells_containing(1.0, 0.5)] == [3, 7]
    assert index.cell_at(1.0, 0.5).id == 3
    assert [c.id for c in index.cells_containing(0.5, 0.5)] == [7] and index.cells_containing(5.0, 5.0) == []
