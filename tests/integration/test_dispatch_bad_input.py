"""Bad dispatch input gets a clear 4xx naming what was wrong, in Chinese by default and in English on request,
and changes nothing: no need, offer or event appears, and no head count moves."""

from __future__ import annotations

import re

import pytest

from dispatch.domain.scope import Role
from dispatch.messages import MESSAGES
from dispatch.services.dispatch.answers import sweep_overdue
from tests.factories import make_user
from tests.integration.dispatch_helpers import (
    add_organizations,
    error_code,
    leader_of,
    make_overdue,
    need_body,
    open_incident,
    post_need,
    posted_need,
    snapshot,
)

FAR_AWAY = {"lon": 121.50, "lat": 31.00}  # in China, in no grid cell of the world

BAD_NEEDS = {
    "unknown skill": ({"skills": ["juggling"]}, "skill.unknown"),
    "head count 0": ({"head_count": 0}, "greater_than_equal"),
    "head count 10000": ({"head_count": 10_000}, "less_than_equal"),
    "a point outside every cell": ({"location": FAR_AWAY}, "location.outside_jurisdiction"),
    "a head count written as text": ({"head_count": "5"}, "int_type"),
    "a head count written as true": ({"head_count": True}, "int_type"),
    "a window starting past year 9999 in UTC": ({"window_start": "9999-12-31T23:59:59-12:00"}, "datetime_range"),
    "a window ending before year 1 in UTC": ({"window_end": "0001-01-01T00:00:00+14:00"}, "datetime_range"),
    "a window ending before it starts": (
        {"window_start": "2026-07-01T10:00:00+08:00", "window_end": "2026-07-01T09:00:00+08:00"},
        "window.order",
    ),
}


def _refused(response, status: int, code: str, language: str) -> dict:
    assert response.status_code == status, response.get_json()
    assert error_code(response) == code
    error = response.get_json()["error"]
    message = error["errors"][0]["message"] if error["errors"] else error["message"]
    template = MESSAGES[code][1 if language == "en" else 0]
    longest_text = max(re.split(r"\{[^}]*\}", template), key=len)
    assert longest_text in message, (message, language)
    return error


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("case", sorted(BAD_NEEDS))
def test_a_bad_need_is_refused_with_what_is_wrong_and_nothing_is_posted(world, browser, case, language):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    fields, code = BAD_NEEDS[case]
    before = snapshot()
    _refused(post_need(duty, incident["id"], need_body(world.cell_a1, **fields)), 422, code, language)
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_place_in_another_subdistricts_cell_is_outside_an_incident_not_escalated(world, browser, language):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    before = snapshot()
    _refused(post_need(duty, incident["id"], need_body(world.cell_a2)), 422, "location.outside_jurisdiction", language)
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_address_not_found_is_refused_with_close_names(world, browser, language):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    body = {**need_body(world.cell_a1), "location": None, "address": "侧式" + world.cell_a1.name[2:]}  # two typos
    before = snapshot()
    error = _refused(post_need(duty, incident["id"], body), 422, "address.not_found", language)
    assert world.cell_a1.name in error["errors"][0]["message"]  # the close names are suggested
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_accepting_more_people_than_the_need_lacks_is_refused(world, browser, language):
    need = posted_need(browser(world.duty), world.cell_a1, head_count=3)
    before = snapshot()
    leader = browser(world.leader, language)
    _refused(leader.post(f"/api/assignments/{need['assignments'][0]['id']}/accept", {"head_count": 4}), 422, "head_count.too_many", language)  # fmt: skip
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_accepting_more_people_than_the_organization_has_free_is_refused(world, browser, language):
    need = posted_need(browser(world.duty), world.cell_a1, head_count=8)  # world.org_a1 has 5 for logistics
    before = snapshot()
    leader = browser(world.leader, language)
    offer = next(a for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    error = _refused(leader.post(f"/api/assignments/{offer['id']}/accept", {"head_count": 6}), 422, "head_count.over_capacity", language)  # fmt: skip
    assert "6" in error["errors"][0]["message"] and "5" in error["errors"][0]["message"]
    assert snapshot() == before
    assert leader.post(f"/api/assignments/{offer['id']}/accept", {"head_count": 5}).status_code == 200


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_need_cannot_be_widened_to_a_smaller_radius(world, browser, language):
    duty = browser(world.duty, language)
    need = posted_need(duty, world.cell_a1, radius_km=10)
    before = snapshot()
    _refused(duty.post(f"/api/needs/{need['id']}/widen", {"radius_km": 10}), 422, "radius.not_wider", language)
    _refused(duty.post(f"/api/needs/{need['id']}/widen", {"radius_km": 0}), 422, "greater_than", language)
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_expired_or_withdrawn_offer_cannot_be_accepted(world, browser, language):
    extra = add_organizations(world.community_a1, 1)[0]
    need = posted_need(browser(world.duty), world.cell_a1, head_count=2)
    mine, theirs, late = (a["id"] for a in need["assignments"])
    make_overdue(mine)
    sweep_overdue()
    before = snapshot()
    expired = browser(world.leader, language).post(f"/api/assignments/{mine}/accept", {"head_count": 1})
    _refused(expired, 409, "offer.not_open", language)
    assert {"zh": "已过期", "en": "expired"}[language] in expired.get_json()["error"]["errors"][0]["message"]
    assert snapshot() == before

    assert browser(leader_of(world.org_a1b)).post(f"/api/assignments/{theirs}/accept", {"head_count": 2}).status_code == 200
    before = snapshot()
    withdrawn = browser(leader_of(extra), language).post(f"/api/assignments/{late}/accept", {"head_count": 1})
    _refused(withdrawn, 409, "offer.not_open", language)
    assert {"zh": "已撤回", "en": "withdrawn"}[language] in withdrawn.get_json()["error"]["errors"][0]["message"]
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_duty_officer_cannot_act_on_another_subdistricts_needs_or_incidents(world, browser, language):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1)
    neighbour = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id), language)
    before = snapshot()
    attempts = [
        neighbour.get(f"/api/needs/{need['id']}"),
        neighbour.post(f"/api/needs/{need['id']}/cancel"),
        neighbour.post(f"/api/needs/{need['id']}/close"),
        neighbour.post(f"/api/needs/{need['id']}/offers", {"organization_id": world.org_a2.id}),
        neighbour.post(f"/api/assignments/{need['assignments'][0]['id']}/cancel", {"reason": ""}),
        neighbour.post(f"/api/incidents/{need['incident_id']}/needs", need_body(world.cell_a2)),
        neighbour.post(f"/api/incidents/{need['incident_id']}/escalate"),
    ]
    for response in attempts:
        _refused(response, 404, "not_found", language)
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("who", ["grid", "leader"])
def test_a_grid_worker_or_a_leader_cannot_post_a_need(world, browser, who, language):
    incident = open_incident(browser(world.duty))
    before = snapshot()
    response = post_need(browser(getattr(world, who), language), incident["id"], need_body(world.cell_a1))
    _refused(response, 403, "forbidden", language)
    assert snapshot() == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_incident_cannot_go_back(world, browser, language):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    assert duty.post(f"/api/incidents/{incident['id']}/status", {"status": "recovery"}).status_code == 200
    before = snapshot()
    back = duty.post(f"/api/incidents/{incident['id']}/status", {"status": "active"})
    _refused(back, 422, "incident.transition", language)
    assert duty.get(f"/api/incidents/{incident['id']}").get_json()["status"] == "recovery"
    assert snapshot() == before


def test_an_idempotency_key_sent_again_naming_a_skill_twice_is_the_same_request(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    body = need_body(world.cell_a1, head_count=5)
    first = post_need(duty, incident["id"], body, key="click-1")
    assert first.status_code == 201
    again = post_need(duty, incident["id"], {**body, "skills": body["skills"] * 2}, key="click-1")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("change", ["another body", "another incident"])
def test_an_idempotency_key_sent_again_with_another_request_is_refused_and_changes_nothing(world, browser, change, language):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    first = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=5), key="click-1")
    assert first.status_code == 201
    other = open_incident(duty, title="另一起") if change == "another incident" else incident
    body = need_body(world.cell_a1, head_count=7 if change == "another body" else 5)
    before = snapshot()

    _refused(post_need(duty, other["id"], body, key="click-1"), 422, "idempotency_key.reused", language)
    assert snapshot() == before
    assert post_need(duty, incident["id"], need_body(world.cell_a1, head_count=5), key="click-1").status_code == 200
