"""Complaints: anyone files one, it lands with the body that manages the organization, which decides it once;
the organization's leader sees what was said but not who said it."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.domain.registry import OrgStatus
from dispatch.extensions import db
from dispatch.models import Complaint, Event


def complaint_about(organization, **fields) -> dict:
    return {"organization_id": organization.id, "summary": "清淤时占用消防通道,劝说不听", "contact": "13800001111", **fields}


def state() -> tuple:
    return (
        tuple(db.session.execute(select(Complaint.id, Complaint.status).order_by(Complaint.id))),
        db.session.scalar(select(func.count(Event.id))),
    )


def test_a_grid_workers_complaint_reaches_the_subdistrict_that_filed_the_organization(world, browser):
    filed = browser(world.grid).post("/api/complaints", complaint_about(world.org_a1))
    assert filed.status_code == 201, filed.get_json()
    assert filed.get_json()["managing_body"] == "subdistrict"
    inbox = browser(world.duty).get("/api/complaints?status=open").get_json()["items"]
    assert [(c["id"], c["contact"]) for c in inbox] == [(filed.get_json()["id"], "13800001111")]

    decided = browser(world.duty).post(
        f"/api/complaints/{inbox[0]['id']}/decision", {"outcome": "upheld", "note": "已约谈负责人"}
    )
    assert decided.status_code == 200 and decided.get_json()["status"] == "upheld"
    upheld = db.session.scalars(select(Event).where(Event.kind == "complaint.upheld")).one()
    assert upheld.organization_id == world.org_a1.id

    seen_by_leader = browser(world.leader).get("/api/complaints").get_json()["items"]
    assert [(c["status"], c["contact"]) for c in seen_by_leader] == [("upheld", None)]


def test_a_registered_organization_is_decided_by_the_county_not_the_subdistrict(world, browser):
    world.org_a1.status = OrgStatus.REGISTERED
    db.session.commit()
    complaint = browser(world.leader).post("/api/complaints", complaint_about(world.org_a1)).get_json()
    refused = browser(world.duty, language="en").post(f"/api/complaints/{complaint['id']}/decision", {"outcome": "upheld"})
    assert refused.status_code == 403
    assert "registers, files or guides" in refused.get_json()["error"]["message"]
    assert browser(world.admin).post(f"/api/complaints/{complaint['id']}/decision", {"outcome": "dismissed"}).status_code == 200


def test_a_decision_is_final_and_repeating_it_changes_nothing(world, browser):
    complaint = browser(world.grid).post("/api/complaints", complaint_about(world.org_a1)).get_json()
    url = f"/api/complaints/{complaint['id']}/decision"
    duty = browser(world.duty)
    assert duty.post(url, {"outcome": "upheld"}).status_code == 200
    before = state()
    assert duty.post(url, {"outcome": "upheld"}).status_code == 200
    changed = duty.post(url, {"outcome": "dismissed"})
    assert changed.status_code == 409 and changed.get_json()["error"]["errors"][0]["code"] == "complaint.decided"
    assert state() == before


def test_a_complaint_with_no_organization_is_refused_and_nothing_is_written(world, browser):
    before = state()
    answer = browser(world.grid, language="en").post("/api/complaints", {"summary": "态度恶劣"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["errors"] == [
        {"field": "organization_id", "code": "missing", "message": "the organization is required"}
    ]
    assert state() == before


def test_an_organization_of_another_county_cannot_be_complained_about_here(world, browser):
    before = state()
    answer = browser(world.grid).post("/api/complaints", complaint_about(world.org_b1))
    assert answer.status_code == 422 and answer.get_json()["error"]["errors"][0]["field"] == "organization_id"
    assert state() == before
