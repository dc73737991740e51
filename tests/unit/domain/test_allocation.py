"""Allocating organizations to many needs at once: the optimum against the greedy baseline."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import maximum_flow

from dispatch.domain.allocation import (
    PRIORITY_WEIGHTS,
    NeedToFill,
    OrgSupply,
    eligible_pairs,
    greedy_allocation,
    optimal_allocation,
    total_distance_m,
    weighted_coverage,
)
from geo.distance import haversine_m

LON, LAT = 120.0, 30.0
KM_EAST = 1 / (111.32 * np.cos(np.radians(LAT)))
KM = 1000.0


def make_need(
    need_id: int, km: float = 0.0, still_needed: int = 1, priority: str = "normal", skill: str = "rescue"
) -> NeedToFill:
    return NeedToFill(need_id, PRIORITY_WEIGHTS[priority], still_needed, skill, LON + km * KM_EAST, LAT)


def make_org(org_id: int, km: float = 0.0, **free: int) -> OrgSupply:
    return OrgSupply(org_id, LON + km * KM_EAST, LAT, free or {"rescue": 1})


def people_by_pair(allocations) -> dict[tuple[int, int], int]:
    return {(a.need_id, a.org_id): a.people for a in allocations}


def test_greedy_takes_the_shared_organization_the_optimum_leaves_it_to_the_need_without_a_choice():
    # Urgent need 2 is nearest to X, but Y can serve it too; normal need 1 can only reach X.
    needs = [make_need(1, km=0), make_need(2, km=12, priority="urgent")]
    orgs = [make_org(10, km=8), make_org(20, km=17)]
    greedy = greedy_allocation(needs, orgs, radius_m=10 * KM)
    optimal = optimal_allocation(needs, orgs, radius_m=10 * KM)
    assert people_by_pair(greedy) == {(2, 10): 1}
    assert people_by_pair(optimal) == {(1, 10): 1, (2, 20): 1}
    assert weighted_coverage(needs, greedy) == 3 and weighted_coverage(needs, optimal) == 4


def test_with_coverage_equal_the_optimum_travels_less():
    needs = [make_need(1, km=0, priority="urgent"), make_need(2, km=10)]
    orgs = [make_org(10, km=4), make_org(20, km=-5)]
    greedy = greedy_allocation(needs, orgs, radius_m=20 * KM)
    optimal = optimal_allocation(needs, orgs, radius_m=20 * KM)
    assert people_by_pair(greedy) == {(1, 10): 1, (2, 20): 1}
    assert people_by_pair(optimal) == {(1, 20): 1, (2, 10): 1}
    assert total_distance_m(optimal) == pytest.approx(11 * KM, rel=0.01)
    assert total_distance_m(greedy) == pytest.approx(19 * KM, rel=0.01)


def test_priority_wins_over_distance_when_people_are_short():
    needs = [make_need(1, km=1, still_needed=3), make_need(2, km=9, still_needed=3, priority="high")]
    optimal = optimal_allocation(needs, [make_org(10, km=0, rescue=4)], radius_m=20 * KM)
    assert people_by_pair(optimal) == {(1, 10): 1, (2, 10): 3}


def test_capacity_is_per_skill_and_skills_must_match():
    needs = [make_need(1, still_needed=5, skill="rescue"), make_need(2, still_needed=5, skill="first_aid")]
    orgs = [make_org(10, rescue=2, first_aid=1), make_org(20, logistics=9)]
    for solve in (optimal_allocation, greedy_allocation):
        assert people_by_pair(solve(needs, orgs, radius_m=5 * KM)) == {(1, 10): 2, (2, 10): 1}


def test_organizations_beyond_the_radius_are_not_used():
    needs = [make_need(1, still_needed=3)]
    assert optimal_allocation(needs, [make_org(10, km=6, rescue=3)], radius_m=5 * KM) == []


def test_a_filled_need_gets_nobody():
    assert optimal_allocation([make_need(1, still_needed=0)], [make_org(10)], radius_m=5 * KM) == []


def test_nothing_to_allocate():
    assert optimal_allocation([], [], radius_m=5 * KM) == greedy_allocation([], [], radius_m=5 * KM) == []


def test_each_need_keeps_only_its_nearest_organizations():
    orgs = [make_org(org_id, km=org_id) for org_id in range(1, 10)]
    pairs = eligible_pairs([make_need(1)], orgs, radius_m=50 * KM, per_need=3)
    assert [orgs[pairs.supply_org[s]].id for s in pairs.supply_rows] == [1, 2, 3]


@st.composite
def instances(draw) -> tuple[list[NeedToFill], list[OrgSupply], float]:
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_needs, n_orgs = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    skills = ["rescue", "first_aid"]
    needs = [
        NeedToFill(i, float(rng.choice([1, 2, 3])), int(rng.integers(0, 7)), skills[rng.integers(2)], *_point(rng))
        for i in range(1, n_needs + 1)
    ]
    orgs = [
        OrgSupply(100 + j, *_point(rng), {skill: int(rng.integers(0, 6)) for skill in skills if rng.random() < 0.7})
        for j in range(n_orgs)
    ]
    return needs, orgs, float(rng.uniform(3, 25)) * KM


def _point(rng: np.random.Generator) -> tuple[float, float]:
    return LON + rng.uniform(0, 30) * KM_EAST, LAT + rng.uniform(0, 30) / 111.2


def assert_respects_the_limits(needs, orgs, allocations, radius_m):
    need_by_id, org_by_id = {n.id: n for n in needs}, {o.id: o for o in orgs}
    per_need, per_supply = Counter(), Counter()
    for a in allocations:
        need, org = need_by_id[a.need_id], org_by_id[a.org_id]
        assert a.people >= 1 and need.skill in org.free
        assert haversine_m(need.lon, need.lat, np.array([org.lon]), np.array([org.lat]))[0] <= radius_m
        per_need[a.need_id] += a.people
        per_supply[a.org_id, need.skill] += a.people
    assert all(people <= need_by_id[need_id].still_needed for need_id, people in per_need.items())
    assert all(people <= org_by_id[org_id].free[skill] for (org_id, skill), people in per_supply.items())


def max_head_count(needs, orgs, radius_m) -> int:
    """Most people coverable, by max flow: source -> need -> (org, skill) -> sink."""
    pairs = eligible_pairs(needs, orgs, radius_m)
    n, s = len(needs), pairs.supply_free.size
    source, sink = n + s, n + s + 1
    rows = [source] * n + list(pairs.need_rows) + list(n + np.arange(s))
    cols = list(range(n)) + list(n + pairs.supply_rows) + [sink] * s
    caps = [max(need.still_needed, 0) for need in needs] + [10**6] * len(pairs) + list(pairs.supply_free)
    graph = sparse.csr_array((np.array(caps, dtype=np.int32), (rows, cols)), shape=(n + s + 2, n + s + 2))
    return int(maximum_flow(graph, source, sink).flow_value)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_the_optimum_respects_the_limits_and_covers_at_least_as_much_as_greedy(instance):
    needs, orgs, radius_m = instance
    optimal = optimal_allocation(needs, orgs, radius_m)
    greedy = greedy_allocation(needs, orgs, radius_m)
    assert_respects_the_limits(needs, orgs, optimal, radius_m)
    assert_respects_the_limits(needs, orgs, greedy, radius_m)
    assert weighted_coverage(needs, optimal) >= weighted_coverage(needs, greedy)


@settings(max_examples=100, deadline=None)
@given(instances())
def test_with_equal_priorities_the_optimum_covers_the_max_flow(instance):
    needs, orgs, radius_m = instance
    needs = [NeedToFill(n.id, 1.0, n.still_needed, n.skill, n.lon, n.lat) for n in needs]
    optimal = optimal_allocation(needs, orgs, radius_m)
    assert sum(a.people for a in optimal) == max_head_count(needs, orgs, radius_m)
