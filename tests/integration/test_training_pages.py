"""Training pages: an officer records a session and who attended from the pages; certificates running out are
listed with a reminder to the leader; a form with a certificate but no skill is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import OutboxMessage, TrainingAttendance, TrainingSession
from tests.factories import make_member, make_organization

FORM = "multipart/form-data"


def test_an_officer_records_a_session_and_its_attendees_from_the_pages(world, browser):
    member = make_member(world.org_a1, ("first_aid",))
    db.session.commit()
    duty = browser(world.duty)
    course = {"title": "应急救护持证培训", "organizer": "西湖区红十字会", "held_on": "2026-11-20", "hours": "8",
              "skill": "first_aid", "certificate_months": "24"}  # fmt: skip
    recorded = duty.send("POST", "/training", None, data=course, content_type=FORM)
    assert recorded.status_code == 302
    page = duty.get(f"{recorded.headers['Location']}?organization_id={world.org_a1.id}").get_data(as_text=True)
    assert "应急救护持证培训" in page and member.name in page
    session = db.session.scalar(select(TrainingSession))
    added = duty.send("POST", f"/training/{session.id}/attendees", None, data={"member_ids": str(member.id)}, content_type=FORM)
    assert added.status_code == 302
    assert "2028-11-20" in duty.get(added.headers["Location"]).get_data(as_text=True)
    assert "应急救护持证培训" in browser(world.leader).get("/training").get_data(as_text=True)


def test_a_certificate_without_the_skill_it_certifies_is_refused_on_the_page(world, browser):
    course = {"title": "培训", "organizer": "红十字会", "held_on": "2026-11-20", "hours": "8", "certificate_months": "24"}
    refused = browser(world.duty).send("POST", "/training", None, data=course, content_type=FORM)
    assert refused.status_code == 422 and "须指明培训的技能" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
    assert db.session.scalar(select(func.count(TrainingAttendance.id))) == 0


def test_certificates_running_out_are_listed_and_the_leader_reminded(world, browser):
    soon = make_member(world.org_a1, ("first_aid",), certified_until=datetime.now(UTC).date() + timedelta(days=9))
    db.session.commit()
    duty = browser(world.duty)
    assert soon.name in duty.get("/certificates/expiring").get_data(as_text=True)
    reminded = duty.send(
        "POST", f"/organizations/{world.org_a1.id}/certificate-reminder", None, data={"days": "30"}, content_type=FORM
    )
    assert reminded.status_code == 302 and "已短信提醒负责人" in duty.get(reminded.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.template == "certificates_expiring")) == 1


def test_every_organization_in_scope_can_be_chosen_to_record_attendance(world, browser):
    many = [make_organization(world.community_a1) for _ in range(201)]
    session = TrainingSession(subdistrict=world.sub_a1, title="培训", organizer="街道", held_on=datetime.now(UTC).date(), hours=2)
    db.session.add(session)
    db.session.commit()
    page = browser(world.duty).get(f"/training/{session.id}").get_data(as_text=True)
    assert all(f'<option value="{o.id}"' in page for o in [*many, world.org_a1, world.org_a1b])
