"""A plan for many needs at once: the allocation that covers the most priority-weighted people."""

from __future__ import annotations

from dispatch.extensions import db
from tests.factories import make_cell, make_organization
from tests.integration.dispatch_helpers import need_body, open_incident, post_need


def test_the_plan_covers_at_least_what_filling_needs_one_by_one_would(world, browser):
    extra_cell = make_cell(world.community_a1, 120.12, 30.28)
    make_organization(world.community_a1, [extra_cell], skills={"logistics": 3}, base_lon=120.125, base_lat=30.285)
    db.session.commit()
    duty = browser(world.duty)
    incident = open_incident(duty)
    for cell, people, priority in ((world.cell_a1, 20, "urgent"), (world.cell_a1b, 20, "normal")):
        post_need(duty, incident["id"], need_body(cell, head_count=people, priority=priority, broadcast_k=1))
    plan = duty.get(f"/api/incidents/{incident['id']}/plan").get_json()
    assert plan["coverage"] >= plan["greedy_coverage"] > 0 and plan["coverage"] <= plan["demand"]
    assert all(p["people"] > 0 and p["organization"]["name"] for p in plan["proposals"])


def test_needs_asking_for_several_skills_are_listed_not_planned(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    need = post_need(duty, incident["id"], need_body(world.cell_a1, skills=["logistics", "rescue"])).get_json()
    assert duty.get(f"/api/incidents/{incident['id']}/plan").get_json()["left_out"] == [need["id"]]
