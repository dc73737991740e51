"""Grid-cell index: which grid cell (网格), community and subdistrict a point is in.

All points are WGS-84 (lon, lat) in degrees; distances are metres.

Tie-break rule: a cell is a closed set, so a point on a cell's boundary (outer
edge or the edge of a hole) belongs to it. A point on an edge or vertex shared
by several cells belongs to the one with the smallest ``id``. The rule depends
only on the ids, so the answer is the same on every call, on every rebuilt index
and in ``cell_at`` and ``cells_at`` alike. A point inside a hole belongs to no
cell (unless another cell fills the hole). A point that misses every cell by
less than ``EDGE_TOLERANCE_DEG`` (1e-9 degree, about 0.1 mm) counts as on the
nearest edge, so a point computed onto the grid's outer edge is not lost to
floating-point rounding.

A ``GridIndex`` is immutable. When cells change, build a new one with
``updated(...)`` and swap it in; ``IndexHolder`` does the swap atomically, so
requests already running keep reading the old index until they finish.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.distance import geodesic_many_m

__all__ = ["EDGE_TOLERANCE_DEG", "Cell", "DuplicateCellError", "GridIndex", "IndexHolder"]

EDGE_TOLERANCE_DEG = 1e-9

# In any direction a degree is at least 110,574 m x cos(lat): a meridian degree is
# 110,574 m at the equator and longer elsewhere, a parallel degree 111,320 x cos(lat).
_MIN_METRES_PER_DEGREE = 110_574.0
_FIRST_SEARCH_RADIUS_DEG = 0.02


class DuplicateCellError(ValueError):
    """Two cells given to one index share an id."""


@dataclass(frozen=True)
class Cell:
    """A grid cell (网格): WGS-84 polygon plus the ids of the areas it belongs to."""

    id: int
    geometry: Polygon | MultiPolygon
    community_id: int | None = None
    subdistrict_id: int | None = None
    county_id: int | None = None
    code: str | None = None
    name: str | None = None


class GridIndex:
    """An immutable STRtree index over grid cells (WGS-84 lon/lat)."""

    def __init__(self, cells: Iterable[Cell]) -> None:
        ordered = sorted(cells, key=lambda cell: cell.id)
        self._cells: tuple[Cell, ...] = tuple(ordered)
        self._ids = np.fromiter((cell.id for cell in ordered), dtype=np.int64, count=len(ordered))
        if self._ids.size > 1 and np.any(self._ids[1:] == self._ids[:-1]):
            duplicate = int(self._ids[1:][self._ids[1:] == self._ids[:-1]][0])
            raise DuplicateCellError(f"cell id {duplicate} appears more than once")
        self._geoms = np.array([cell.geometry for cell in ordered], dtype=object)
        # Tree positions follow id order, so "smallest id" is "smallest position".
        self._tree = STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self._cells)

    def __iter__(self) -> Iterator[Cell]:
        return iter(self._cells)

    def get(self, cell_id: int) -> Cell | None:
        """The cell with this id, or None."""
        position = int(np.searchsorted(self._ids, cell_id))
        if position < self._ids.size and self._ids[position] == cell_id:
            return self._cells[position]
        return None

    def cell_at(self, lon: float, lat: float) -> Cell | None:
        """The cell containing a WGS-84 point, by the module's tie-break; None if none does."""
        hits = self._hits(lon, lat)
        return self._cells[int(hits.min())] if hits.size else None

    def cells_containing(self, lon: float, lat: float) -> list[Cell]:
        """Every cell containing a WGS-84 point, smallest id first: more than one only on a shared edge or
        where cells overlap. A caller that may see only some cells applies the tie-break to those."""
        return [self._cells[int(i)] for i in np.sort(self._hits(lon, lat))]

    def _hits(self, lon: float, lat: float) -> np.ndarray:
        point = shapely.Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if not hits.size:
            hits = self._tree.query(point, predicate="dwithin", distance=EDGE_TOLERANCE_DEG)
        return hits

    def cells_at(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Vectorized ``cell_at`` over WGS-84 degree arrays: int64 cell ids, -1 for none."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        points = np.atleast_1d(points)
        best = np.full(points.shape[0], len(self._cells), dtype=np.int64)
        point_pos, tree_pos = self._tree.query(points, predicate="intersects")
        np.minimum.at(best, point_pos, tree_pos)
        missed = np.flatnonzero(best == len(self._cells))
        if missed.size:
            point_pos, tree_pos = self._tree.query(points[missed], predicate="dwithin", distance=EDGE_TOLERANCE_DEG)
            np.minimum.at(best, missed[point_pos], tree_pos)
        found = best < len(self._cells)
        result = np.full(points.shape[0], -1, dtype=np.int64)
        result[found] = self._ids[best[found]]
        return result

    def cells_touching(self, area: BaseGeometry, include_edge_contact: bool = False) -> list[Cell]:
        """Cells sharing area with a WGS-84 polygon, by ascending id.

        Cells that only touch the polygon along an edge or at a vertex are left
        out unless ``include_edge_contact`` is true: an incident drawn along a
        cell boundary should not pull in the neighbouring cells.
        """
        shapely.prepare(area)
        positions = self._tree.query(area, predicate="intersects")
        if not include_edge_contact and positions.size:
            positions = positions[~shapely.touches(self._geoms[positions], area)]
        return [self._cells[i] for i in np.sort(positions)]

    def nearest(self, lon: float, lat: float, k: int = 1) -> list[tuple[Cell, float]]:
        """The ``k`` cells nearest a WGS-84 point with exact geodesic metres, nearest first.

        A cell containing the point is at 0 m. Ties are broken by ascending id.
        """
        if k < 1 or not self._cells:
            return []
        point = shapely.Point(lon, lat)
        positions = self._within_degrees(point, self._first_radius(point), k)
        metres = self._distances_m(lon, lat, positions)
        kth = float(np.partition(metres, k - 1)[k - 1] if positions.size > k else metres.max())
        # The candidates were chosen by planar degree distance, which ranks
        # differently from metres; widen to every cell that could be nearer.
        safe = self._metres_to_degrees(kth, lat) * 1.01 + 1e-9
        wider = self._tree.query(point, predicate="dwithin", distance=safe)
        if wider.size > positions.size:
            positions, metres = wider, self._distances_m(lon, lat, wider)
        order = np.lexsort((positions, metres))[:k]
        return [(self._cells[positions[i]], float(metres[i])) for i in order]

    def community_of(self, lon: float, lat: float) -> int | None:
        """Community id of the cell containing a WGS-84 point, or None."""
        cell = self.cell_at(lon, lat)
        return cell.community_id if cell else None

    def subdistrict_of(self, lon: float, lat: float) -> int | None:
        """Subdistrict (街道/乡镇) id of the cell containing a WGS-84 point, or None."""
        cell = self.cell_at(lon, lat)
        return cell.subdistrict_id if cell else None

    def updated(self, upserts: Iterable[Cell] = (), removals: Iterable[int] = ()) -> GridIndex:
        """A new index with cells added or replaced (by id) and ids removed; self is unchanged."""
        by_id = {cell.id: cell for cell in self._cells}
        for cell_id in removals:
            by_id.pop(cell_id, None)
        for cell in upserts:
            by_id[cell.id] = cell
        return GridIndex(by_id.values())

    def with_cells_replaced(self, cells: Iterable[Cell]) -> GridIndex:
        """A new index holding exactly ``cells``; self is unchanged."""
        return GridIndex(cells)

    def _first_radius(self, point: shapely.Point) -> float:
        nearest = self._tree.query_nearest(point, return_distance=True)
        return max(float(nearest[1][0]) * 2.0, _FIRST_SEARCH_RADIUS_DEG)

    def _within_degrees(self, point: shapely.Point, radius: float, k: int) -> np.ndarray:
        """At least ``k`` (or all) cell positions within a growing planar radius in degrees."""
        while True:
            positions = self._tree.query(point, predicate="dwithin", distance=radius)
            if positions.size >= min(k, len(self._cells)) or radius > 720.0:
                return positions
            radius *= 4.0

    @staticmethod
    def _metres_to_degrees(metres: float, lat: float) -> float:
        max_lat = min(abs(lat) + metres / _MIN_METRES_PER_DEGREE, 89.0)
        return metres / (_MIN_METRES_PER_DEGREE * math.cos(math.radians(max_lat)))

    def _distances_m(self, lon: float, lat: float, positions: np.ndarray) -> np.ndarray:
        """Geodesic metres from the point to the nearest point of each cell."""
        scale = math.cos(math.radians(lat))
        origin = shapely.Point(0.0, 0.0)

        # In a local frame scaled by cos(lat), planar nearest points are close to
        # the true ones; the geodesic distance to them is then exact.
        def to_local(xy: np.ndarray) -> np.ndarray:
            return (xy - (lon, lat)) * (scale, 1.0)

        local = shapely.transform(self._geoms[positions], to_local)
        lines = shapely.shortest_line(origin, local)
        ends = shapely.get_coordinates(lines)[1::2]
        end_lons = ends[:, 0] / scale + lon
        end_lats = ends[:, 1] + lat
        return geodesic_many_m(lon, lat, end_lons, end_lats)


class IndexHolder:
    """The current ``GridIndex``, swapped atomically when cells change.

    Readers take ``holder.current`` once per request and use that object
    throughout; writers call ``apply`` or ``swap``. Writers are serialized by a
    lock so two concurrent updates cannot lose each other's changes.
    """

    def __init__(self, index: GridIndex) -> None:
        self._index = index
        self._lock = threading.Lock()

    @property
    def current(self) -> GridIndex:
        """The index to read from now."""
        return self._index

    def swap(self, index: GridIndex) -> GridIndex:
        """Replace the index; returns the previous one."""
        with self._lock:
            previous, self._index = self._index, index
        return previous

    def apply(self, upserts: Iterable[Cell] = (), removals: Iterable[int] = ()) -> GridIndex:
        """Build the updated index off to the side, then swap it in; returns the new index."""
        with self._lock:
            self._index = self._index.updated(upserts=upserts, removals=removals)
            return self._index
