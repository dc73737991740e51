"""Bad input to the JSON API: a clear 4xx naming what is wrong, in the caller's language, and nothing written."""

from __future__ import annotations

import pytest

from tests.factories import square
from tests.integration.test_scope import snapshot


def organization(world, **changes) -> dict:
    body = {
        "name": "翠苑应急救援队", "status": "registered", "credit_code": "91350100M000100Y43",
        "community_id": world.community_a1.id, "cell_ids": [world.cell_a1.id],
        "base": {"lon": 120.105, "lat": 30.275}, "skills": [{"code": "rescue", "capacity": 8}],
        "leader_name": "周队长", "leader_phone": "13912345678",
    }  # fmt: skip
    return {**body, **changes}


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.get_json()["error"]["errors"]}


@pytest.fixture
def duty(world, browser):
    return browser(world.duty)


def test_a_good_organization_is_created(world, duty):
    response = duty.post("/api/organizations", organization(world))
    assert response.status_code == 201
    created = response.get_json()
    assert created["managing_body"] == "county" and created["leader_phone"] == "139****5678"  # masked unless asked


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"credit_code": "91350100M000100Y44"}, "credit_code", "credit_code.check_digit"),
        ({"credit_code": "91350100M00010"}, "credit_code", "credit_code.length"),
        ({"credit_code": None}, "credit_code", "credit_code.required"),
        ({"leader_phone": "12345"}, "leader_phone", "phone.invalid"),
        ({"leader_phone": "057187654321"}, "leader_phone", "phone.not_mobile"),
        ({"skills": [{"code": "juggling", "capacity": 3}]}, "skills", "skill.unknown"),
        ({"skills": [{"code": "rescue", "capacity": 0}]}, "skills.0.capacity", "greater_than_equal"),
        ({"skills": []}, "skills", "too_short"),
        ({"status": "secret"}, "status", "enum"),
        ({"base": {"lon": 30.275, "lat": 120.105}}, "base.lat", "less_than_equal"),
        ({"base": {"lon": 30.275, "lat": 80.0}}, "base", "coordinates_swapped"),
        ({"base": {"lon": 87.6, "lat": 43.8}}, "base", "outside_county"),
        ({"base": {"lon": -73.9, "lat": 40.7}}, "base", "outside_china"),
        ({"name": ""}, "name", "string_too_short"),
        ({"colour": "red"}, "colour", "extra_forbidden"),
    ],
)
def test_bad_organization_fields_are_named_and_nothing_is_written(world, duty, changes, field, code):
    before = snapshot()
    response = duty.post("/api/organizations", organization(world, **changes))
    assert response.status_code == 422
    assert errors_of(response).get(field) == code, response.get_json()
    assert snapshot() == before


def test_every_problem_is_reported_at_once(world, duty):
    response = duty.post(
        "/api/organizations", organization(world, credit_code="X", leader_phone="1", skills=[{"code": "juggling", "capacity": 1}])
    )
    assert set(errors_of(response)) >= {"credit_code", "leader_phone"}


def test_swapped_coordinates_are_caught_when_both_fit_the_ranges(world, duty):
    response = duty.post("/api/organizations", organization(world, base={"lon": 30.275, "lat": 60.0}))
    assert response.status_code == 422 and errors_of(response)["base"] in {"coordinates_swapped", "outside_china"}


def test_malformed_json_is_refused_with_the_parser_message(world, duty):
    before = snapshot()
    response = duty.send("POST", "/api/organizations", None, data='{"name": "x",', headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.get_json()["error"]
    assert body["code"] == "malformed_json" and "JSON" in body["message"]
    assert snapshot() == before


def test_a_body_that_is_not_json_is_refused(world, duty):
    response = duty.send(
        "POST", "/api/organizations", None, data="name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415


def test_duplicates_conflict(world, duty):
    assert duty.post("/api/organizations", organization(world)).status_code == 201
    again = duty.post("/api/organizations", organization(world))
    assert again.status_code == 409
    assert errors_of(again) == {"name": "duplicate", "credit_code": "duplicate"}


def test_naming_another_subdistricts_ids_is_refused(world, duty):
    before = snapshot()
    response = duty.post(
        "/api/organizations", organization(world, community_id=world.community_a2.id, cell_ids=[world.cell_a2.id])
    )
    assert response.status_code == 422
    assert errors_of(response) == {"community_id": "community.unknown", "cell_ids": "cell.unknown"}
    assert duty.patch(f"/api/organizations/{world.org_a1.id}", {"cell_ids": [world.cell_b1.id]}).status_code == 422
    assert snapshot() == before


def test_a_filter_naming_another_subdistrict_finds_nothing(world, duty):
    response = duty.get(f"/api/organizations?subdistrict_id={world.sub_a2.id}")
    assert response.status_code == 200 and response.get_json()["total"] == 0


def test_bad_query_parameters_are_named(world, duty):
    response = duty.get("/api/organizations?per_page=5000&status=nope")
    assert response.status_code == 422
    assert errors_of(response) == {"per_page": "less_than_equal", "status": "enum"}


def test_errors_speak_the_callers_language(world, browser):
    english = browser(world.duty, language="en")
    response = english.post("/api/organizations", organization(world, credit_code="91350100M000100Y44"))
    body = response.get_json()["error"]
    assert body["message"] == "The input has errors; nothing was changed"
    assert body["errors"][0]["message"] == "the credit code's check character is wrong"
    chinese = browser(world.duty).post("/api/organizations", organization(world, credit_code="91350100M000100Y44"))
    assert chinese.get_json()["error"]["errors"][0]["message"] == "统一社会信用代码校验位不正确"


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        ({"type": "Point", "coordinates": [120.1, 30.2]}, "not_a_polygon"),
        ({"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.2]]]}, "too_few_points"),
        (
            {"type": "Polygon", "coordinates": [[[30.2, 120.1], [30.3, 120.1], [30.3, 120.2], [30.2, 120.1]]]},
            "coordinates_swapped",
        ),
        (
            {"type": "Polygon", "coordinates": [[[200.1, 30.2], [200.2, 30.2], [200.2, 30.3], [200.1, 30.2]]]},
            "coordinates_out_of_range",
        ),
        ({"type": "Polygon", "coordinates": [[[-73.9, 40.7], [-73.8, 40.7], [-73.8, 40.8], [-73.9, 40.7]]]}, "outside_china"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "invalid_coordinates"),
        (
            {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.3, 30.2], [120.1, 30.2]]]},
            "self_intersection_unrepairable",
        ),
    ],
)
def test_bad_cell_polygons_are_refused(world, duty, geometry, code):
    before = snapshot()
    body = {"code": "BAD-1", "name": "坏网格", "community_id": world.community_a1.id, "geometry": geometry}
    response = duty.post("/api/cells", body)
    assert response.status_code == 422
    assert errors_of(response)["geometry"] == code
    assert snapshot() == before


def test_a_clockwise_self_touching_polygon_is_repaired_and_says_so(world, duty):
    clockwise = {"type": "Polygon", "coordinates": [list(reversed(square(120.13, 30.28)["coordinates"][0]))]}
    body = {"code": "CW-1", "name": "顺时针网格", "community_id": world.community_a1.id, "geometry": clockwise}
    response = duty.post("/api/cells", body)
    assert response.status_code == 201
    assert "reoriented" in response.get_json()["repairs"]


def test_an_upload_over_the_size_limit_is_refused(world, duty, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    before = snapshot()
    big = organization(world, name="大" * 3000)
    response = duty.post("/api/organizations", big)
    assert response.status_code == 413
    assert "4 KB" in response.get_json()["error"]["message"]
    assert snapshot() == before


def test_writes_without_the_csrf_token_are_refused(world, duty):
    before = snapshot()
    response = duty.open("/api/organizations", method="POST", json=organization(world), headers=duty.headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/organizations/{org}", {"name": None}),
        ("/api/organizations/{org}", {"status": None}),
        ("/api/organizations/{org}", {"leader_phone": None}),
        ("/api/members/{member}", {"name": None}),
        ("/api/cells/{cell}", {"name": None}),
    ],
)
def test_null_for_a_field_that_cannot_be_empty_is_refused(world, duty, url, body):
    before = snapshot()
    target = url.format(org=world.org_a1.id, member=world.org_a1.members[0].id, cell=world.cell_a1.id)
    response = duty.patch(target, body)
    assert response.status_code == 422 and response.get_json()["error"]["errors"][0]["code"] == "null_not_allowed"
    assert snapshot() == before


def test_a_filed_organization_may_drop_its_credit_code(world, duty):
    response = duty.patch(f"/api/organizations/{world.org_a1.id}", {"credit_code": None})
    assert response.status_code == 200 and response.get_json()["credit_code"] is None


def test_a_name_longer_than_its_column_is_refused_on_every_database(world, duty):
    response = duty.post("/api/organizations", organization(world, leader_name="周" * 51))
    assert response.status_code == 422 and errors_of(response) == {"leader_name": "string_too_long"}
