"""A standby answer (备勤) is what a team said it has ready while the warning stands, in all: each offer it accepts
afterwards takes from it, so a team that said 2 is not offered a third person's work after taking two."""

from __future__ import annotations

from tests.integration.dispatch_helpers import need_body, open_incident, post_need
from tests.integration.test_plans import keep, plan_text
from tests.integration.test_standby import polls, warn


def test_each_offer_a_team_accepts_after_its_answer_takes_from_what_it_said_it_has_ready(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    keep(duty, plan_text(world, min_level="IV", designated=[world.org_a1.name]))
    warn(duty, world)
    leader.post(f"/api/standby/{polls()[0].id}/answer", {"ready": 2})
    incident = open_incident(duty)

    def free_now() -> int | None:
        body = need_body(world.cell_a1, head_count=1)
        found = duty.post(f"/api/incidents/{incident['id']}/candidates", body).get_json()["items"]
        return next((c["free"] for c in found if c["organization"]["id"] == world.org_a1.id), None)

    def accept_one() -> None:
        need = post_need(duty, incident["id"], need_body(world.cell_a1, head_count=1, broadcast_k=5)).get_json()
        (offer,) = [a for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id]
        assert leader.post(f"/api/assignments/{offer['id']}/accept", {"head_count": 1}).status_code == 200

    assert free_now() == 2
    accept_one()
    assert free_now() == 1  # its 5 logistics people less the one out would be 4: the answer said 2 in all
    accept_one()
    assert free_now() is None  # nothing left of its answer: not offered
