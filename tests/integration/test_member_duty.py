"""Members on and off duty (在岗 / 休息) in the ranking: only members on duty count among the people an organization
can send, a team stood down is not asked, and a member off until a time counts again once it has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.domain.assignments import AssignmentState
from dispatch.extensions import db
from dispatch.models import Member
from dispatch.services.dispatch.candidates import free_people
from tests.factories import make_incident, make_member, make_need, make_offer, make_organization
from tests.integration.dispatch_helpers import need_body, open_incident, posted_need


def logistics_team(world, declared: int, listed: int):
    """An organization serving cell A1 that declares ``declared`` people for logistics and lists ``listed`` members
    with the skill."""
    organization = make_organization(world.community_a1, [world.cell_a1], skills={"logistics": declared})
    for _ in range(listed):
        make_member(organization, ("logistics",))
    db.session.commit()
    return organization


def members_of(organization) -> list[Member]:
    return list(db.session.scalars(select(Member).where(Member.organization_id == organization.id).order_by(Member.id)))


def stand(members: list[Member], on_duty: bool, until: datetime | None = None) -> None:
    for member in members:
        member.on_duty, member.off_until = on_duty, until
    db.session.commit()


def free_now(world, organization, skill: str = "logistics") -> int:
    need = make_need(make_incident(world.sub_a1), world.cell_a1, skills=(skill,))
    free = free_people(need, organization.id, datetime.now(UTC).date())
    db.session.commit()  # SQLite: the test's own open transaction would keep the requests that follow from writing
    return free


def candidate_reason(client, world, organization) -> str:
    preview = client.post(f"/api/incidents/{open_incident(client)['id']}/candidates", need_body(world.cell_a1))
    return next(c["reason"] for c in preview.get_json()["items"] if c["organization"]["id"] == organization.id)


def asked_for_a_need_in_a1(browser, world) -> set[int]:
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=5)
    return {a["organization"]["id"] for a in need["assignments"]}


def test_a_member_off_duty_is_not_among_the_people_the_organization_can_send(world, browser):
    organization = logistics_team(world, declared=3, listed=3)

    stand(members_of(organization)[:1], on_duty=False)

    assert free_now(world, organization) == 2
    assert "现可派 2 人" in candidate_reason(browser(world.duty), world, organization)
    assert "2 people free now" in candidate_reason(browser(world.duty, language="en"), world, organization)


def test_an_organization_whose_members_are_all_off_duty_is_not_offered_the_need(world, browser):
    stand(members_of(world.org_a1), on_duty=False)

    asked = asked_for_a_need_in_a1(browser, world)

    assert world.org_a1.id not in asked
    assert world.org_a1b.id in asked  # its neighbour, on duty, is asked instead


def test_a_team_stood_on_again_is_asked_again(world, browser):
    stand(members_of(world.org_a1), on_duty=False)
    stand(members_of(world.org_a1), on_duty=True)

    assert world.org_a1.id in asked_for_a_need_in_a1(browser, world)


def test_a_member_off_until_a_time_counts_again_once_it_has_passed(world):
    organization = logistics_team(world, declared=2, listed=2)
    first, second = members_of(organization)
    stand([first, second], on_duty=False, until=datetime.now(UTC) + timedelta(hours=8))
    assert free_now(world, organization) == 0

    stand([first], on_duty=False, until=datetime.now(UTC) - timedelta(minutes=1))  # the night is over for the first

    assert free_now(world, organization) == 1


def test_a_team_off_until_the_morning_is_asked_again_in_the_morning(world, browser):
    stand(members_of(world.org_a1), on_duty=False, until=datetime.now(UTC) - timedelta(minutes=1))

    assert world.org_a1.id in asked_for_a_need_in_a1(browser, world)


def test_more_members_listed_than_declared_still_send_no_more_than_declared(world):
    organization = logistics_team(world, declared=2, listed=5)

    stand(members_of(organization)[:2], on_duty=False)

    assert free_now(world, organization) == 2  # three on duty, two declared


def test_an_organization_listing_no_members_sends_the_people_it_declared(world):
    organization = logistics_team(world, declared=4, listed=0)

    assert free_now(world, organization) == 4


def test_a_member_who_left_is_not_on_the_roster_whatever_their_duty(world):
    organization = logistics_team(world, declared=3, listed=0)
    make_member(organization, ("logistics",), forgotten_at=datetime.now(UTC), on_duty=False)
    db.session.commit()

    assert free_now(world, organization) == 3  # neither taken from the declared people nor standing the team down


def test_a_certified_member_off_duty_does_not_count_for_a_skill_that_needs_a_certificate(world):
    organization = make_organization(world.community_a1, [world.cell_a1], skills={"first_aid": 10})
    valid = datetime.now(UTC).date() + timedelta(days=90)
    certified = [make_member(organization, ("first_aid",), certified_until=valid) for _ in range(3)]
    db.session.commit()

    stand(certified[:1], on_duty=False)

    assert free_now(world, organization, skill="first_aid") == 2


def test_people_already_out_are_taken_from_those_on_duty(world):
    organization = logistics_team(world, declared=4, listed=4)
    stand(members_of(organization)[:1], on_duty=False)
    out = make_need(make_incident(world.sub_a1), world.cell_a1, skills=("logistics",))
    make_offer(out, organization, state=AssignmentState.ACCEPTED, head_count=2)
    db.session.commit()

    assert free_now(world, organization) == 1
