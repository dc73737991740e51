"""Rank the organizations that could take one need, with the reasons a person can read.

The caller (the dispatch service) has already chosen the candidates: active organizations
inside the dispatcher's jurisdiction that have the need's skill. It passes them as one
``CandidateTable`` of numpy columns, one row per organization, so that ranking 100,000 of
them stays a handful of vectorized operations (a few milliseconds).

Contract for ``CandidateTable.free``: the number of members who could go now for this
need's skill(s). For a skill that needs certification only members with a valid
certificate count; for a need with several skills, the caller decides how to combine them
(e.g. members holding any of them). Rows with ``free == 0`` are never returned.

The score is a weighted mean of parts, each in [0, 1] (``MatchWeights``):

- ``cell``: 1 if the organization serves the need's grid cell (``NeedSpec.serving_org_ids``);
- ``community``: 1 if it is in the need's community;
- ``distance``: ``half / (half + km)``, 1 on the spot and 0.5 at ``distance_half_km``;
- ``capacity``: free people over the people still needed, capped at 1;
- ``load``: the share of its available people not already out on other work,
  ``free / (free + load)``;
- ``reliability``: the mean of two smoothed rates, accepted of offered ``(a+1)/(o+2)`` and
  completed of accepted ``(c+1)/(a+2)``; a new organization scores 0.5, neither punished
  nor favoured, and one lucky accept does not beat a long good record.

Ties in score go to the lower organization id, so the same input always gives the same list.

A large table (a province's organizations, say) is ranked near the need first: only the rows within a box around it,
or favoured by cell or community, are scored, and the box widens until the k-th best score among them is above
anything a row beyond it could reach (``_best_beyond``); the list is the one scoring every row would give.
Distances are ranked by haversine; the ``distance_m`` shown for the returned candidates is
the exact WGS-84 distance (geo.distance says why).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np

from dispatch.domain.candidate_reasons import CandidateFacts, reason_en, reason_zh
from geo.distance import geodesic_many_m, haversine_m, within_box

__all__ = [
    "PARTS",
    "CandidateTable",
    "MatchWeights",
    "NeedSpec",
    "RankedCandidate",
    "ScoredTable",
    "rank_candidates",
    "score_table",
    "smoothed_reliability",
    "top_k_indices",
]

PARTS = ("cell", "community", "distance", "capacity", "load", "reliability")
# Tables longer than this are ranked near the need first, in boxes of these reaches (metres) before every row.
NEAR_FIRST_ROWS = 20_000
NEAR_FIRST_REACHES_M = (10_000.0, 40_000.0, 160_000.0)


@dataclass(frozen=True)
class MatchWeights:
    """How much each score part counts; the score is their weighted mean, so only ratios matter."""

    cell: float = 3.0
    community: float = 1.0
    distance: float = 2.0
    capacity: float = 1.0
    load: float = 0.5
    reliability: float = 1.0
    distance_half_km: float = 5.0

    def __post_init__(self) -> None:
        if any(getattr(self, part) < 0 for part in PARTS) or self.total <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        if self.distance_half_km <= 0:
            raise ValueError("distance_half_km must be positive")

    @property
    def total(self) -> float:
        """Sum of the part weights."""
        return sum(getattr(self, part) for part in PARTS)


@dataclass(frozen=True)
class NeedSpec:
    """The need being matched, as plain values (WGS-84 degrees)."""

    skill_codes: tuple[str, ...]
    still_needed: int
    lon: float
    lat: float
    cell_id: int | None = None
    community_id: int | None = None
    radius_m: float | None = None
    # Organizations whose service area includes the need's cell, resolved by the caller.
    serving_org_ids: frozenset[int] = field(default_factory=frozenset)


_COUNT_COLUMNS = frozenset({"free", "load", "offered", "accepted", "completed"})


@dataclass(frozen=True)
class CandidateTable:
    """Candidate organizations for one need, one row each (see the module doc for ``free``)."""

    org_ids: np.ndarray  # int
    lons: np.ndarray  # WGS-84 degrees
    lats: np.ndarray
    community_ids: np.ndarray  # int; -1 (or any id no need has) when unknown
    free: np.ndarray  # people who could go now for the need's skill(s)
    load: np.ndarray  # people out on active assignments
    offered: np.ndarray  # offers answered (or left to expire) in the past year; pending ones are no evidence yet
    accepted: np.ndarray  # of those
    completed: np.ndarray
    # People it said it has ready on standby (备勤) while a warning stands, -1 when it has not said: ``free`` is
    # already capped by it (the caller's job); kept for the reason. Left out: nobody has said.
    ready: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.ready is None:
            object.__setattr__(self, "ready", np.full(np.shape(self.org_ids), -1, dtype=np.int64))
        # Counts are kept as floats: the score arithmetic then converts nothing per need.
        for column in fields(self):
            dtype = float if column.name in _COUNT_COLUMNS else None
            object.__setattr__(self, column.name, np.asarray(getattr(self, column.name), dtype=dtype))
        if len({getattr(self, column.name).shape for column in fields(self)}) != 1 or self.org_ids.ndim != 1:
            raise ValueError("every column of a CandidateTable must be one-dimensional and of the same length")

    @cached_property
    def reliability(self) -> np.ndarray:
        """Per-row reliability part; it does not depend on the need, so a reused table computes it once."""
        return smoothed_reliability(self.offered, self.accepted, self.completed)

    def __len__(self) -> int:
        return int(self.org_ids.size)

    def rows(self, indices: np.ndarray) -> CandidateTable:
        """The table of these rows only, in this order."""
        return CandidateTable(*(getattr(self, column.name)[indices] for column in fields(self)))


@dataclass(frozen=True)
class RankedCandidate:
    """One organization's place in the ranking, with its score parts and reasons in both languages."""

    org_id: int
    score: float
    parts: dict[str, float]
    distance_m: float
    free: int
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class ScoredTable:
    """Score and parts of every row of a ``CandidateTable``."""

    scores: np.ndarray  # -inf for ineligible rows
    parts: dict[str, np.ndarray]


def rank_candidates(
    need: NeedSpec, table: CandidateTable, weights: MatchWeights | None = None, k: int = 50
) -> list[RankedCandidate]:
    """The best ``k`` eligible candidates for ``need``, best first, ties to the lower org id."""
    weights = weights or MatchWeights()
    if len(table) > NEAR_FIRST_ROWS:
        table, scored = _contenders(need, table, weights, k)
    else:
        scored = score_table(need, table, weights)
    top = top_k_indices(scored.scores, table.org_ids, k)
    metres = geodesic_many_m(need.lon, need.lat, table.lons[top], table.lats[top])
    return [_ranked(need, table, scored, int(i), float(m)) for i, m in zip(top, metres, strict=True)]


def score_table(need: NeedSpec, table: CandidateTable, weights: MatchWeights) -> ScoredTable:
    """Scores and parts of every row; rows that are not eligible score ``-inf`` (their parts are meaningless)."""
    metres = haversine_m(need.lon, need.lat, table.lons, table.lats)
    parts = _parts(need, table, weights, metres)
    # In-place accumulation: at 100,000 rows every temporary array costs about 0.1 ms.
    scores = np.zeros(len(table))
    for name in PARTS:
        scores += parts[name] * (getattr(weights, name) / weights.total)
    scores[~_eligible(need, table, metres)] = -np.inf
    return ScoredTable(scores, parts)


def _contenders(need: NeedSpec, table: CandidateTable, weights: MatchWeights, k: int) -> tuple[CandidateTable, ScoredTable]:
    """The rows that can be among the best ``k``, scored: those near the need, or serving its cell or in its
    community, in the smallest box of ``NEAR_FIRST_REACHES_M`` that proves no other row could reach the k-th best
    score; the whole table when none does."""
    favoured = _serves_cell(need, table) | _same_community(need, table)
    for reach in NEAR_FIRST_REACHES_M:
        inside = within_box(need.lon, need.lat, table.lons, table.lats, reach)
        if inside is None:
            break
        near = table.rows(np.flatnonzero(inside | favoured))
        scored = score_table(need, near, weights)
        if need.radius_m is not None and need.radius_m <= reach:  # nobody beyond is eligible
            return near, scored
        if _kth_best(scored.scores, k) > _best_beyond(reach, weights):
            return near, scored
    return table, score_table(need, table, weights)


def _kth_best(scores: np.ndarray, k: int) -> float:
    """The k-th highest finite score; -inf when there are fewer than k."""
    finite = scores[np.isfinite(scores)]
    if k <= 0:
        return np.inf
    if finite.size < k:
        return -np.inf
    return float(np.partition(finite, finite.size - k)[finite.size - k])


def _best_beyond(metres: float, weights: MatchWeights) -> float:
    """The most a row farther than ``metres`` can score if it neither serves the need's cell nor is in its community
    (with a margin for rounding): capacity, load and reliability at most 1, distance at most its part at ``metres``."""
    half_m = weights.distance_half_km * 1000.0
    most = weights.capacity + weights.load + weights.reliability + weights.distance * half_m / (half_m + metres)
    return most / weights.total + 1e-9


def top_k_indices(scores: np.ndarray, org_ids: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the ``k`` highest finite scores, best first, equal scores by ascending org id."""
    k = min(max(int(k), 0), int(np.count_nonzero(np.isfinite(scores))))
    if k == 0:
        return np.empty(0, dtype=np.intp)
    kth = np.partition(scores, scores.size - k)[scores.size - k]
    above = np.flatnonzero(scores > kth)
    # Rows tied with the k-th score compete for the remaining places by org id.
    tied = np.flatnonzero(scores == kth)
    tied = tied[_smallest(org_ids[tied], k - above.size)]
    head = np.concatenate([above, tied])
    return head[np.lexsort((org_ids[head], -scores[head]))]


def _smallest(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the ``n`` smallest values (any order)."""
    if n >= values.size:
        return np.arange(values.size)
    return np.argpartition(values, n - 1)[:n]


def _eligible(need: NeedSpec, table: CandidateTable, metres: np.ndarray) -> np.ndarray:
    eligible = table.free > 0
    if need.radius_m is not None:
        eligible &= metres <= need.radius_m
    return eligible


def _parts(need: NeedSpec, table: CandidateTable, weights: MatchWeights, metres: np.ndarray) -> dict[str, np.ndarray]:
    half_m = weights.distance_half_km * 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):  # free + load == 0 only on ineligible rows
        load = table.free / (table.free + table.load)
    return {
        "cell": _serves_cell(need, table),
        "community": _same_community(need, table),
        "distance": half_m / (metres + half_m),
        "capacity": np.minimum(table.free * (1.0 / max(need.still_needed, 1)), 1.0),
        "load": load,
        "reliability": table.reliability,
    }


def _serves_cell(need: NeedSpec, table: CandidateTable) -> np.ndarray:
    if not need.serving_org_ids:
        return np.zeros(len(table), dtype=bool)
    return np.isin(table.org_ids, np.fromiter(need.serving_org_ids, dtype=table.org_ids.dtype))


def _same_community(need: NeedSpec, table: CandidateTable) -> np.ndarray:
    if need.community_id is None:
        return np.zeros(len(table), dtype=bool)
    return table.community_ids == need.community_id


def smoothed_reliability(offered: np.ndarray, accepted: np.ndarray, completed: np.ndarray) -> np.ndarray:
    """Mean of the smoothed accept rate (a+1)/(o+2) and completion rate (c+1)/(a+2); 0.5 with no history."""
    accepted = np.asarray(accepted, dtype=float)
    return 0.5 * (accepted + 1) / (np.asarray(offered) + 2) + 0.5 * (np.asarray(completed) + 1) / (accepted + 2)


def _ranked(need: NeedSpec, table: CandidateTable, scored: ScoredTable, i: int, metres: float) -> RankedCandidate:
    parts = {name: float(scored.parts[name][i]) for name in PARTS}
    facts = CandidateFacts(
        serves_cell=parts["cell"] == 1.0,
        same_community=parts["community"] == 1.0,
        metres=metres,
        free=int(table.free[i]),
        load=int(table.load[i]),
        offered=int(table.offered[i]),
        accepted=int(table.accepted[i]),
        ready=None if table.ready[i] < 0 else int(table.ready[i]),
    )
    return RankedCandidate(
        org_id=int(table.org_ids[i]),
        score=float(scored.scores[i]),
        parts=parts,
        distance_m=metres,
        free=facts.free,
        reason_zh=reason_zh(facts),
        reason_en=reason_en(facts),
    )
