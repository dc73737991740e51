"""What the duty officer's board and the grid page read from the API: each need's description and priority, and
candidate and offer reasons a person understands, in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.domain.assignments import AssignmentState
from dispatch.extensions import db
from tests.factories import make_incident, make_need, make_offer
from tests.integration.dispatch_helpers import need_body, open_incident, post_need, posted_need


def candidate_reason(client, need_id: int, organization_id: int) -> str:
    items = client.get(f"/api/needs/{need_id}/candidates").get_json()["items"]
    return next(c["reason"] for c in items if c["organization"]["id"] == organization_id)


def test_the_offer_just_made_does_not_count_against_the_organization_in_its_reasons(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=1)
    assert [a["organization"]["id"] for a in need["assignments"]] == [world.org_a1.id]
    assert candidate_reason(duty, need["id"], world.org_a1.id).endswith("近一年未接过派单。")


def test_a_decline_counts_as_an_offer_not_accepted(world, browser):
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=1)
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/decline", {"reason": "人手不够"})
    assert "近一年派单 1 次，接受 0 次" in candidate_reason(duty, need["id"], world.org_a1.id)
    english = browser(world.duty, language="en")
    assert "1 offer in the past year, 0 accepted" in candidate_reason(english, need["id"], world.org_a1.id)


def test_offers_older_than_a_year_are_not_in_the_record(world, browser):
    old = make_need(make_incident(world.sub_a1), world.cell_a1)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    make_offer(old, world.org_a1, state=AssignmentState.DECLINED, offered_at=long_ago, deadline=long_ago)
    make_offer(old, world.org_a1, state=AssignmentState.COMPLETED, offered_at=datetime.now(UTC) - timedelta(days=30))
    db.session.commit()
    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, broadcast_k=1)
    assert "近一年派单 1 次，接受 1 次" in candidate_reason(duty, need["id"], world.org_a1.id)


def test_each_candidate_reason_says_the_distance_once(world, browser):
    duty = browser(world.duty)
    preview = duty.post(f"/api/incidents/{open_incident(duty)['id']}/candidates", need_body(world.cell_a1))
    reasons = [c["reason"] for c in preview.get_json()["items"]]
    assert reasons and all(r.count("相距") == 1 and (r.count("公里") + r.count(" 米")) == 1 for r in reasons)


def test_offer_reasons_in_the_timeline_follow_the_readers_language(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=1)

    def offer_reason(language: str) -> str:
        timeline = browser(world.duty, language=language).get(f"/api/incidents/{need['incident_id']}/timeline").get_json()
        return next(e["data"]["reason"] for e in timeline["items"] if e["kind"] == "offer.made")

    assert offer_reason("zh").startswith("服务本网格；")
    assert offer_reason("en").startswith("Serves this grid cell; ")
    assert need["assignments"][0]["reason"].startswith("服务本网格；")


def test_a_declines_own_words_stay_as_the_leader_wrote_them_in_either_language(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=1)
    browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/decline", {"reason": "人手不够"})
    timeline = browser(world.duty, language="en").get(f"/api/incidents/{need['incident_id']}/timeline").get_json()
    assert [e["data"]["reason"] for e in timeline["items"] if e["kind"] == "offer.declined"] == ["人手不够"]


def test_the_grid_worker_reads_the_description_and_priority_of_a_need_in_their_cell(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    body = need_body(world.cell_a1, description="3 号楼地下车库进水，需要抽水", priority="high")
    assert post_need(duty, incident["id"], body).status_code == 201
    needs = browser(world.grid).get(f"/api/incidents/{incident['id']}/needs").get_json()["items"]
    assert [(n["description"], n["priority"]) for n in needs] == [("3 号楼地下车库进水，需要抽水", "high")]
    assert needs[0]["place_name"]  # where, in words: the board and the grid page show it
