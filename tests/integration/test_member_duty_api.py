"""The leader's duty roster (/api/organizations/<id>/members/duty): who is on duty (在岗) and who is off (休息); a
leader, or an officer in scope, stands members off or on, one or the whole team in one call, off for a while or
until stood on again. Bad input is refused whole, saying what was wrong, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Member
from tests.factories import make_member, make_organization
from tests.integration.dispatch_helpers import leader_of


def duty_url(organization) -> str:
    return f"/api/organizations/{organization.id}/members/duty"


def member_ids(organization) -> list[int]:
    ids = list(db.session.scalars(select(Member.id).where(Member.organization_id == organization.id).order_by(Member.id)))
    db.session.commit()  # SQLite: the test's own open transaction would keep the requests that follow from writing
    return ids


def in_eight_hours() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).isoformat()


def team_of_four(world):
    organization = make_organization(world.community_a1, [world.cell_a1], skills={"logistics": 4})
    for _ in range(4):
        make_member(organization, ("logistics",))
    db.session.commit()
    return organization


def test_a_leader_stands_two_members_off_in_one_call_and_the_others_stay_on(world, browser):
    organization = team_of_four(world)
    leader = leader_of(organization)
    ids = member_ids(organization)

    answer = browser(leader).post(duty_url(organization), {"member_ids": ids[:2], "on_duty": False})

    assert answer.status_code == 200
    assert [m["on_duty"] for m in answer.get_json()] == [False, False, True, True]
    assert [m["off_until"] for m in answer.get_json()] == [None] * 4  # off until stood on again
    assert db.session.get(Member, ids[0]).duty_changed_by == leader.id


def test_the_roster_says_until_when_a_member_is_off(world, browser):
    leader = browser(world.leader)
    ids = member_ids(world.org_a1)
    leader.post(duty_url(world.org_a1), {"member_ids": ids, "on_duty": False, "until": in_eight_hours()})

    (member,) = leader.get(duty_url(world.org_a1)).get_json()

    assert member["on_duty"] is False
    assert datetime.fromisoformat(member["off_until"]) > datetime.now(UTC) + timedelta(hours=7)


def test_a_member_whose_time_off_has_passed_shows_on_duty(world, browser):
    leader = browser(world.leader)
    ids = member_ids(world.org_a1)
    leader.post(duty_url(world.org_a1), {"member_ids": ids, "on_duty": False, "until": in_eight_hours()})
    db.session.get(Member, ids[0]).off_until = datetime.now(UTC) - timedelta(minutes=1)  # the night is over
    db.session.commit()

    assert leader.get(duty_url(world.org_a1)).get_json()[0] | {"duty_changed_at": None} == {
        "id": ids[0], "name": db.session.get(Member, ids[0]).name, "on_duty": True, "off_until": None,
        "duty_changed_at": None,
    }  # fmt: skip


def test_standing_a_member_on_forgets_when_they_were_due_back(world, browser):
    leader = browser(world.leader)
    ids = member_ids(world.org_a1)
    leader.post(duty_url(world.org_a1), {"member_ids": ids, "on_duty": False, "until": in_eight_hours()})

    leader.post(duty_url(world.org_a1), {"member_ids": ids, "on_duty": True})

    assert db.session.get(Member, ids[0]).off_until is None


def test_an_officer_in_scope_may_stand_a_team_off_too(world, browser):
    answer = browser(world.duty).post(duty_url(world.org_a1), {"member_ids": member_ids(world.org_a1), "on_duty": False})

    assert answer.status_code == 200
    assert not any(m["on_duty"] for m in answer.get_json())


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (lambda w: {"member_ids": [*member_ids(w.org_a1), 999_999], "on_duty": False}, "member_ids", "999999"),
        (lambda w: {"member_ids": [*member_ids(w.org_a1), *member_ids(w.org_a1b)], "on_duty": False}, "member_ids", "找不到这些队员"),
        (lambda w: {"member_ids": member_ids(w.org_a1), "on_duty": "false"}, "on_duty", "在岗"),
        (lambda w: {"member_ids": member_ids(w.org_a1), "on_duty": 0}, "on_duty", "在岗"),
        (lambda w: {"member_ids": member_ids(w.org_a1)}, "on_duty", "在岗"),
        (lambda w: {"member_ids": [], "on_duty": False}, "member_ids", "队员"),
        (lambda w: {"member_ids": member_ids(w.org_a1), "on_duty": False, "until": "2020-01-01T08:00:00+08:00"}, "until", "晚于现在"),
        (lambda w: {"member_ids": member_ids(w.org_a1), "on_duty": False, "until": "明早八点"}, "until", "截止日期"),
        (lambda w: {"member_ids": member_ids(w.org_a1), "on_duty": True, "until": "2099-01-01T08:00:00+08:00"}, "body", "设为休息"),
    ],
    ids=["unknown member", "another organization's member", "text for a boolean", "a number for a boolean",
         "no on_duty", "nobody", "until in the past", "until not a time", "until while standing on"],
)  # fmt: skip
def test_bad_input_is_refused_with_what_was_wrong_and_changes_nothing(body, field, words, world, browser):
    answer = browser(world.leader).post(duty_url(world.org_a1), body(world))

    assert answer.status_code == 422
    error = answer.get_json()["error"]["errors"][0]
    assert (error["field"], words in error["message"]) == (field, True), error
    db.session.expire_all()
    assert all(m.on_duty and m.duty_changed_at is None for m in db.session.scalars(select(Member)))


def test_another_organizations_roster_is_not_found(world, browser):
    leader = browser(world.leader)
    theirs = member_ids(world.org_a1b)

    assert leader.get(duty_url(world.org_a1b)).status_code == 404
    assert leader.post(duty_url(world.org_a1b), {"member_ids": theirs, "on_duty": False}).status_code == 404
    assert db.session.get(Member, theirs[0]).on_duty


def test_a_member_who_left_is_not_on_the_roster(world, browser):
    leader = browser(world.leader)
    gone = make_member(world.org_a1)
    db.session.commit()
    leader.post(f"/api/members/{gone.id}/forget")

    assert [m["id"] for m in leader.get(duty_url(world.org_a1)).get_json()] == [world.org_a1.members[0].id]
    assert leader.post(duty_url(world.org_a1), {"member_ids": [gone.id], "on_duty": False}).status_code == 422
