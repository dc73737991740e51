"""Benchmark of geo/ on the synthetic 100,000-cell county-scale grid, then on a province's 500,000 cells.

Run ``python tests/bench/bench_geo.py [--no-province] [--province-scale 0.01]``; prints one JSON line per figure:
{"bench": "geo", "metric": ..., "value": ..., "unit": ..., "target": ...}. The timed percentiles of point → cell and
of the distances are measured in three rounds: ``value`` is the median round, beside ``min``, ``max`` and ``rounds``
(tests/bench/figures.py).
The 100,000-cell figures take about half a minute on two cores. Then issue 16's province (Zhejiang has more than
85,000 grid cells and about 450,000 micro-grids): the index over 500,000 cells, point → cell (p99 under 50 µs)
and the distances to 300,000 organizations. Importing this module runs nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Run as a plain script from anywhere: make the repository root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from geopy.distance import geodesic
from shapely.geometry import box

from geo.cells import GridIndex
from geo.coords import gcj02_to_wgs84
from geo.distance import nearest_k
from geo.synthetic import ZHEJIANG_BBOX, organization_points, province_grid
from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer

N_CELLS = 100_000
N_ORGANIZATIONS = 100_000
PROVINCE_CELLS = 500_000  # issue 16
PROVINCE_ORGANIZATIONS = 300_000
AREA_KM2 = 20.0
SEED = 2024


emit = figure_printer("geo")


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; GEOS memory is invisible to tracemalloc)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def timings(call: Callable[[int], object], repeats: int) -> np.ndarray:
    """Seconds taken by ``call(i)`` for i in range(repeats)."""
    out = np.empty(repeats)
    for i in range(repeats):
        started = time.perf_counter()
        call(i)
        out[i] = time.perf_counter() - started
    return out


def timings_in_rounds(call: Callable[[int], object], repeats: int) -> list[np.ndarray]:
    """``timings`` of the same calls in each of ``ROUNDS`` rounds."""
    return [timings(call, repeats) for _ in range(ROUNDS)]


def emit_percentiles(metric: str, rounds: list[np.ndarray], unit: str, target: float | None, digits: int) -> None:
    """``{metric}_p50_{unit}`` and ``{metric}_p99_{unit}`` (the target is the p99's), each round's percentile and
    their median; ``rounds`` in seconds."""
    scale = {"us": 1e6, "ms": 1e3}[unit]
    for q, goal in ((50, None), (99, target)):
        values = [float(np.percentile(seconds, q)) * scale for seconds in rounds]
        emit_rounds(emit, f"{metric}_p{q}_{unit}", values, unit, goal, digits=digits)


def random_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = ZHEJIANG_BBOX
    return rng.uniform(west, east, n), rng.uniform(south, north, n)


def bench_index() -> tuple[GridIndex, object]:
    started = time.perf_counter()
    grid = province_grid(seed=SEED, n=N_CELLS)
    emit("synthetic_100k_cells_columnar_generate_s", round(time.perf_counter() - started, 3), "s", None)
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    cells = list(grid.cells())
    emit("synthetic_100k_cells_to_polygons_s", round(time.perf_counter() - started, 3), "s", None)
    started = time.perf_counter()
    index = GridIndex(cells)
    emit("index_build_s", round(time.perf_counter() - started, 3), "s", 1.0)
    del cells
    gc.collect()
    # Everything the index keeps alive: 100,000 polygons, Cell objects and the tree.
    emit("index_with_cells_memory_rss_delta_mb", round(rss_mb() - before, 1), "MB", 200.0)
    return index, grid


def bench_point_to_cell(index: GridIndex, rng: np.random.Generator) -> None:
    lons, lats = random_points(rng, 20_000)
    for i in range(1000):  # warm up caches
        index.cell_at(lons[i], lats[i])
    emit_percentiles("cell_at", timings_in_rounds(lambda i: index.cell_at(lons[i], lats[i]), lons.size), "us", 50.0, 1)
    batch_lons, batch_lats = random_points(rng, 500_000)
    started = time.perf_counter()
    index.cells_at(batch_lons, batch_lats)
    rate = batch_lons.size / (time.perf_counter() - started)
    emit("cells_at_batch_points_per_s", round(rate), "points/s", 200_000)


def area_polygon(lon: float, lat: float) -> object:
    half_side_m = (AREA_KM2 * 1e6) ** 0.5 / 2
    dlat = half_side_m / 110_900.0
    dlon = half_side_m / (111_320.0 * np.cos(np.radians(lat)))
    return box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def bench_area(index: GridIndex, rng: np.random.Generator) -> None:
    lons, lats = random_points(rng, 500)
    lons, lats = np.clip(lons, 118.1, 122.8), np.clip(lats, 27.1, 31.1)
    areas = [area_polygon(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    counts = [len(index.cells_touching(area)) for area in areas[:50]]
    seconds = timings(lambda i: index.cells_touching(areas[i]), len(areas)) * 1e3
    emit("cells_touching_20km2_p50_ms", round(float(np.percentile(seconds, 50)), 3), "ms", None)
    emit("cells_touching_20km2_p99_ms", round(float(np.percentile(seconds, 99)), 3), "ms", 20.0)
    emit("cells_touching_20km2_mean_cells", round(float(np.mean(counts)), 1), "cells", None)
    outside = timings(lambda i: index.nearest(123.2, 27.5 + i * 0.01, k=3), 200) * 1e3
    emit("nearest_3_cells_offshore_p50_ms", round(float(np.percentile(outside, 50)), 3), "ms", None)


def bench_distances(grid: object, rng: np.random.Generator) -> None:
    org_lons, org_lats = organization_points(seed=SEED, n=N_ORGANIZATIONS, grid=grid)
    lons, lats = random_points(rng, 300)
    rounds = timings_in_rounds(lambda i: nearest_k(lons[i], lats[i], org_lons, org_lats, 50), lons.size)
    emit_percentiles("distances_100k_orgs_top50", rounds, "ms", 10.0, 3)
    p50 = statistics.median(float(np.percentile(seconds, 50)) * 1e3 for seconds in rounds)
    started = time.perf_counter()
    origin = (lats[0], lons[0])
    metres = [geodesic(origin, (lat, lon)).m for lon, lat in zip(org_lons, org_lats, strict=True)]  # every location, once
    sorted(range(len(metres)), key=metres.__getitem__)[:50]
    naive_ms = (time.perf_counter() - started) * 1e3
    # Once, not in rounds: seconds of geopy, a reference for the ratio rather than a figure with a target.
    emit("naive_geopy_geodesic_loop_100k_ms", round(naive_ms, 1), "ms", None, note="one run")
    emit("naive_over_vectorized_p50_ratio", round(naive_ms / p50, 1), "x", None, note="over the median round's p50")


def bench_coords() -> None:
    seconds = timings(lambda i: gcj02_to_wgs84(120.0 + i * 1e-4, 30.0), 5_000) * 1e6
    emit("gcj02_to_wgs84_p50_us", round(float(np.percentile(seconds, 50)), 1), "us", None)


def bench_province(rng: np.random.Generator, scale: float) -> None:
    """Issue 16: the index over 500,000 cells, point → cell in it, and distances to 300,000 organizations."""
    cells, organizations = round(PROVINCE_CELLS * scale), round(PROVINCE_ORGANIZATIONS * scale)
    grid = province_grid(seed=SEED, n=cells)
    bench_province_index(grid, rng, f"{cells // 1000}k_cells")
    gc.collect()
    org_lons, org_lats = organization_points(seed=SEED, n=organizations, grid=grid)
    lons, lats = random_points(rng, 300)
    rounds = timings_in_rounds(lambda i: nearest_k(lons[i], lats[i], org_lons, org_lats, 50), lons.size)
    # No target: issue 16 sets one for ranking (bench_dispatch.py), not for the distances alone.
    emit_percentiles(f"province_distances_{organizations // 1000}k_orgs_top50", rounds, "ms", None, 3)


def bench_province_index(grid: object, rng: np.random.Generator, tag: str) -> None:
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    cells = list(grid.cells())
    emit(f"province_{tag}_to_polygons_s", round(time.perf_counter() - started, 3), "s")
    started = time.perf_counter()
    index = GridIndex(cells)
    emit(f"province_{tag}_index_build_s", round(time.perf_counter() - started, 3), "s")
    del cells
    gc.collect()
    emit(f"province_{tag}_index_with_cells_memory_rss_delta_mb", round(rss_mb() - before, 1), "MB")
    lons, lats = random_points(rng, 20_000)
    for i in range(1000):  # warm up caches
        index.cell_at(lons[i], lats[i])
    rounds = timings_in_rounds(lambda i: index.cell_at(lons[i], lats[i]), lons.size)
    emit_percentiles(f"province_{tag}_cell_at", rounds, "us", 50.0, 1)


def main(argv: list[str] | None = None) -> None:
    """Run every figure, slowest-to-build first; then the province's."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-province", action="store_true", help="only the 100,000-cell figures")
    parser.add_argument("--province-scale", type=float, default=1.0, help="fraction of the province (for a quick check)")
    options = parser.parse_args(argv)
    emit_context(emit)
    rng = np.random.default_rng(SEED)
    index, grid = bench_index()
    bench_point_to_cell(index, rng)
    bench_area(index, rng)
    bench_distances(grid, rng)
    bench_coords()
    del index, grid
    if not options.no_province:
        bench_province(rng, options.province_scale)


if __name__ == "__main__":
    main()
