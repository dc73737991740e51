"""Training records: a session and its attendees give certificates that matching counts; leaders hear before
certificates run out; wrong input changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Certification, Event, OutboxMessage, TrainingAttendance
from dispatch.services.records import training
from tests.factories import make_member


def first_aid_course(held_on: date | None = None, **fields) -> dict:
    held_on = held_on or datetime.now(UTC).date()
    return {
        "title": "应急救护持证培训", "organizer": "西湖区红十字会", "held_on": held_on.isoformat(), "hours": 8,
        "skill": "first_aid", "certificate_months": 24, **fields,
    }  # fmt: skip


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Certification, TrainingAttendance, Event, OutboxMessage)
    )


def test_attending_a_certifying_course_gives_a_certificate_and_training_hours(world, browser):
    duty = browser(world.duty)
    members = [make_member(world.org_a1, ("first_aid",)), make_member(world.org_a1b, ("first_aid",))]
    db.session.commit()
    course = duty.post("/api/training-sessions", first_aid_course(date(2026, 11, 30)))
    assert course.status_code == 201, course.get_json()
    assert course.get_json()["subdistrict"]["id"] == world.sub_a1.id

    url = f"/api/training-sessions/{course.get_json()['id']}/attendees"
    attended = duty.post(url, {"member_ids": [m.id for m in members]})
    assert attended.status_code == 200
    assert [a["certificate_expires_on"] for a in attended.get_json()["attendees"]] == ["2028-11-30", "2028-11-30"]
    issued = db.session.scalars(select(Certification).where(Certification.member_id == members[0].id)).one()
    assert (issued.skill.code, issued.issuer, issued.issued_on) == ("first_aid", "西湖区红十字会", date(2026, 11, 30))
    hours = db.session.scalars(select(Event.data).where(Event.kind == "training.attended")).all()
    assert [h["hours"] for h in hours] == [8, 8]

    before = counts()
    assert duty.post(url, {"member_ids": [m.id for m in members]}).status_code == 200
    assert counts() == before  # sent again: nothing new


def test_a_leader_sees_only_their_own_members_at_a_session(world, browser):
    members = [make_member(world.org_a1), make_member(world.org_a1b)]
    db.session.commit()
    course = browser(world.duty).post("/api/training-sessions", first_aid_course(certificate_months=None)).get_json()
    browser(world.duty).post(f"/api/training-sessions/{course['id']}/attendees", {"member_ids": [m.id for m in members]})
    seen = browser(world.leader).get(f"/api/training-sessions/{course['id']}").get_json()
    assert [a["member_id"] for a in seen["attendees"]] == [members[0].id]


def test_a_member_outside_the_officers_subdistrict_refuses_the_whole_list(world, browser):
    duty = browser(world.duty)
    ours, theirs = make_member(world.org_a1), make_member(world.org_a2)
    db.session.commit()
    course = duty.post("/api/training-sessions", first_aid_course()).get_json()
    before = counts()
    refused = duty.post(f"/api/training-sessions/{course['id']}/attendees", {"member_ids": [ours.id, theirs.id]})
    assert refused.status_code == 422
    assert str(theirs.id) in refused.get_json()["error"]["errors"][0]["message"]
    assert counts() == before


def test_a_certificate_that_expires_before_it_is_issued_is_refused(world, browser):
    member = world.org_a1.members[0]
    before = counts()
    answer = browser(world.duty, language="en").patch(
        f"/api/members/{member.id}",
        {"certifications": [{"skill": "first_aid", "issued_on": "2026-05-01", "expires_on": "2026-04-30"}]},
    )
    assert answer.status_code == 422
    assert "expires on 2026-04-30, not after it was issued on 2026-05-01" in answer.get_json()["error"]["errors"][0]["message"]
    assert counts() == before


def test_a_course_that_certifies_needs_the_skill_it_certifies(world, browser):
    before = counts()
    answer = browser(world.duty).post("/api/training-sessions", first_aid_course(skill=None))
    assert answer.status_code == 422
    assert "须指明培训的技能" in answer.get_json()["error"]["errors"][0]["message"]
    assert counts() == before


def test_certificates_running_out_within_thirty_days_are_listed_by_organization(world, browser):
    today = datetime.now(UTC).date()
    soon = make_member(world.org_a1, ("first_aid",), certified_until=today + timedelta(days=10))
    make_member(world.org_a1, ("first_aid",), certified_until=today + timedelta(days=45))
    make_member(world.org_a1, ("first_aid",), certified_until=today - timedelta(days=1))  # already run out
    make_member(world.org_a2, ("first_aid",), certified_until=today + timedelta(days=5))  # another subdistrict
    db.session.commit()
    listed = browser(world.duty).get("/api/certifications/expiring").get_json()
    assert [(g["organization"]["id"], [c["member_id"] for c in g["certificates"]]) for g in listed["items"]] == [
        (world.org_a1.id, [soon.id])
    ]
    assert browser(world.duty).get("/api/certifications/expiring?days=60").get_json()["items"][0]["certificates"][1]


def test_the_leader_is_texted_once_a_day_about_certificates_running_out(world, browser):
    today = datetime.now(UTC).date()
    make_member(world.org_a1, ("first_aid",), certified_until=today + timedelta(days=3))
    db.session.commit()
    duty = browser(world.duty)
    first = duty.post(f"/api/organizations/{world.org_a1.id}/certificate-reminder").get_json()
    again = duty.post(f"/api/organizations/{world.org_a1.id}/certificate-reminder").get_json()
    assert (first["certificates"], first["sent"], again["sent"]) == (1, True, False)
    sms = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "certificates_expiring")).one()
    assert sms.recipient == world.org_a1.leader_phone
    assert "1张证书" in sms.params["text"] and "应急救护" in sms.params["text"]


def test_the_daily_run_texts_every_organization_with_certificates_running_out(world):
    today = datetime.now(UTC).date()
    make_member(world.org_a1, ("first_aid",), certified_until=today + timedelta(days=3))
    make_member(world.org_b1, ("first_aid",), certified_until=today + timedelta(days=29))
    make_member(world.org_a2, ("first_aid",), certified_until=today + timedelta(days=40))
    db.session.commit()
    assert training.remind_all(30) == 2
    assert training.remind_all(30) == 0
