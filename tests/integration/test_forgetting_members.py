"""A member who leaves, or asks to be forgotten, is anonymized: name and phone gone from every table, the audit
saying only that it happened; their certificate, training and work still count, so the evaluation is unchanged."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import String, Text, select, text

from dispatch.domain.phone import national
from dispatch.extensions import db
from dispatch.models import AuditRecord, Member, TrainingAttendance, TrainingSession
from dispatch.services.registry.forgetting import FORGOTTEN_NAME
from tests.factories import make_member

NAME, PHONE = "林忘之", "+8613912348765"
YEAR = str(datetime.now(UTC).year)


@pytest.fixture
def member(world):
    """A member with a certificate and four hours of training this year."""
    member = make_member(world.org_a1, ("first_aid",), certified_until=date.today() + timedelta(days=300), name=NAME, phone=PHONE)
    session = TrainingSession(subdistrict=world.sub_a1, title="救护员培训", organizer="红十字会", held_on=date.today(), hours=4)
    db.session.add(session)
    db.session.flush()
    db.session.add(TrainingAttendance(session_id=session.id, member_id=member.id, organization_id=world.org_a1.id))
    db.session.commit()
    return member


def traces(*needles: str) -> list[str]:
    """Every text value of every table (read raw, as stored) that holds one of the needles."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [
            c.name for c in table.columns if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "EncryptedText"
        ]
        columns += [c.name for c in table.columns if c.type.__class__.__name__ == "JSON"]
        for column in columns:
            rows = db.session.execute(text(f"SELECT CAST({column} AS TEXT) FROM {table.name} WHERE {column} IS NOT NULL"))
            found += [f"{table.name}.{column}" for (value,) in rows if any(needle in value for needle in needles)]
    return found


def test_forgetting_removes_the_person_from_every_table_and_keeps_the_evaluation(world, browser, member):
    duty = browser(world.duty)
    stored_hash = db.session.execute(text("SELECT phone_hash FROM members WHERE id = :id"), {"id": member.id}).scalar_one()
    before = duty.get(f"/api/evaluations?period={YEAR}").get_json()
    assert traces(NAME, national(PHONE), stored_hash) == ["members.name", "members.phone_hash"]

    answer = duty.post(f"/api/members/{member.id}/forget")
    assert answer.status_code == 200 and answer.get_json()["phone"] == ""

    db.session.expire_all()
    assert traces(NAME, national(PHONE), PHONE[1:], stored_hash) == []
    assert db.session.execute(text("SELECT phone, phone_hash FROM members WHERE id = :id"), {"id": member.id}).one() == (
        None,
        None,
    )
    assert duty.get(f"/api/evaluations?period={YEAR}").get_json() == before
    registry = load_workbook(io.BytesIO(duty.get("/registry.xlsx?phones=full").data), read_only=True)
    names = [row[2] for row in registry["成员"].iter_rows(min_row=2, values_only=True)]
    assert names and FORGOTTEN_NAME not in names and NAME not in names, "the forgotten are left out of the registry"
    kept = db.session.get(Member, member.id)
    assert kept.forgotten_at is not None and [c.skill.code for c in kept.certifications] == ["first_aid"]
    [record] = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "member.forgotten")).all()
    assert (record.actor_id, record.object_id, record.detail) == (
        world.duty.id,
        str(member.id),
        {"organization_id": world.org_a1.id},
    )


def test_the_organization_page_offers_it_and_then_shows_the_member_without_a_name(world, browser, member):
    leader = browser(world.leader)
    page = leader.get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)
    assert "离队或要求删除个人信息" in page and NAME in page
    assert leader.post(f"/members/{member.id}/forget", data={}).status_code == 302
    page = leader.get(f"/organizations/{world.org_a1.id}").get_data(as_text=True)
    assert NAME not in page and "已离队，个人信息已删除" in page
    assert browser(world.grid).post(f"/members/{member.id}/forget", data={}).status_code == 403


def test_a_forgotten_member_is_not_given_a_name_or_forgotten_twice(world, browser, member):
    duty = browser(world.duty, language="en")
    duty.post(f"/api/members/{member.id}/forget")
    renamed = duty.patch(f"/api/members/{member.id}", {"name": "林忘之", "phone": "13912348765"})
    assert renamed.status_code == 409
    assert "add them as a new member" in renamed.get_json()["error"]["errors"][0]["message"]
    assert duty.post(f"/api/members/{member.id}/forget").status_code == 409
    again = duty.post(f"/api/organizations/{world.org_a1.id}/members", {"name": NAME, "phone": PHONE, "skills": ["rescue"]})
    assert again.status_code == 201, "the same person may join again, as a new member"
