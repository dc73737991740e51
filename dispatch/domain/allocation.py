"""Allocate organizations to many needs at once (the first hour of a typhoon).

``optimal_allocation`` solves a transportation problem: choose ``x[need, org]`` people so as to
maximize the head count covered, weighted by priority (urgent 3, high 2, normal 1), and, among
the allocations with the most weighted coverage, minimize the person-metres travelled. Each
organization's free capacity per skill is respected and no need gets more than it still lacks.

Only eligible pairs become variables: the organization has free people with the need's skill
and is within ``radius_m``. Each need keeps at most its ``per_need`` nearest eligible
organizations (60 by default): it keeps the problem to a few tens of thousands of variables for
hundreds of needs, and a need that cannot be covered by its 60 nearest organizations is better
escalated than served from the far side of the county. Both solvers see the same pairs, so the
optimum always covers at least as much as ``greedy_allocation``.

Every variable sits in exactly one need row and one (organization, skill) row: the constraint
matrix is the incidence matrix of a bipartite graph, totally unimodular, so with integer head
counts and capacities the LP optimum at a vertex is integral. We round and verify anyway.

The two goals are folded into one objective: each person costs ``distance / (max_distance *
(total_needed + 1))``, so all travel together costs less than one unit of priority weight. With
integer priority weights, covering one more weighted person therefore always wins over any
saving in distance: the order of the two goals is exact.

Distances are haversine metres, for optimizing; show people ``geo.distance.geodesic_m``.
Capacities per skill are independent: a member counted under two skills could be allocated
twice, so the caller splits people between skills before calling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from geo.distance import haversine_m

__all__ = [
    "PRIORITY_WEIGHTS",
    "Allocation",
    "AllocationError",
    "CandidatePairs",
    "NeedToFill",
    "OrgSupply",
    "eligible_pairs",
    "greedy_allocation",
    "optimal_allocation",
    "total_distance_m",
    "weighted_coverage",
]

PRIORITY_WEIGHTS: Mapping[str, int] = {"urgent": 3, "high": 2, "normal": 1}
DEFAULT_PER_NEED = 60


@dataclass(frozen=True)
class NeedToFill:
    """One need with people still lacking; ``weight`` is its priority weight (``PRIORITY_WEIGHTS``)."""

    id: int
    weight: float
    still_needed: int
    skill: str
    lon: float  # WGS-84 degrees
    lat: float


@dataclass(frozen=True)
class OrgSupply:
    """One organization and its free people per skill code (certified members only where required)."""

    id: int
    lon: float
    lat: float
    free: Mapping[str, int]


@dataclass(frozen=True)
class Allocation:
    """``people`` of organization ``org_id`` go to need ``need_id``, ``distance_m`` (haversine) away."""

    need_id: int
    org_id: int
    people: int
    distance_m: float


class AllocationError(Exception):
    """The solver failed, or its rounded answer broke a capacity or head count."""


@dataclass(frozen=True)
class CandidatePairs:
    """Eligible (need, supply) pairs, columnar; grouped by need, nearest first within a need.

    A supply is one (organization, skill) with free people: ``supply_org``, ``supply_free``.
    """

    need_rows: np.ndarray  # index into the needs sequence
    supply_rows: np.ndarray  # index into supply_org / supply_free
    distance_m: np.ndarray
    supply_org: np.ndarray  # index into the organizations sequence
    supply_free: np.ndarray

    def __len__(self) -> int:
        return int(self.need_rows.size)


@dataclass(frozen=True)
class _SkillPool:
    """Supplies of one skill, columnar."""

    supply_rows: np.ndarray
    lons: np.ndarray
    lats: np.ndarray
    org_ids: np.ndarray


def eligible_pairs(
    needs: Sequence[NeedToFill], orgs: Sequence[OrgSupply], radius_m: float, per_need: int = DEFAULT_PER_NEED
) -> CandidatePairs:
    """The pairs both solvers choose from: same skill, free people, within ``radius_m``, ``per_need`` nearest per need."""
    if per_need < 1:
        raise ValueError("per_need must be at least 1")
    supply_org, supply_skill, supply_free = _supplies(orgs)
    pools = _pools(orgs, supply_org, supply_skill)
    chunks = [_pairs_of(row, need, pools.get(need.skill), radius_m, per_need) for row, need in enumerate(needs)]
    chunks = [chunk for chunk in chunks if chunk[0].size]
    if not chunks:
        empty = np.empty(0, dtype=np.intp)
        return CandidatePairs(empty, empty, np.empty(0), supply_org, supply_free)
    need_rows, supply_rows, metres = (np.concatenate(column) for column in zip(*chunks, strict=True))
    return CandidatePairs(need_rows, supply_rows, metres, supply_org, supply_free)


def _supplies(orgs: Sequence[OrgSupply]) -> tuple[np.ndarray, list[str], np.ndarray]:
    rows = [(i, skill, free) for i, org in enumerate(orgs) for skill, free in org.free.items() if free > 0]
    org_rows = np.fromiter((row[0] for row in rows), dtype=np.intp, count=len(rows))
    free = np.fromiter((row[2] for row in rows), dtype=np.int64, count=len(rows))
    return org_rows, [row[1] for row in rows], free


def _pools(orgs: Sequence[OrgSupply], supply_org: np.ndarray, supply_skill: list[str]) -> dict[str, _SkillPool]:
    lons = np.array([org.lon for org in orgs], dtype=float)
    lats = np.array([org.lat for org in orgs], dtype=float)
    ids = np.array([org.id for org in orgs], dtype=np.int64)
    by_skill: dict[str, list[int]] = {}
    for supply, skill in enumerate(supply_skill):
        by_skill.setdefault(skill, []).append(supply)
    pools = {}
    for skill, supplies in by_skill.items():
        rows = np.array(supplies, dtype=np.intp)
        org_rows = supply_org[rows]
        pools[skill] = _SkillPool(rows, lons[org_rows], lats[org_rows], ids[org_rows])
    return pools


def _pairs_of(
    row: int, need: NeedToFill, pool: _SkillPool | None, radius_m: float, per_need: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One need's pairs: need rows, supply rows and metres, nearest first (ties by org id)."""
    if pool is None or need.still_needed < 1:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0)
    metres = haversine_m(need.lon, need.lat, pool.lons, pool.lats)
    near = np.flatnonzero(metres <= radius_m)
    if near.size > per_need:
        near = near[np.argpartition(metres[near], per_need - 1)[:per_need]]
    near = near[np.lexsort((pool.org_ids[near], metres[near]))]
    return np.full(near.size, row, dtype=np.intp), pool.supply_rows[near], metres[near]


def optimal_allocation(
    needs: Sequence[NeedToFill], orgs: Sequence[OrgSupply], radius_m: float, per_need: int = DEFAULT_PER_NEED
) -> list[Allocation]:
    """Most priority-weighted head count covered, then least travel (module doc), by LP with HiGHS."""
    pairs = eligible_pairs(needs, orgs, radius_m, per_need)
    if not len(pairs):
        return []
    people = _solve(needs, pairs)
    return _allocations(needs, orgs, pairs, people)


def _solve(needs: Sequence[NeedToFill], pairs: CandidatePairs) -> np.ndarray:
    """Integral people per pair from the LP relaxation (integral by total unimodularity)."""
    still_needed = np.array([max(need.still_needed, 0) for need in needs], dtype=np.int64)
    result = linprog(
        _costs(needs, pairs, still_needed),
        A_ub=_constraints(len(needs), pairs),
        b_ub=np.concatenate([still_needed, pairs.supply_free]),
        bounds=np.column_stack([np.zeros(len(pairs)), _upper_bounds(pairs, still_needed)]),
        method="highs",
    )
    if result.status != 0:
        raise AllocationError(f"the solver gave up: {result.message}")
    people = np.rint(result.x)
    if not _feasible(people, pairs, still_needed):
        # A solution inside the tolerances stays feasible when every value is rounded down.
        people = np.floor(result.x)
    if not _feasible(people, pairs, still_needed):
        raise AllocationError("the rounded solution breaks a capacity or a head count")
    return people.astype(np.int64)


def _costs(needs: Sequence[NeedToFill], pairs: CandidatePairs, still_needed: np.ndarray) -> np.ndarray:
    weights = np.array([need.weight for need in needs], dtype=float)[pairs.need_rows]
    longest = max(float(pairs.distance_m.max()), 1.0)
    return -weights + pairs.distance_m / (longest * (still_needed.sum() + 1))


def _constraints(n_needs: int, pairs: CandidatePairs) -> sparse.csr_array:
    """One row per need, then one per supply; one column per pair, with a 1 in each of its two rows."""
    columns = np.arange(len(pairs))
    rows = np.concatenate([pairs.need_rows, n_needs + pairs.supply_rows])
    shape = (n_needs + pairs.supply_free.size, len(pairs))
    return sparse.csr_array((np.ones(2 * len(pairs)), (rows, np.concatenate([columns, columns]))), shape=shape)


def _upper_bounds(pairs: CandidatePairs, still_needed: np.ndarray) -> np.ndarray:
    return np.minimum(still_needed[pairs.need_rows], pairs.supply_free[pairs.supply_rows]).astype(float)


def _feasible(people: np.ndarray, pairs: CandidatePairs, still_needed: np.ndarray) -> bool:
    per_need = np.bincount(pairs.need_rows, weights=people, minlength=still_needed.size)
    per_supply = np.bincount(pairs.supply_rows, weights=people, minlength=pairs.supply_free.size)
    return bool((people >= 0).all() and (per_need <= still_needed).all() and (per_supply <= pairs.supply_free).all())


def greedy_allocation(
    needs: Sequence[NeedToFill], orgs: Sequence[OrgSupply], radius_m: float, per_need: int = DEFAULT_PER_NEED
) -> list[Allocation]:
    """The baseline: needs in priority order (then by id), each takes as many as it can from its nearest organizations."""
    pairs = eligible_pairs(needs, orgs, radius_m, per_need)
    people = np.zeros(len(pairs), dtype=np.int64)
    left = pairs.supply_free.copy()
    starts = np.searchsorted(pairs.need_rows, np.arange(len(needs) + 1))
    for row in sorted(range(len(needs)), key=lambda r: (-needs[r].weight, needs[r].id)):
        lacking = max(needs[row].still_needed, 0)
        for pair in range(starts[row], starts[row + 1]):
            if lacking == 0:
                break
            supply = pairs.supply_rows[pair]
            people[pair] = min(lacking, left[supply])
            left[supply] -= people[pair]
            lacking -= people[pair]
    return _allocations(needs, orgs, pairs, people)


def _allocations(
    needs: Sequence[NeedToFill], orgs: Sequence[OrgSupply], pairs: CandidatePairs, people: np.ndarray
) -> list[Allocation]:
    """The pairs with people, grouped by need in input order, nearest first."""
    return [
        Allocation(
            need_id=needs[pairs.need_rows[p]].id,
            org_id=orgs[pairs.supply_org[pairs.supply_rows[p]]].id,
            people=int(people[p]),
            distance_m=float(pairs.distance_m[p]),
        )
        for p in np.flatnonzero(people > 0)
    ]


def weighted_coverage(needs: Sequence[NeedToFill], allocations: Sequence[Allocation]) -> float:
    """People allocated, each counted with its need's priority weight."""
    weights = {need.id: need.weight for need in needs}
    return float(sum(weights[allocation.need_id] * allocation.people for allocation in allocations))


def total_distance_m(allocations: Sequence[Allocation]) -> float:
    """Person-metres travelled (haversine)."""
    return float(sum(allocation.people * allocation.distance_m for allocation in allocations))
