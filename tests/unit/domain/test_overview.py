"""Who counts as ready to go on the county overview, and how the county's line adds up."""

from __future__ import annotations

from dispatch.domain.overview import OrganizationFacts, SubdistrictState, count_organizations, county_total


def facts(**changes) -> OrganizationFacts:
    values = {"subdistrict_id": 1, "active": True, "has_base": True, "leader_phone": "+8613800000001",
              "largest_capacity": 10, "people_out": 0}  # fmt: skip
    return OrganizationFacts(**{**values, **changes})


def test_an_active_organization_with_a_base_a_phone_and_people_free_is_ready():
    assert facts().ready and facts().free_people == 10


def test_an_organization_that_cannot_be_sent_or_reached_or_has_everyone_out_is_not_ready():
    assert not facts(active=False).ready
    assert not facts(has_base=False).ready  # the matching cannot measure a distance to it
    assert not facts(leader_phone=" ").ready  # no one to send the offer to
    assert not facts(people_out=10).ready and facts(people_out=12).free_people == 0


def test_a_standby_answer_caps_the_free_people_and_an_answer_of_none_is_not_ready():
    assert facts(standby_ready=3).free_people == 3 and facts(standby_ready=30).free_people == 10
    assert not facts(standby_ready=0).ready
    assert facts(people_out=8, standby_ready=5).free_people == 2


def test_a_subdistrict_counts_its_active_organizations_and_the_free_people_of_the_ready_ones():
    states = {1: SubdistrictState(1), 2: SubdistrictState(2)}
    count_organizations(states, [facts(), facts(people_out=4), facts(leader_phone=""), facts(active=False),
                                 facts(subdistrict_id=2, people_out=10), facts(subdistrict_id=9)])  # fmt: skip
    assert (states[1].organizations, states[1].ready, states[1].free_people) == (3, 2, 16)
    assert (states[2].organizations, states[2].ready, states[2].free_people) == (1, 0, 0)


def test_the_county_line_adds_up_every_subdistrict():
    total = county_total([SubdistrictState(1, active_incidents=2, drills=1, people_lacking=3, ready=1),
                          SubdistrictState(2, active_incidents=1, needs_lacking=1, ready=4)])  # fmt: skip
    assert (total.active_incidents, total.drills, total.needs_lacking, total.people_lacking, total.ready) == (3, 1, 1, 3, 5)
    assert not total.calm and SubdistrictState(3).calm
