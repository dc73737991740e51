"""Ranking the organizations for one need, with plain values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.domain.matching import (
    NEAR_FIRST_ROWS,
    PARTS,
    CandidateTable,
    MatchWeights,
    NeedSpec,
    rank_candidates,
    score_table,
    smoothed_reliability,
)

NEED_LON, NEED_LAT = 120.0, 30.0
KM_EAST = 1 / (111.32 * np.cos(np.radians(NEED_LAT)))  # degrees of longitude per km at the need


def make_need(**overrides) -> NeedSpec:
    values = {"skill_codes": ("rescue",), "still_needed": 5, "lon": NEED_LON, "lat": NEED_LAT, "cell_id": 7, "community_id": 70}
    return NeedSpec(**(values | overrides))


def make_org(org_id: int, km: float = 1.0, **overrides) -> dict:
    row = {"org_ids": org_id, "lons": NEED_LON + km * KM_EAST, "lats": NEED_LAT, "community_ids": 99, "free": 5, "load": 0}
    return row | {"offered": 0, "accepted": 0, "completed": 0} | overrides


def make_table(*rows: dict) -> CandidateTable:
    return CandidateTable(**{column: np.array([row[column] for row in rows]) for column in rows[0]})


def ranked_ids(need: NeedSpec, *rows: dict, **kwargs) -> list[int]:
    return [candidate.org_id for candidate in rank_candidates(need, make_table(*rows), **kwargs)]


def test_closer_organization_ranks_first_all_else_equal():
    assert ranked_ids(make_need(), make_org(1, km=8.0), make_org(2, km=2.0)) == [2, 1]


def test_serving_the_cell_outweighs_a_small_distance_advantage():
    need = make_need(serving_org_ids=frozenset({1}))
    assert ranked_ids(need, make_org(1, km=3.0), make_org(2, km=0.5)) == [1, 2]


def test_same_community_breaks_an_otherwise_even_choice():
    assert ranked_ids(make_need(), make_org(1), make_org(2, community_ids=70)) == [2, 1]


def test_zero_free_capacity_is_excluded():
    assert ranked_ids(make_need(), make_org(1, free=0), make_org(2, km=20.0)) == [2]


def test_radius_excludes_farther_organizations():
    assert ranked_ids(make_need(radius_m=5_000), make_org(1, km=4.0), make_org(2, km=6.0)) == [1]


def test_no_eligible_candidate_gives_an_empty_list():
    assert ranked_ids(make_need(), make_org(1, free=0)) == []


def test_an_empty_table_gives_an_empty_list():
    empty = CandidateTable(*([np.array([], dtype=np.int64)] * 9))
    assert rank_candidates(make_need(serving_org_ids=frozenset({1})), empty) == []


def test_more_free_people_and_less_load_rank_higher():
    assert ranked_ids(make_need(), make_org(1, free=1), make_org(2, free=5)) == [2, 1]
    assert ranked_ids(make_need(), make_org(1, load=10), make_org(2, load=0)) == [2, 1]


def test_reliability_is_smoothed():
    offered, accepted, completed = np.array([0, 1, 10, 10]), np.array([0, 1, 9, 1]), np.array([0, 1, 9, 1])
    new, lucky, steady, flaky = smoothed_reliability(offered, accepted, completed)
    assert new == pytest.approx(0.5)  # no history: the middle, neither punished nor favoured
    assert steady > lucky > new > flaky  # one accept of one offer does not beat 9 of 10


def test_a_steady_record_ranks_above_a_new_organization():
    steady = make_org(1, offered=10, accepted=9, completed=9)
    assert ranked_ids(make_need(), make_org(2), steady) == [1, 2]


def test_ties_go_to_the_lower_org_id():
    assert ranked_ids(make_need(), make_org(30), make_org(10), make_org(20)) == [10, 20, 30]
    assert ranked_ids(make_need(), make_org(30), make_org(10), make_org(20), k=2) == [10, 20]


def test_reasons_in_both_languages():
    need = make_need(serving_org_ids=frozenset({1}))
    (best,) = rank_candidates(need, make_table(make_org(1, km=1.2, free=8, offered=10, accepted=9, completed=9)))
    assert best.reason_zh == "服务本网格；相距 1.2 公里；现可派 8 人；近一年派单 10 次，接受 9 次。"
    assert best.reason_en == "Serves this grid cell; 1.2 km away; 8 people free now; 10 offers in the past year, 9 accepted."
    assert best.free == 8 and best.distance_m == pytest.approx(1200, rel=0.01)


def test_reasons_name_only_what_applies():
    (best,) = rank_candidates(make_need(), make_table(make_org(1, km=0.35, community_ids=70, load=2)))
    assert best.reason_zh == "同社区；相距 350 米；现可派 5 人，另有 2 人正在出勤；近一年未接过派单。"
    assert best.reason_en == "Same community; 350 m away; 5 people free now, 2 more already out; no offers in the past year."


def test_score_is_the_weighted_mean_of_its_parts():
    weights = MatchWeights(cell=5, load=0)
    (best,) = rank_candidates(make_need(), make_table(make_org(1, km=5.0, free=2, load=2)), weights=weights)
    assert best.parts == pytest.approx(
        {"cell": 0, "community": 0, "distance": 0.5, "capacity": 0.4, "load": 0.5, "reliability": 0.5}, abs=1e-3
    )
    expected = sum(getattr(weights, part) * best.parts[part] for part in PARTS) / weights.total
    assert best.score == pytest.approx(expected)
    assert all(0.0 <= value <= 1.0 for value in best.parts.values())


def test_weights_must_make_sense():
    with pytest.raises(ValueError):
        MatchWeights(cell=-1)
    with pytest.raises(ValueError):
        MatchWeights(distance_half_km=0)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError):
        CandidateTable(*([np.arange(3)] * 8), np.arange(2))


@st.composite
def random_tables(draw) -> tuple[NeedSpec, CandidateTable, int]:
    n = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    offered = rng.integers(0, 4, n)
    accepted = rng.integers(0, offered + 1)
    table = CandidateTable(
        org_ids=rng.permutation(n * 3)[:n] + 1,
        lons=NEED_LON + rng.integers(0, 4, n) * 0.01,  # few distinct places: many exact ties
        lats=np.full(n, NEED_LAT),
        community_ids=rng.integers(69, 72, n),
        free=rng.integers(0, 4, n),
        load=rng.integers(0, 3, n),
        offered=offered,
        accepted=accepted,
        completed=rng.integers(0, accepted + 1),
    )
    serving = frozenset(int(i) for i in rng.choice(table.org_ids, size=min(n, 5), replace=False))
    return make_need(serving_org_ids=serving), table, draw(st.integers(0, 60))


@settings(max_examples=150, deadline=None)
@given(random_tables())
def test_top_k_matches_a_brute_force_sort(case):
    need, table, k = case
    scores = score_table(need, table, MatchWeights()).scores
    rows = sorted((i for i in range(len(table)) if table.free[i] > 0), key=lambda i: (-scores[i], table.org_ids[i]))
    expected = [int(table.org_ids[i]) for i in rows[:k]]
    assert [candidate.org_id for candidate in rank_candidates(need, table, k=k)] == expected


@st.composite
def large_tables(draw) -> tuple[NeedSpec, CandidateTable, MatchWeights, int]:
    """More rows than are ranked whole: some crowded near the need, some spread over a region a thousand km wide,
    favoured rows (serving the cell, same community) far away too, many with nobody free."""
    n = NEAR_FIRST_ROWS + draw(st.integers(1, 5_000))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    near = int(n * draw(st.sampled_from([0.0, 0.001, 0.01, 0.2])))  # how crowded the need's surroundings are
    spread_km = np.concatenate([rng.uniform(0, draw(st.sampled_from([5, 30, 100])), near), rng.uniform(0, 600, n - near)])
    bearing = rng.uniform(0, 2 * np.pi, n)
    offered = rng.integers(0, 40, n)
    accepted = rng.binomial(offered, 0.8)
    table = CandidateTable(
        org_ids=rng.permutation(n * 2)[:n] + 1,
        lons=NEED_LON + spread_km * np.sin(bearing) * KM_EAST,
        lats=NEED_LAT + spread_km * np.cos(bearing) / 111.2,
        community_ids=rng.integers(0, 400, n),
        free=np.where(rng.random(n) < draw(st.sampled_from([0.1, 0.9])), 0, rng.integers(1, 30, n)),
        load=rng.integers(0, 6, n),
        offered=offered,
        accepted=accepted,
        completed=rng.binomial(accepted, 0.9),
    )
    serving = frozenset(int(i) for i in rng.choice(table.org_ids, size=draw(st.integers(0, 40)), replace=False))
    need = make_need(
        still_needed=draw(st.integers(1, 30)),
        community_id=draw(st.sampled_from([None, 7])),
        serving_org_ids=serving,
        radius_m=draw(st.sampled_from([None, None, 3_000.0, 50_000.0])),
    )
    weights = draw(st.sampled_from([MatchWeights(), MatchWeights(distance=0.0), MatchWeights(distance=10.0, cell=0.0)]))
    return need, table, weights, draw(st.sampled_from([0, 1, 50, 200]))


@settings(max_examples=40, deadline=None)
@given(large_tables())
def test_a_large_table_ranked_near_the_need_first_gives_the_list_scoring_every_row_gives(case):
    need, table, weights, k = case
    scores = score_table(need, table, weights).scores
    eligible = np.flatnonzero(np.isfinite(scores))
    expected = eligible[np.lexsort((table.org_ids[eligible], -scores[eligible]))][:k]
    ranked = rank_candidates(need, table, weights=weights, k=k)
    assert [candidate.org_id for candidate in ranked] == [int(i) for i in table.org_ids[expected]]
    assert [candidate.score for candidate in ranked] == [float(score) for score in scores[expected]]
