"""Work that is not taken passes on: declined and expired offers go to the next organization, a need with no one
left is flagged with what to do next, escalation widens the pool, and the duty officer can step in at any point."""

from __future__ import annotations

from dispatch.domain.scope import Role
from dispatch.services.dispatch.answers import sweep_overdue
from tests.factories import make_user
from tests.integration.dispatch_helpers import (
    add_organizations,
    error_code,
    event_kinds,
    leader_of,
    make_overdue,
    need_body,
    need_row,
    open_offers,
    post_need,
    posted_need,
    said,
    states,
)


def test_a_declined_offer_passes_to_the_next_organization_with_the_skill(world, browser):
    extra = add_organizations(world.community_a1, 1)[0]
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, policy="sequential")
    first = need["assignments"][0]
    declined = browser(world.leader).post(f"/api/assignments/{first['id']}/decline", {"reason": "队员都在外地"})
    assert declined.status_code == 200 and declined.get_json()["state"] == "declined"
    assert states(need["id"]) == {world.org_a1.id: "declined", world.org_a1b.id: "offered"}
    browser(leader_of(world.org_a1b)).post(f"/api/assignments/{open_offers(need['id'])[0].id}/decline", {"reason": ""})
    assert states(need["id"])[extra.id] == "offered"
    declines = [e.data["reason"] for e in event_kinds(need["id"], "offer.declined")]
    assert declines == ["队员都在外地", ""]


def test_sequential_keeps_one_offer_out_and_moves_on_after_a_decline_or_an_expiry(world, browser):
    add_organizations(world.community_a1, 2)
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, policy="sequential")
    assert [a["organization"]["id"] for a in need["assignments"]] == [world.org_a1.id]
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/decline", {"reason": "没空"})
    second = open_offers(need["id"])
    assert [a.organization_id for a in second] == [world.org_a1b.id]
    make_overdue(second[0].id)
    assert sweep_overdue() == 1
    third = open_offers(need["id"])
    assert len(third) == 1 and third[0].organization_id not in (world.org_a1.id, world.org_a1b.id)
    assert list(states(need["id"]).values()) == ["declined", "expired", "offered"]


def test_broadcast_keeps_k_offers_out_while_the_need_still_lacks_people(world, browser):
    extra = add_organizations(world.community_a1, 4)
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, head_count=6, policy="broadcast", broadcast_k=3)
    assert [a["organization"]["id"] for a in need["assignments"]] == [world.org_a1.id, world.org_a1b.id, extra[0].id]
    browser(leader_of(world.org_a1b)).post(f"/api/assignments/{need['assignments'][1]['id']}/decline", {"reason": ""})
    assert len(open_offers(need["id"])) == 3
    accepted = browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/accept", {"head_count": 2})
    assert accepted.status_code == 200
    assert len(open_offers(need["id"])) == 3  # the accepted offer is no longer out; the next one is
    assert need_row(need["id"]).accepted == 2


def test_with_no_candidate_left_the_need_is_unfilled_and_the_officer_is_told_what_to_do_next(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, policy="sequential")
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/decline", {"reason": ""})
    browser(leader_of(world.org_a1b)).post(f"/api/assignments/{open_offers(need['id'])[0].id}/decline", {"reason": ""})
    after = duty.get(f"/api/needs/{need['id']}").get_json()
    assert after["status"] == "unfilled" and after["still_needed"] == 5
    timeline = duty.get(f"/api/incidents/{need['incident_id']}/timeline").get_json()["items"]
    alert = [e for e in timeline if e["kind"] == "need.unfilled"]
    assert len(alert) == 1 and said(alert[0]["data"]) == {"still_needed": 5, "options": ["escalate_to_county"]}


def test_a_need_with_a_radius_asks_only_nearby_organizations_until_the_officer_widens_it(world, browser):
    far = add_organizations(world.community_a1, 1, base_lon=120.30)[0]  # about 19 km east of the need
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, policy="sequential", radius_km=3)
    assert need["radius_km"] == 3
    for leader in (world.leader, leader_of(world.org_a1b)):
        browser(leader).post(f"/api/assignments/{open_offers(need['id'])[0].id}/decline", {"reason": ""})
    assert far.id not in states(need["id"]) and need_row(need["id"]).status.value == "unfilled"
    alert = event_kinds(need["id"], "need.unfilled")[-1]
    assert alert.data["options"] == ["widen_radius", "escalate_to_county"]

    narrower = duty.post(f"/api/needs/{need['id']}/widen", {"radius_km": 2})
    assert narrower.status_code == 422 and error_code(narrower) == "radius.not_wider"
    widened = duty.post(f"/api/needs/{need['id']}/widen", {"radius_km": 25})
    assert widened.status_code == 200, widened.get_json()
    assert (widened.get_json()["status"], widened.get_json()["radius_km"]) == ("open", 25)
    assert states(need["id"])[far.id] == "offered"
    assert [e.data["radius_km"] for e in event_kinds(need["id"], "need.widened")] == [25]


def test_escalating_to_the_county_brings_in_another_subdistricts_organizations_and_officers(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=5)
    for assignment in need["assignments"]:  # both of A1's organizations say no
        leader = world.leader if assignment["organization"]["id"] == world.org_a1.id else leader_of(world.org_a1b)
        browser(leader).post(f"/api/assignments/{assignment['id']}/decline", {"reason": ""})
    assert need_row(need["id"]).status.value == "unfilled"
    duty_a2 = browser(make_user(Role.DUTY_OFFICER, subdistrict_id=world.sub_a2.id))
    assert duty_a2.get(f"/api/needs/{need['id']}").status_code == 404

    escalated = duty.post(f"/api/incidents/{need['incident_id']}/escalate")
    assert escalated.status_code == 200 and escalated.get_json()["escalated"] is True
    assert need_row(need["id"]).status.value == "open"
    assert states(need["id"])[world.org_a2.id] == "offered"  # another subdistrict of the county
    assert world.org_b1.id not in states(need["id"])  # never another county's

    assert duty_a2.get(f"/api/needs/{need['id']}").status_code == 200
    theirs = post_need(duty_a2, need["incident_id"], need_body(world.cell_a2, head_count=2))
    assert theirs.status_code == 201, theirs.get_json()
    assert theirs.get_json()["assignments"][0]["organization"]["id"] == world.org_a2.id
    assert duty.post(f"/api/incidents/{need['incident_id']}/escalate").status_code == 200  # again: no second escalation
    assert len(event_kinds(kind="incident.escalated")) == 1


def test_cancelling_a_need_withdraws_its_offers_and_calls_accepted_work_off(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1)
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/accept", {"head_count": 2})
    cancelled = duty.post(f"/api/needs/{need['id']}/cancel")
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert body["status"] == "cancelled" and body["accepted"] == 0
    assert states(need["id"]) == {world.org_a1.id: "cancelled", world.org_a1b.id: "withdrawn"}
    again = duty.post(f"/api/needs/{need['id']}/cancel")
    assert again.status_code == 409 and error_code(again) == "need.not_open"


def test_cancelling_a_need_keeps_the_people_of_work_already_completed(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    need = posted_need(duty, world.cell_a1, broadcast_k=2)
    done, ongoing = need["assignments"][0]["id"], need["assignments"][1]["id"]
    leader.post(f"/api/assignments/{done}/accept", {"head_count": 2})
    for step in ("depart", "arrive", "complete"):
        leader.post(f"/api/assignments/{done}/{step}", {"note": ""})
    browser(leader_of(world.org_a1b)).post(f"/api/assignments/{ongoing}/accept", {"head_count": 1})
    cancelled = duty.post(f"/api/needs/{need['id']}/cancel").get_json()
    assert (cancelled["status"], cancelled["accepted"]) == ("cancelled", 2)
    assert states(need["id"]) == {world.org_a1.id: "completed", world.org_a1b.id: "cancelled"}


def test_closing_a_need_stops_offers_but_accepted_work_goes_on(world, browser):
    add_organizations(world.community_a1, 2)
    duty, leader = browser(world.duty), browser(world.leader)
    need = posted_need(duty, world.cell_a1, broadcast_k=2)
    offer = need["assignments"][0]["id"]
    leader.post(f"/api/assignments/{offer}/accept", {"head_count": 2})
    closed = duty.post(f"/api/needs/{need['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert open_offers(need["id"]) == []
    assert leader.post(f"/api/assignments/{offer}/depart", {"note": "出发"}).get_json()["state"] == "en_route"
    assert leader.post(f"/api/assignments/{offer}/abort", {"note": "车坏了"}).get_json()["state"] == "aborted"
    assert open_offers(need["id"]) == [] and need_row(need["id"]).status.value == "closed"  # no one new is asked


def test_cancelling_accepted_work_gives_its_people_back_and_offers_the_need_again(world, browser):
    extra = add_organizations(world.community_a1, 1)[0]
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, head_count=4, broadcast_k=2)
    offer = need["assignments"][0]["id"]
    browser(world.leader).post(f"/api/assignments/{offer}/accept", {"head_count": 4})
    assert need_row(need["id"]).status.value == "filled"
    cancelled = duty.post(f"/api/assignments/{offer}/cancel", {"reason": "另有安排"})
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    after = duty.get(f"/api/needs/{need['id']}").get_json()
    assert (after["status"], after["accepted"], after["still_needed"]) == ("open", 0, 4)
    assert [a.organization_id for a in open_offers(need["id"])] == [extra.id]


def test_the_officer_can_offer_to_an_organization_of_their_choice_but_not_twice_nor_outside_the_candidates(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=1)
    url = f"/api/needs/{need['id']}/offers"
    made = duty.post(url, {"organization_id": world.org_a1b.id})
    assert made.status_code == 201 and made.get_json()["state"] == "offered"
    assert made.get_json()["organization"]["id"] == world.org_a1b.id
    twice = duty.post(url, {"organization_id": world.org_a1b.id})
    assert twice.status_code == 409 and error_code(twice) == "offer.already_made"
    for outsider in (world.org_a2, world.org_b1):  # another subdistrict, another county
        refused = duty.post(url, {"organization_id": outsider.id})
        assert refused.status_code == 422 and error_code(refused) == "organization.not_candidate"
    assert sorted(states(need["id"])) == sorted([world.org_a1.id, world.org_a1b.id])


def test_an_organization_that_declined_can_be_offered_the_need_again_by_the_officer(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=1)
    first = need["assignments"][0]
    browser(world.leader).post(f"/api/assignments/{first['id']}/decline", {"reason": "晚点可以"})
    again = duty.post(f"/api/needs/{need['id']}/offers", {"organization_id": world.org_a1.id})
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["id"] != first["id"] and again.get_json()["state"] == "offered"
    ours = [a for a in need_row(need["id"]).assignments if a.organization_id == world.org_a1.id]
    assert [a.state.value for a in ours] == ["declined", "offered"]
    twice = duty.post(f"/api/needs/{need['id']}/offers", {"organization_id": world.org_a1.id})
    assert twice.status_code == 409 and error_code(twice) == "offer.already_made"


def test_the_officer_sees_the_candidates_before_posting_and_nothing_is_written(world, browser):
    from tests.integration.dispatch_helpers import open_incident, snapshot

    duty = browser(world.duty)
    incident = open_incident(duty)
    before = snapshot()
    preview = duty.post(f"/api/incidents/{incident['id']}/candidates", need_body(world.cell_a1, broadcast_k=2))
    assert preview.status_code == 200, preview.get_json()
    assert snapshot() == before
    ranked = [c["organization"]["id"] for c in preview.get_json()["items"]]
    assert all(c["reason"] for c in preview.get_json()["items"])
    posted = post_need(duty, incident["id"], need_body(world.cell_a1, broadcast_k=2)).get_json()
    assert [a["organization"]["id"] for a in posted["assignments"]] == ranked[:2]  # the preview was the truth
    bad = duty.post(f"/api/incidents/{incident['id']}/candidates", need_body(world.cell_a1, skills=["juggling"]))
    assert bad.status_code == 422 and error_code(bad) == "skill.unknown"
