"""A refusal says what it is about in the reader's words: "已拒绝的派单不能出发" under a headline that fits,
"纬度应不大于 90" naming the field, and an address nobody knows said plainly, with what to do instead."""

from __future__ import annotations

import pytest

from tests.integration.dispatch_helpers import leader_of, need_body, open_incident, post_need, posted_need
from tests.integration.test_api_bad_input import organization

NO_SUCH_PLACE = "QXZ九九九号"


def refusal(response, status: int) -> tuple[str, list[str]]:
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    return error["message"], [e["message"] for e in error["errors"]]


@pytest.mark.parametrize(
    ("language", "headline", "why"),
    [
        ("zh", "记录当前的状态不允许这样做，未做任何修改", "已拒绝的派单不能出发"),
        ("en", "The record's current state does not allow this; nothing was changed", "a declined offer cannot depart"),
    ],
)
def test_a_declined_offer_cannot_depart_and_the_answer_says_so(world, browser, language, headline, why):
    need = posted_need(browser(world.duty), world.cell_a1)
    offer = need["assignments"][0]
    leader = browser(leader_of(world.org_a1), language)
    assert leader.post(f"/api/assignments/{offer['id']}/decline", {"reason": "人手不够"}).status_code == 200

    said, reasons = refusal(leader.post(f"/api/assignments/{offer['id']}/depart", {}), 409)
    assert (said, reasons) == (headline, [why])


def test_a_duplicate_is_still_called_a_duplicate(world, browser):
    duty = browser(world.duty)
    assert duty.post("/api/organizations", organization(world)).status_code == 201

    said, reasons = refusal(duty.post("/api/organizations", organization(world)), 409)
    assert said == "与已有记录重复，未做任何修改"
    assert reasons == ["重复：翠苑应急救援队", "重复：91350100M000100Y43"]


def test_an_incident_that_went_to_recovery_cannot_go_back_in_words(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    assert duty.post(f"/api/incidents/{incident['id']}/status", {"status": "recovery"}).status_code == 200

    said, reasons = refusal(duty.post(f"/api/incidents/{incident['id']}/status", {"status": "active"}), 422)
    assert said == "记录当前的状态不允许这样做，未做任何修改"
    assert reasons == ["突发事件已转入恢复重建，不能回到应急处置阶段"]


@pytest.mark.parametrize(("language", "why"), [("zh", "纬度应不大于 90"), ("en", "latitude must be at most 90")])
def test_a_latitude_past_the_pole_is_refused_naming_the_field(world, browser, language, why):
    duty = browser(world.duty, language)
    incident = open_incident(duty)
    body = need_body(world.cell_a1, location={"lon": 120.1, "lat": 91})

    _, reasons = refusal(post_need(duty, incident["id"], body), 422)
    assert reasons == [why]


def test_a_missing_head_count_and_a_title_too_long_each_name_their_field(world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    body = need_body(world.cell_a1)
    del body["head_count"]
    _, reasons = refusal(post_need(duty, incident["id"], body), 422)
    assert reasons == ["人数必填"]

    _, reasons = refusal(duty.post("/api/incidents", {"title": "", "category": "accident", "level": "IV"}), 422)
    assert reasons == ["标题不能为空或太短（至少 1 个字符）"]


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("zh", "找不到该地址，也没有相近的地名；请在地图上点选位置，或填写经纬度"),
        ("en", "address not found, and no place name comes close; click the place on the map or give its coordinates"),
    ],
)
def test_an_unknown_address_with_nothing_close_says_so(world, browser, language, says):
    duty = browser(world.duty, language)
    looked_up = duty.get(f"/api/geo/geocode?q={NO_SUCH_PLACE}").get_json()
    assert (looked_up["found"], looked_up["suggestions"], looked_up["message"]) == (False, [], says)

    body = {**need_body(world.cell_a1), "location": None, "address": NO_SUCH_PLACE}
    _, reasons = refusal(post_need(duty, open_incident(duty)["id"], body), 422)
    assert reasons == [says]


def test_a_description_that_would_turn_the_sms_around_is_refused_and_nothing_is_posted(world, browser):
    from dispatch.extensions import db
    from dispatch.models import Need

    duty = browser(world.duty)
    incident = open_incident(duty)
    response = post_need(duty, incident["id"], need_body(world.cell_a1, description="abc\u202e反转"))
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.get_json()["error"]["errors"]] == [
        ("description", "text.direction_control")
    ]
    assert db.session.query(Need).count() == 0
    assert post_need(duty, incident["id"], need_body(world.cell_a1, description="3 号楼（东侧）积水")).status_code == 201
