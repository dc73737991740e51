"""A need from posting to filled: offers to the right organizations, accepts with head counts, withdrawals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Event, Need, OutboxMessage
from tests.factories import make_member
from tests.integration.dispatch_helpers import need_body, open_incident, post_need


def test_a_posted_need_is_offered_to_organizations_of_the_subdistrict_best_first(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    response = post_need(duty, incident["id"], need_body(world.cell_a1))
    assert response.status_code == 201
    need = response.get_json()
    offered = [a["organization"]["id"] for a in need["assignments"]]
    assert offered == [world.org_a1.id, world.org_a1b.id]  # org_a1 serves the need's cell; org_a2 is another subdistrict's
    assert all(a["state"] == "offered" and len(a["short_code"]) == 4 for a in need["assignments"])
    assert "服务本网格" in need["assignments"][0]["reason"]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4  # per offer, the failover SMS and call of level III


def test_a_skill_that_needs_a_certificate_counts_only_members_holding_a_valid_one(world, browser):
    make_member(world.org_a1b, skills=("rescue",), certified_until=date(2099, 1, 1))
    make_member(world.org_a1, skills=("rescue",), certified_until=date(2020, 1, 1))  # expired
    db.session.commit()
    duty = browser(world.duty)
    need = post_need(duty, open_incident(duty)["id"], need_body(world.cell_a1, skills=["rescue"])).get_json()
    assert [(a["organization"]["id"]) for a in need["assignments"]] == [world.org_a1b.id]
    candidate = duty.get(f"/api/needs/{need['id']}/candidates").get_json()["items"][0]
    assert candidate["free"] == 1 and candidate["offered"] == "offered"


def test_leaders_accept_with_head_counts_and_a_filled_need_withdraws_the_rest(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    need = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=4)).get_json()
    first = need["assignments"][0]["id"]
    leader = browser(world.leader)
    too_many = leader.post(f"/api/assignments/{first}/accept", {"head_count": 5})
    assert too_many.status_code == 422 and too_many.get_json()["error"]["errors"][0]["code"] == "head_count.too_many"
    accepted = leader.post(f"/api/assignments/{first}/accept", {"head_count": 4})
    assert accepted.status_code == 200 and accepted.get_json()["state"] == "accepted"
    after = duty.get(f"/api/needs/{need['id']}").get_json()
    assert after["status"] == "filled" and after["accepted"] == 4 and after["still_needed"] == 0
    assert [a["state"] for a in after["assignments"]] == ["accepted", "withdrawn"]


def test_the_same_idempotency_key_posts_one_need(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    first = post_need(duty, incident["id"], need_body(world.cell_a1), key="click-1")
    again = post_need(duty, incident["id"], need_body(world.cell_a1), key="click-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count(Need.id))) == 1


def test_a_retry_after_the_incident_moved_to_recovery_still_gets_the_need_its_first_try_made(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    first = post_need(duty, incident["id"], need_body(world.cell_a1), key="click-1")
    assert duty.post(f"/api/incidents/{incident['id']}/status", {"status": "recovery"}).status_code == 200

    again = post_need(duty, incident["id"], need_body(world.cell_a1), key="click-1")
    fresh = post_need(duty, incident["id"], need_body(world.cell_a1), key="click-2")

    assert (again.status_code, again.get_json()["id"]) == (200, first.get_json()["id"])
    assert fresh.status_code == 422  # a new need is refused: the incident is no longer responding
    assert db.session.scalar(select(func.count(Need.id))) == 1


def test_work_goes_en_route_on_site_and_completed_and_the_timeline_tells_it(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    incident = open_incident(duty)
    need = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=2)).get_json()
    offer = need["assignments"][0]["id"]
    leader.post(f"/api/assignments/{offer}/accept", {"head_count": 2})
    for step, state in (("depart", "en_route"), ("arrive", "on_site"), ("complete", "completed")):
        response = leader.post(f"/api/assignments/{offer}/{step}", {"note": "", "people": 2 if step == "complete" else None})
        assert response.get_json()["state"] == state
    kinds = [e["kind"] for e in duty.get(f"/api/incidents/{incident['id']}/timeline").get_json()["items"]]
    assert kinds[:3] == ["incident.opened", "need.posted", "offer.made"]
    assert kinds[-6:] == [
        "offer.accepted",
        "need.filled",
        "offer.withdrawn",
        "assignment.en_route",
        "assignment.on_site",
        "assignment.completed",
    ]


def test_event_ids_rise_and_resync_returns_only_what_came_after(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    first = duty.get("/api/events").get_json()
    post_need(duty, incident["id"], need_body(world.cell_a1))
    later = duty.get(f"/api/events?after={first['last_id']}").get_json()
    ids = [e["id"] for e in later["items"]]
    assert ids == sorted(ids) and ids[0] > first["last_id"]
    assert [e["kind"] for e in later["items"]][:1] == ["need.posted"]
    assert db.session.scalar(select(func.max(Event.id))) == later["last_id"]
