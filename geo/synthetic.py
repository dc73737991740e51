"""A deterministic synthetic province of grid cells, for benchmarks and demo data.

``province_grid(seed, n)`` lays ``n`` cells over Zhejiang's bounding box (WGS-84,
lon 118.0-122.9, lat 27.0-31.2) as a rows x cols lattice, filled row by row from
the south-west. The lattice vertices are jittered by up to 20 % of a cell's width
and height, deterministically from ``seed``; cells share their jittered vertices,
so the cells are convex, slightly irregular quadrilaterals that tile without gaps
or overlaps. The outer edge of the lattice stays straight.

Cells are grouped into rectangular blocks: a community (社区) is 4 x 5 cells, a
subdistrict (街道) 3 x 5 communities, a county (县) 5 x 5 subdistricts; blocks on
the edges are smaller. Ids are dense, 1-based and stable for a given (seed, n):
cell ids follow the fill order, area ids the south-west-first order of blocks.

Storage is columnar (a vertex lattice and id arrays, a few MB for 100,000 cells);
shapely polygons are built only when asked, in batches.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely

from geo.cells import Cell

__all__ = ["ZHEJIANG_BBOX", "SyntheticGrid", "cell_code", "organization_points", "province_grid"]

ZHEJIANG_BBOX = (118.0, 27.0, 122.9, 31.2)  # west, south, east, north (WGS-84 degrees)
_JITTER = 0.2  # below 0.25 of a cell side every jittered quadrilateral stays convex
_COMMUNITY_BLOCK = (4, 5)  # cells: rows, cols
_SUBDISTRICT_BLOCK = (3, 5)  # communities
_COUNTY_BLOCK = (5, 5)  # subdistricts


@dataclass(frozen=True)
class SyntheticGrid:
    """Columnar synthetic cells; row i of every array is cell ``cell_ids[i]``."""

    rows: int
    cols: int
    vertex_lons: np.ndarray  # (rows + 1, cols + 1) WGS-84 degrees
    vertex_lats: np.ndarray
    cell_ids: np.ndarray  # (n,) int64
    community_ids: np.ndarray
    subdistrict_ids: np.ndarray
    county_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.cell_ids.size)

    def rings(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Closed counter-clockwise rings of cells [start, stop) as (m, 5, 2) lon/lat degrees."""
        index = np.arange(start, len(self) if stop is None else min(stop, len(self)))
        r, c = np.divmod(index, self.cols)
        corners_r = np.stack([r, r, r + 1, r + 1, r], axis=1)
        corners_c = np.stack([c, c + 1, c + 1, c, c], axis=1)
        return np.stack([self.vertex_lons[corners_r, corners_c], self.vertex_lats[corners_r, corners_c]], axis=-1)

    def geometries(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Shapely polygons of cells [start, stop), as an object array."""
        return shapely.polygons(self.rings(start, stop))

    def cells(self, batch: int = 10_000) -> Iterator[Cell]:
        """Every cell as a ``Cell``, built ``batch`` polygons at a time."""
        for start in range(0, len(self), batch):
            stop = min(start + batch, len(self))
            for offset, geometry in enumerate(self.geometries(start, stop)):
                yield self._cell(start + offset, geometry)

    def _cell(self, i: int, geometry: shapely.Polygon) -> Cell:
        cell_id = int(self.cell_ids[i])
        return Cell(
            id=cell_id,
            geometry=geometry,
            community_id=int(self.community_ids[i]),
            subdistrict_id=int(self.subdistrict_ids[i]),
            county_id=int(self.county_ids[i]),
            code=cell_code(cell_id),
        )


def cell_code(cell_id: int) -> str:
    """The stable code of a synthetic cell, e.g. "G000042"."""
    return f"G{cell_id:06d}"


def province_grid(seed: int = 0, n: int = 100_000, bbox: tuple[float, float, float, float] = ZHEJIANG_BBOX) -> SyntheticGrid:
    """``n`` deterministic synthetic cells over ``bbox`` (WGS-84 degrees); see the module doc."""
    rows, cols = _lattice_shape(n, bbox)
    vertex_lons, vertex_lats = _jittered_vertices(seed, rows, cols, bbox)
    r, c = np.divmod(np.arange(n, dtype=np.int64), cols)
    community_r, community_c = r // _COMMUNITY_BLOCK[0], c // _COMMUNITY_BLOCK[1]
    subdistrict_r, subdistrict_c = community_r // _SUBDISTRICT_BLOCK[0], community_c // _SUBDISTRICT_BLOCK[1]
    county_r, county_c = subdistrict_r // _COUNTY_BLOCK[0], subdistrict_c // _COUNTY_BLOCK[1]
    return SyntheticGrid(
        rows=rows,
        cols=cols,
        vertex_lons=vertex_lons,
        vertex_lats=vertex_lats,
        cell_ids=np.arange(1, n + 1, dtype=np.int64),
        community_ids=_dense_ids(community_r, community_c),
        subdistrict_ids=_dense_ids(subdistrict_r, subdistrict_c),
        county_ids=_dense_ids(county_r, county_c),
    )


def organization_points(seed: int = 0, n: int = 100_000, grid: SyntheticGrid | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` deterministic WGS-84 (lons, lats) inside the cells of ``grid``.

    Each point lies strictly inside a uniformly chosen cell (bilinear position
    with both weights in 0.05-0.95, never on an edge).
    """
    grid = grid if grid is not None else province_grid(seed)
    rng = np.random.default_rng([seed, 1])
    index = rng.integers(0, len(grid), size=n)
    u = rng.uniform(0.05, 0.95, size=n)
    v = rng.uniform(0.05, 0.95, size=n)
    r, c = np.divmod(index, grid.cols)

    def blend(values: np.ndarray) -> np.ndarray:
        bottom = values[r, c] * (1 - u) + values[r, c + 1] * u
        top = values[r + 1, c] * (1 - u) + values[r + 1, c + 1] * u
        return bottom * (1 - v) + top * v

    return blend(grid.vertex_lons), blend(grid.vertex_lats)


def _lattice_shape(n: int, bbox: tuple[float, float, float, float]) -> tuple[int, int]:
    """Rows and columns giving roughly square cells on the ground."""
    if n < 1:
        raise ValueError("n must be at least 1")
    west, south, east, north = bbox
    mid_lat = math.radians((south + north) / 2)
    aspect = (east - west) * math.cos(mid_lat) / (north - south)
    cols = max(1, min(n, round(math.sqrt(n * aspect))))
    return math.ceil(n / cols), cols


def _jittered_vertices(seed: int, rows: int, cols: int, bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = bbox
    rng = np.random.default_rng([seed, 0])
    lons = np.linspace(west, east, cols + 1)[None, :].repeat(rows + 1, axis=0)
    lats = np.linspace(south, north, rows + 1)[:, None].repeat(cols + 1, axis=1)
    jitter_lon = rng.uniform(-_JITTER, _JITTER, size=lons.shape) * (east - west) / cols
    jitter_lat = rng.uniform(-_JITTER, _JITTER, size=lats.shape) * (north - south) / rows
    # Keep the outer edge on the bounding box: vertices there only slide along it.
    jitter_lon[:, [0, -1]] = 0.0
    jitter_lat[[0, -1], :] = 0.0
    return lons + jitter_lon, lats + jitter_lat


def _dense_ids(block_r: np.ndarray, block_c: np.ndarray) -> np.ndarray:
    """1-based ids of blocks, numbered south-west first, row by row."""
    key = block_r * (int(block_c.max()) + 1) + block_c
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.astype(np.int64) + 1
