"""Risks reported from the ground land in the subdistrict's inbox and become an incident or a need, once."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.domain.incidents import IncidentStatus
from dispatch.extensions import db
from dispatch.models import Event, Incident, Need, RiskReport
from tests.factories import make_incident


def inside(cell) -> dict:
    return {"lon": (cell.min_lon + cell.max_lon) / 2, "lat": (cell.min_lat + cell.max_lat) / 2}


def flooding(cell, **fields) -> dict:
    return {"category": "flooding", "location": inside(cell), "note": "地下车库入口积水约 30 厘米", **fields}


def state() -> tuple:
    return (
        tuple(db.session.execute(select(RiskReport.id, RiskReport.status).order_by(RiskReport.id))),
        db.session.scalar(select(func.count(Incident.id))),
        db.session.scalar(select(func.count(Need.id))),
        db.session.scalar(select(func.count(Event.id))),
    )


def test_a_grid_workers_report_lands_in_the_subdistricts_inbox(world, browser):
    reported = browser(world.grid).post("/api/risks", flooding(world.cell_a1))
    assert reported.status_code == 201, reported.get_json()
    assert (reported.get_json()["cell"]["id"], reported.get_json()["subdistrict"]["id"]) == (world.cell_a1.id, world.sub_a1.id)
    assert [r["id"] for r in browser(world.duty).get("/api/risks?status=open").get_json()["items"]] == [reported.get_json()["id"]]
    assert browser(world.leader).get("/api/risks").get_json()["items"] == []  # not theirs


def test_a_report_outside_the_reporters_cells_is_refused(world, browser):
    before = state()
    answer = browser(world.grid).post("/api/risks", flooding(world.cell_a2))
    assert answer.status_code == 422
    assert answer.get_json()["error"]["errors"][0]["code"] == "location.outside_jurisdiction"
    assert state() == before


def test_the_officer_opens_an_incident_from_a_report_once(world, browser):
    risk = browser(world.grid).post("/api/risks", flooding(world.cell_a1)).get_json()
    duty = browser(world.duty)
    incident = {"title": "地下车库积水", "category": "natural_disaster", "level": "IV"}
    opened = duty.post(f"/api/risks/{risk['id']}/incident", incident)
    assert opened.status_code == 200 and opened.get_json()["status"] == "incident"
    made = db.session.get(Incident, opened.get_json()["incident_id"])
    assert (made.title, made.subdistrict_id) == ("地下车库积水", world.sub_a1.id)
    before = state()
    again = duty.post(f"/api/risks/{risk['id']}/incident", incident)
    assert again.status_code == 409 and again.get_json()["error"]["errors"][0]["code"] == "risk.handled"
    assert state() == before


def test_a_need_posted_for_a_report_goes_to_the_reported_place(world, browser):
    risk = browser(world.grid).post("/api/risks", flooding(world.cell_a1)).get_json()
    incident = make_incident(world.sub_a1)
    db.session.commit()
    posted = browser(world.duty).post(
        f"/api/risks/{risk['id']}/need", {"incident_id": incident.id, "skills": ["logistics"], "head_count": 3}
    )
    assert posted.status_code == 200, posted.get_json()
    need = db.session.get(Need, posted.get_json()["need_id"])
    assert (need.cell_id, need.head_count, round(need.lon, 6)) == (world.cell_a1.id, 3, round(risk["location"]["lon"], 6))


def test_a_need_the_incident_refuses_leaves_the_report_open(world, browser):
    risk = browser(world.grid).post("/api/risks", flooding(world.cell_a1)).get_json()
    incident = make_incident(world.sub_a1, status=IncidentStatus.CLOSED)
    db.session.commit()
    before = state()
    refused = browser(world.duty).post(
        f"/api/risks/{risk['id']}/need", {"incident_id": incident.id, "skills": ["logistics"], "head_count": 3}
    )
    assert refused.status_code == 422
    assert state() == before


def test_a_dismissed_report_tells_the_reporter_why(world, browser):
    risk = browser(world.grid).post("/api/risks", flooding(world.cell_a1)).get_json()
    browser(world.duty).post(f"/api/risks/{risk['id']}/dismiss", {"note": "已由物业抽排"})
    seen = browser(world.grid).get(f"/api/risks/{risk['id']}").get_json()
    assert (seen["status"], seen["handled_note"]) == ("dismissed", "已由物业抽排")
