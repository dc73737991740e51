"""The organizations a plan designated for a task (预案指定队伍) are asked first, in the plan's order; the ranking
takes over for the rest.

A designated organization is asked only if it could answer now, as the ranking judges it (active, with the skill,
people free, within the need's radius): being named in a plan does not make a team that cannot go able to. Its
reason says it was designated, before the ranking's facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from dispatch.domain.matching import CandidateTable, MatchWeights, NeedSpec, RankedCandidate, rank_candidates


def designated_first(
    order: Sequence[int], need: NeedSpec, table: CandidateTable, weights: MatchWeights | None = None
) -> list[RankedCandidate]:
    """The designated organizations (``order``: ids, first asked first) that could answer now, in that order."""
    position = {org_id: number for number, org_id in enumerate(dict.fromkeys(order), start=1)}
    rows = np.flatnonzero(np.isin(table.org_ids, list(position)))
    ranked = rank_candidates(need, table.rows(rows), weights, k=len(position))
    ranked.sort(key=lambda candidate: position[candidate.org_id])
    return [_saying_so(candidate, position[candidate.org_id]) for candidate in ranked]


def _saying_so(candidate: RankedCandidate, number: int) -> RankedCandidate:
    return replace(
        candidate,
        reason_zh=f"预案指定队伍（第 {number} 位）；{candidate.reason_zh}",
        reason_en=f"Designated by the plan (no. {number}); {candidate.reason_en[0].lower()}{candidate.reason_en[1:]}",
    )


def then_ranked(first: list[RankedCandidate], ranked: list[RankedCandidate], wanted: int) -> list[RankedCandidate]:
    """Up to ``wanted`` candidates: the designated ones, then the ranking's best not among them."""
    chosen = {candidate.org_id for candidate in first}
    return [*first, *(candidate for candidate in ranked if candidate.org_id not in chosen)][:wanted]
