"""The administrator's county overview: active incidents, needs still lacking people and organizations ready to go,
per subdistrict of their county, each with a way into that subdistrict's board."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.incidents import IncidentStatus, NeedStatus
from dispatch.domain.plans.warning_types import WarningColour, WarningKind
from dispatch.extensions import db
from dispatch.models import Member, StandbyPoll
from dispatch.services.dispatch.overview import county_overview
from dispatch.services.plans.warnings import issue_warning
from tests.factories import make_incident, make_need, make_offer, make_organization


@pytest.fixture
def busy_county(world):
    """A1: a real incident with a need 3 short and one no candidate was left for, a filled need, a drill and an
    incident in recovery; org_a1b has all its people out. A2: org_a2 suspended, a new one with no leader's phone.
    County B: an incident with a need that is no business of county A's administrator."""
    flood = make_incident(world.sub_a1)
    make_need(flood, world.cell_a1, head_count=5, accepted=2)
    make_need(flood, world.cell_a1, head_count=2, status=NeedStatus.UNFILLED)
    filled = make_need(flood, world.cell_a1b, skills=("rescue",), head_count=10, accepted=10, status=NeedStatus.FILLED)
    make_offer(filled, world.org_a1b, state=AssignmentState.ON_SITE, head_count=10)
    make_incident(world.sub_a1, drill=True)
    make_incident(world.sub_a1, status=IncidentStatus.RECOVERY)
    world.org_a2.active = False
    make_organization(world.community_a2, leader_phone="")
    make_need(make_incident(world.sub_b1), world.cell_b1)
    db.session.commit()
    return world


def test_the_overview_counts_what_each_subdistrict_has_on_its_hands(busy_county):
    rows = {subdistrict.id: row for subdistrict, row in county_overview(busy_county.admin.actor()).rows}
    a1, a2 = rows[busy_county.sub_a1.id], rows[busy_county.sub_a2.id]
    assert (a1.active_incidents, a1.drills, a1.recovering) == (2, 1, 1)
    assert (a1.needs_lacking, a1.people_lacking, a1.needs_without_candidates) == (2, 5, 1)
    # org_a1b has everyone on site; org_a1 can send its 5 for logistics (rescue asks for certificates it has none of)
    assert (a1.organizations, a1.ready, a1.free_people) == (2, 1, 5)
    assert (a2.active_incidents, a2.needs_lacking, a2.organizations, a2.ready) == (0, 0, 1, 0)
    assert set(rows) == {busy_county.sub_a1.id, busy_county.sub_a2.id}


def test_a_team_stood_down_is_not_ready_and_a_standby_answer_caps_its_free_people_as_the_ranking_does(world):
    def a1() -> tuple[int, int]:
        row = {s.id: r for s, r in county_overview(world.admin.actor()).rows}[world.sub_a1.id]
        return row.ready, row.free_people

    assert a1() == (2, 10)  # org_a1 and org_a1b: 5 for logistics each (no certified rescuers)
    for member in db.session.scalars(select(Member).where(Member.organization_id == world.org_a1.id)):
        member.on_duty = False  # its leader stood the whole team down for the night
    db.session.commit()
    assert a1() == (1, 5)
    warning, _ = issue_warning(world.admin.actor(), WarningKind.RAINSTORM, WarningColour.BLUE, "暴雨蓝色预警", 6, [])
    db.session.add(StandbyPoll(warning_id=warning.id, organization_id=world.org_a1b.id, ready=3))
    db.session.commit()
    assert a1() == (1, 3)


def test_the_county_line_sums_the_subdistricts(busy_county):
    total = county_overview(busy_county.admin.actor()).total
    assert (total.active_incidents, total.needs_lacking, total.people_lacking, total.organizations, total.ready) == (
        2,
        2,
        5,
        3,
        1,
    )


def test_each_subdistrict_links_to_its_own_board_which_lists_only_its_incidents(busy_county, browser):
    client = browser(busy_county.admin)
    page = client.get("/overview").get_data(as_text=True)
    for subdistrict in (busy_county.sub_a1, busy_county.sub_a2):
        assert f'href="/board?subdistrict_id={subdistrict.id}"' in page
    assert "缺人的需求" in page and "可派组织" in page
    english = browser(busy_county.admin, language="en").get("/overview").get_data(as_text=True)
    assert "Needs lacking people" in english and "5 people short" in english
    listed = client.get(f"/api/incidents?status=active&subdistrict_id={busy_county.sub_a2.id}").get_json()
    assert listed["items"] == []
    assert len(client.get(f"/api/incidents?status=active&subdistrict_id={busy_county.sub_a1.id}").get_json()["items"]) == 2
    opened = client.post("/api/incidents", {"title": "内涝", "category": "natural_disaster", "level": "IV",
                                            "subdistrict_id": busy_county.sub_a2.id})  # fmt: skip
    assert opened.status_code == 201 and opened.get_json()["subdistrict"]["id"] == busy_county.sub_a2.id


def test_the_county_overview_is_the_administrators_alone(world, browser):
    for user in (world.duty, world.leader, world.grid):
        assert browser(user).get("/overview").status_code == 403
