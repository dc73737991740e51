"""A plan's designated organizations are asked first, in the plan's order, if they could answer; then the ranking."""

from __future__ import annotations

from dispatch.domain.matching import CandidateTable, NeedSpec, rank_candidates
from dispatch.domain.plans.designated import designated_first, then_ranked

NEED = NeedSpec(("rescue",), 4, 120.10, 30.27, 7, 3, None, frozenset())


def table(*rows: tuple[int, float, int]) -> CandidateTable:
    """Rows of (org id, km east of the need, free people)."""
    ids, kms, free = zip(*rows, strict=True)
    count = len(rows)
    return CandidateTable(
        org_ids=list(ids), lons=[120.10 + km / 96.0 for km in kms], lats=[30.27] * count, community_ids=[3] * count,
        free=list(free), load=[0] * count, offered=[0] * count, accepted=[0] * count, completed=[0] * count,
    )  # fmt: skip


def test_designated_come_in_the_plans_order_not_the_rankings():
    candidates = table((1, 0.5, 5), (2, 9.0, 5), (3, 3.0, 5))
    first = designated_first([2, 3], NEED, candidates)
    assert [c.org_id for c in first] == [2, 3]
    assert [c.org_id for c in rank_candidates(NEED, candidates)][:3] == [1, 3, 2]


def test_the_reason_says_the_plan_designated_it():
    (first,) = designated_first([2], NEED, table((1, 0.5, 5), (2, 9.0, 5)))
    assert first.reason_zh.startswith("预案指定队伍（第 1 位）；")
    assert first.reason_en.startswith("Designated by the plan (no. 1); ")


def test_a_designated_team_that_cannot_go_is_not_asked():
    first = designated_first([2, 3, 99], NEED, table((1, 0.5, 5), (2, 1.0, 0), (3, 2.0, 4)))
    assert [c.org_id for c in first] == [3]
    assert first[0].reason_zh.startswith("预案指定队伍（第 2 位）")  # its place in the plan, not in this list


def test_the_ranking_fills_what_the_designated_leave():
    candidates = table((1, 0.5, 5), (2, 9.0, 5), (3, 3.0, 5), (4, 1.0, 5))
    first = designated_first([2], NEED, candidates)
    chosen = then_ranked(first, rank_candidates(NEED, candidates), wanted=3)
    assert [c.org_id for c in chosen] == [2, 1, 4]


def test_no_more_than_wanted_even_if_more_were_designated():
    candidates = table((1, 0.5, 5), (2, 9.0, 5), (3, 3.0, 5))
    assert [c.org_id for c in then_ranked(designated_first([3, 2, 1], NEED, candidates), [], wanted=2)] == [3, 2]
