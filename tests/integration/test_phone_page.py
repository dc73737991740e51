"""What the leader's phone asks of the API: a task says where it is (its place, how far from the base, and 导航 links
in each map app's coordinate system), a decline carries its reason, and the history holds what is over, of the
leader's own organization only."""

from __future__ import annotations

import pytest

from dispatch.extensions import db
from dispatch.models import Assignment
from dispatch.services.dispatch.answers import sweep_overdue
from geo.coords import wgs84_to_bd09, wgs84_to_gcj02
from geo.distance import geodesic_m
from tests.integration.dispatch_helpers import leader_of, make_overdue, posted_need
from tests.integration.test_scope import middle_of


def my_offer(leader, need: dict) -> dict:
    organization = leader.get("/api/me").get_json()["organization_id"]
    return next(a for a in need["assignments"] if a["organization"]["id"] == organization)


def test_the_task_says_where_how_far_and_how_to_get_there_in_each_map_app(world, browser):
    need = posted_need(browser(world.duty), world.cell_a1, description="菜场北门积水，需要沙袋")
    offer = browser(world.leader).get(f"/api/assignments/{my_offer(browser(world.leader), need)['id']}").get_json()
    lon, lat = middle_of(world.cell_a1)
    assert offer["distance_m"] == pytest.approx(geodesic_m(world.org_a1.base_lon, world.org_a1.base_lat, lon, lat), abs=1)
    task = offer["task"]
    assert task["place_name"] and task["description"] == "菜场北门积水，需要沙袋" and task["priority"] == "urgent"
    links = {link["app"]: link for link in task["navigation"]}
    assert (links["amap"]["lon"], links["amap"]["lat"]) == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-6)
    assert (links["tencent"]["lon"], links["tencent"]["lat"]) == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-6)
    assert (links["baidu"]["lon"], links["baidu"]["lat"]) == pytest.approx(wgs84_to_bd09(lon, lat), abs=1e-6)
    assert links["baidu"]["app_url"].startswith("baidumap://map/direction?") and "coord_type=bd09ll" in links["baidu"]["app_url"]
    assert all(link["web_url"].startswith("https://") for link in links.values())


def test_an_organization_with_no_base_gets_no_distance(world, browser):
    leader = browser(world.leader)
    offer = my_offer(leader, posted_need(browser(world.duty), world.cell_a1))
    world.org_a1.base_lon = world.org_a1.base_lat = None  # the base was taken off the registry since
    db.session.commit()
    assert leader.get(f"/api/assignments/{offer['id']}").get_json()["distance_m"] is None


def test_a_decline_keeps_its_reason_and_the_history_shows_it(world, browser):
    leader = browser(world.leader)
    offer = my_offer(leader, posted_need(browser(world.duty), world.cell_a1))
    declined = leader.post(f"/api/assignments/{offer['id']}/decline", {"reason": "距离太远：队员都在外地"})
    assert declined.status_code == 200 and declined.get_json()["note"] == "距离太远：队员都在外地"
    [past] = leader.get("/api/assignments?past=true").get_json()["items"]
    assert (past["id"], past["state"], past["note"]) == (offer["id"], "declined", "距离太远：队员都在外地")


@pytest.mark.parametrize(
    "body",
    [{"reason": "太" * 201}, {"reason": 3}, {"reason": ["人手不足"]}, {"reason": "人手不足", "why": "x"}],
    ids=["too-long", "a-number", "a-list", "an-unknown-field"],
)
def test_a_decline_with_a_bad_reason_is_refused_and_changes_nothing(world, browser, body):
    leader = browser(world.leader)
    offer = my_offer(leader, posted_need(browser(world.duty), world.cell_a1))
    refused = leader.post(f"/api/assignments/{offer['id']}/decline", body)
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"]
    assert db.session.get(Assignment, offer["id"]).state.value == "offered"


def test_the_history_holds_what_is_over_and_the_cards_what_is_not(world, browser):
    duty, leader = browser(world.duty), browser(world.leader)
    done, declined, open_one = (my_offer(leader, posted_need(duty, world.cell_a1)) for _ in range(3))
    expired = my_offer(leader, posted_need(duty, world.cell_a1))
    assert leader.post(f"/api/assignments/{done['id']}/accept", {"head_count": 1}).status_code == 200
    for step in ("depart", "arrive", "complete"):
        assert leader.post(f"/api/assignments/{done['id']}/{step}", {}).status_code == 200
    assert leader.post(f"/api/assignments/{declined['id']}/decline", {"reason": "人手不足"}).status_code == 200
    make_overdue(expired["id"])
    sweep_overdue()
    past = leader.get("/api/assignments?past=true").get_json()
    assert {a["id"]: a["state"] for a in past["items"]} == {
        done["id"]: "completed", declined["id"]: "declined", expired["id"]: "expired",
    }  # fmt: skip
    assert past["total"] == 3
    current = leader.get("/api/assignments?past=false").get_json()["items"]
    assert [a["id"] for a in current] == [open_one["id"]]


def test_a_leaders_history_never_shows_another_organizations_tasks(world, browser):
    duty, leader, neighbour = browser(world.duty), browser(world.leader), browser(leader_of(world.org_a1b))
    need = posted_need(duty, world.cell_a1)
    theirs = next(a for a in need["assignments"] if a["organization"]["id"] == world.org_a1b.id)
    assert neighbour.post(f"/api/assignments/{theirs['id']}/decline", {"reason": "时间冲突"}).status_code == 200
    assert [a["id"] for a in neighbour.get("/api/assignments?past=true").get_json()["items"]] == [theirs["id"]]
    assert leader.get("/api/assignments?past=true").get_json() == {"items": [], "page": 1, "per_page": 50, "total": 0}
    assert leader.get(f"/api/assignments/{theirs['id']}").status_code == 404


def test_the_history_filter_must_be_true_or_false(world, browser):
    response = browser(world.leader).get("/api/assignments?past=maybe")
    assert response.status_code == 422 and response.get_json()["error"]["errors"][0]["field"] == "past"


def test_the_phone_page_has_a_way_out_and_a_way_to_the_rest(world, browser):
    page = browser(world.leader).get("/m").get_data(as_text=True)
    assert 'action="/logout"' in page and "退出登录" in page
    for link in (f"/organizations/{world.org_a1.id}", "/training", "/complaints", "/evaluations", "/cells"):
        assert f'href="{link}"' in page  # a leader lands here: the other pages they may see are a tap away
