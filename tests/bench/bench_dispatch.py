"""Benchmark of the dispatch core (dispatch/domain/matching.py and allocation.py) on synthetic data.

Run ``python tests/bench/bench_dispatch.py [--no-province] [--province-scale 0.01]``; prints one JSON line per
figure: {"bench": "dispatch", "metric": ..., "value": ..., "unit": ..., "target": ...}; the ranking's percentiles are
measured in three rounds, ``value`` the median round beside ``min``, ``max`` and ``rounds`` (tests/bench/figures.py).
Takes about a minute on two cores. Importing this module runs nothing.

Ranking: 100,000 organizations over Zhejiang (geo.synthetic), every one a candidate (no
radius: the worst case), each need with its own freshly built CandidateTable so the
per-table work is timed too; then the same at province scale (issue 16: Zhejiang has about
262,000 community social organizations), 300,000 organizations over 500,000 cells. Allocation: a typhoon's first hour on the Wenzhou-Taizhou
coast, 500 needs clustered around the landfall over 10,000 organizations, tight enough that
not every need can be filled and the two solvers differ.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Run as a plain script from anywhere: make the repository root importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dispatch.domain.allocation import (
    PRIORITY_WEIGHTS,
    NeedToFill,
    OrgSupply,
    eligible_pairs,
    greedy_allocation,
    optimal_allocation,
    weighted_coverage,
)
from dispatch.domain.matching import CandidateTable, NeedSpec, rank_candidates
from dispatch.domain.skills import SKILL_CODES
from geo.synthetic import SyntheticGrid, organization_points, province_grid
from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer

SEED = 2024
N_CELLS = 100_000
N_RANK_ORGS = 100_000
N_RANK_NEEDS = 200
PROVINCE_CELLS = 500_000  # issue 16
PROVINCE_RANK_ORGS = 300_000
N_ALLOC_NEEDS = 500
N_ALLOC_ORGS = 10_000
COAST_BBOX = (120.3, 27.8, 121.7, 28.9)  # Wenzhou-Taizhou coast, WGS-84
LANDFALL = (121.0, 28.35)
TYPHOON_SKILLS = ("rescue", "first_aid", "shelter_management", "logistics", "elderly_care", "sanitation", "patrol_security")
RADIUS_M = 15_000.0
SKILLS = tuple(sorted(SKILL_CODES))


emit = figure_printer("dispatch")


def timed(call: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by ``call()`` and what it returned."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def cell_rows(grid: SyntheticGrid, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Approximate row of each point's cell in ``grid``: the un-jittered lattice is close enough here."""
    west, east = float(grid.vertex_lons[0, 0]), float(grid.vertex_lons[0, -1])
    south, north = float(grid.vertex_lats[0, 0]), float(grid.vertex_lats[-1, 0])
    r = np.clip(((lats - south) / (north - south) * grid.rows).astype(int), 0, grid.rows - 1)
    c = np.clip(((lons - west) / (east - west) * grid.cols).astype(int), 0, grid.cols - 1)
    return np.minimum(r * grid.cols + c, len(grid) - 1)


class RankingData:
    """Organizations (100,000 by default) with random capacity per skill, load and history; counts as floats."""

    def __init__(self, rng: np.random.Generator, organizations: int = N_RANK_ORGS, cells: int = N_CELLS) -> None:
        n = organizations
        self.grid = province_grid(seed=SEED, n=cells)
        self.lons, self.lats = organization_points(seed=SEED, n=n, grid=self.grid)
        self.org_ids = np.arange(1, n + 1, dtype=np.int64)
        self.cells = cell_rows(self.grid, self.lons, self.lats)
        self.community_ids = self.grid.community_ids[self.cells]
        # About one in ten has nobody free for a given skill: those rows are not eligible.
        self.free = np.where(rng.random((len(SKILLS), n)) < 0.1, 0, rng.integers(1, 30, (len(SKILLS), n)))
        self.free = self.free.astype(float)
        self.load = rng.integers(0, 6, n).astype(float)
        self.offered = rng.integers(0, 40, n)
        self.accepted = rng.binomial(self.offered, 0.8)
        self.completed = rng.binomial(self.accepted, 0.9).astype(float)
        self.offered, self.accepted = self.offered.astype(float), self.accepted.astype(float)
        self.by_cell = np.argsort(self.cells, kind="stable")

    def table(self, skill: int) -> CandidateTable:
        """The candidate table a service would build for a need of this skill."""
        return CandidateTable(
            self.org_ids,
            self.lons,
            self.lats,
            self.community_ids,
            self.free[skill],
            self.load,
            self.offered,
            self.accepted,
            self.completed,
        )

    def need(self, rng: np.random.Generator, skill: int) -> NeedSpec:
        """A need at a random point of a random cell; the organizations in that cell serve it."""
        row = int(rng.integers(len(self.grid)))
        lo, hi = np.searchsorted(self.cells[self.by_cell], [row, row + 1])
        lon, lat = self.grid.rings(row, row + 1)[0, :4].mean(axis=0)  # the cell's centre
        return NeedSpec(
            skill_codes=(SKILLS[skill],),
            still_needed=int(rng.integers(1, 30)),
            lon=float(lon),
            lat=float(lat),
            cell_id=int(self.grid.cell_ids[row]),
            community_id=int(self.grid.community_ids[row]),
            serving_org_ids=frozenset(int(i) for i in self.org_ids[self.by_cell[lo:hi]]),
        )


def bench_ranking(rng: np.random.Generator, organizations: int = N_RANK_ORGS, cells: int = N_CELLS, prefix: str = "") -> None:
    data = RankingData(rng, organizations, cells)
    cases = [(data.need(rng, skill), skill) for skill in rng.integers(0, len(SKILLS), N_RANK_NEEDS + 20)]
    for need, skill in cases[:20]:  # warm up
        rank_candidates(need, data.table(skill))
    rounds = [ranking_seconds(data, cases[20:]) * 1e3 for _ in range(ROUNDS)]
    tag = f"{prefix}rank_one_need_{organizations // 1000}k_orgs_top50"
    with_cells = functools.partial(emit, cells=cells)
    for q, target in ((50, None), (99, 10.0)):
        values = [float(np.percentile(ms, q)) for ms in rounds]
        emit_rounds(with_cells, f"{tag}_p{q}_ms", values, "ms", target, digits=3)


def ranking_seconds(data: RankingData, cases: list[tuple[NeedSpec, int]]) -> np.ndarray:
    """Seconds to rank each case's need, its candidate table built afresh as a service would."""
    return np.array([timed(lambda n=need, s=skill: rank_candidates(n, data.table(s)))[0] for need, skill in cases])


def typhoon(rng: np.random.Generator) -> tuple[list[NeedToFill], list[OrgSupply]]:
    """500 needs clustered around the landfall, 10,000 organizations spread over the coast."""
    grid = province_grid(seed=SEED, n=5_000, bbox=COAST_BBOX)
    lons, lats = organization_points(seed=SEED, n=N_ALLOC_ORGS, grid=grid)
    orgs = [OrgSupply(j + 1, float(lon), float(lat), _free(rng)) for j, (lon, lat) in enumerate(zip(lons, lats, strict=True))]
    priorities = rng.choice(list(PRIORITY_WEIGHTS), size=N_ALLOC_NEEDS, p=[0.2, 0.3, 0.5])
    need_lons = LANDFALL[0] + rng.normal(0, 0.12, N_ALLOC_NEEDS)  # ~12 km
    need_lats = LANDFALL[1] + rng.normal(0, 0.11, N_ALLOC_NEEDS)
    needs = [
        NeedToFill(i + 1, PRIORITY_WEIGHTS[priorities[i]], int(rng.integers(5, 40)), str(rng.choice(TYPHOON_SKILLS)), lon, lat)
        for i, (lon, lat) in enumerate(zip(need_lons.tolist(), need_lats.tolist(), strict=True))
    ]
    return needs, orgs


def _free(rng: np.random.Generator) -> dict[str, int]:
    skills = rng.choice(TYPHOON_SKILLS, size=int(rng.integers(1, 4)), replace=False)
    return {str(skill): int(rng.integers(0, 5)) for skill in skills}


def bench_allocation(rng: np.random.Generator) -> None:
    needs, orgs = typhoon(rng)
    demand = sum(need.weight * need.still_needed for need in needs)
    emit("allocation_variables_after_pruning", len(eligible_pairs(needs, orgs, RADIUS_M)), "pairs", None)
    emit("allocation_weighted_demand", demand, "weighted people", None)
    optimal_s, optimal = _median_run(lambda: optimal_allocation(needs, orgs, RADIUS_M))
    greedy_s, greedy = _median_run(lambda: greedy_allocation(needs, orgs, RADIUS_M))
    optimal_cover, greedy_cover = weighted_coverage(needs, optimal), weighted_coverage(needs, greedy)
    emit("optimal_allocation_500_needs_10k_orgs_s", round(optimal_s, 3), "s", 3.0)
    emit("optimal_allocation_weighted_coverage", optimal_cover, "weighted people", None)
    emit("greedy_allocation_500_needs_10k_orgs_s", round(greedy_s, 3), "s", None)
    emit("greedy_allocation_weighted_coverage", greedy_cover, "weighted people", None)
    emit("optimal_over_greedy_coverage_ratio", round(optimal_cover / greedy_cover, 4), "x", None)


def _median_run(call: Callable[[], list], runs: int = 3) -> tuple[float, list]:
    results = [timed(call) for _ in range(runs)]
    return statistics.median(seconds for seconds, _ in results), results[0][1]


def main(argv: list[str] | None = None) -> None:
    """Run every figure; the province's ranking last."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-province", action="store_true", help="only the 100,000-organization figures")
    parser.add_argument("--province-scale", type=float, default=1.0, help="fraction of the province (for a quick check)")
    options = parser.parse_args(argv)
    emit_context(emit)
    rng = np.random.default_rng(SEED)
    bench_ranking(rng)
    bench_allocation(rng)
    if not options.no_province:
        scale = options.province_scale
        bench_ranking(rng, round(PROVINCE_RANK_ORGS * scale), round(PROVINCE_CELLS * scale), prefix="province_")


if __name__ == "__main__":
    main()
