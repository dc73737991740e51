"""Input a fuzzer sent the API and it mishandled (issue 12): every kind is now a clear 4xx in the caller's language,
naming what was wrong, and nothing is written. The class-finding test is tests/e2e/test_api_fuzzing.py."""

from __future__ import annotations

import io

import pytest

from dispatch.extensions import db
from tests.factories import make_incident, make_need
from tests.integration.test_api_bad_input import errors_of, organization
from tests.integration.test_scope import snapshot

PAST_INTEGER = 2**31  # one past PostgreSQL's integer, which numbers every row


def incident(**changes) -> dict:
    return {"title": "台风", "category": "natural_disaster", "level": "III", **changes}


def training(**changes) -> dict:
    return {"title": "急救培训", "organizer": "区红十字会", "held_on": "2026-07-01", "hours": 4, **changes}


def need(**changes) -> dict:
    return {"skills": ["logistics"], "head_count": 2, "location": {"lon": 120.105, "lat": 30.275}, **changes}


def member(**changes) -> dict:
    return {"name": "林队员", "phone": "13700001111", **changes}


def error_of(response) -> dict:
    return response.get_json()["error"]


@pytest.fixture
def duty(world, browser):
    return browser(world.duty)


@pytest.fixture
def open_need(world):
    found = make_need(make_incident(world.sub_a1), world.cell_a1)
    db.session.commit()
    return found


# Ids and cursors past PostgreSQL's integer: they used to reach the database and fail there ("integer out of range").


@pytest.mark.parametrize(
    "url",
    [
        f"/api/incidents/{PAST_INTEGER}",
        f"/api/incidents/{PAST_INTEGER}/timeline",
        f"/api/organizations/{PAST_INTEGER}",
        f"/api/needs/{PAST_INTEGER}/candidates",
        f"/api/assignments/{PAST_INTEGER}",
        f"/api/training-sessions/{PAST_INTEGER}",
        "/api/incidents/0",
        "/api/incidents/0/needs",  # it takes POST too: Werkzeug answered 405 when the converter alone said no
        "/api/incidents/007",
        "/api/incidents/" + "9" * 5000,
    ],
)
def test_an_id_no_row_can_have_is_not_found(duty, url):
    response = duty.get(url)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"/api/assignments/{PAST_INTEGER}/accept", {"head_count": 1}),
        (f"/api/organizations/{PAST_INTEGER}/suspend", None),
        (f"/api/needs/{PAST_INTEGER}/cancel", None),
        (f"/api/risks/{PAST_INTEGER}/dismiss", {"note": ""}),
        (f"/api/organizations/{PAST_INTEGER}/members", {"name": "林队员", "phone": "13700001111"}),
    ],
)
def test_a_write_to_an_id_no_row_can_have_is_not_found_and_changes_nothing(duty, url, body):
    before = snapshot()
    assert duty.post(url, body).status_code == 404
    assert duty.patch(f"/api/cells/{PAST_INTEGER}", {"name": "网格"}).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/needs/{need}/offers", {"organization_id": PAST_INTEGER}, "organization_id"),
        ("/api/incidents", incident(subdistrict_id=PAST_INTEGER), "subdistrict_id"),
        ("/api/organizations", None, "community_id"),
        ("/api/complaints", {"organization_id": PAST_INTEGER, "summary": "迟到"}, "organization_id"),
        ("/api/training-sessions", training(subdistrict_id=PAST_INTEGER), "subdistrict_id"),
    ],
)
def test_an_id_in_a_body_that_no_row_can_have_is_named(world, duty, open_need, url, body, field):
    body = body or organization(world, community_id=PAST_INTEGER)
    before = snapshot()
    response = duty.post(url.format(need=open_need.id), body)
    assert response.status_code == 422 and errors_of(response) == {field: "less_than_equal"}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/events?after={PAST_INTEGER}", "after"),
        (f"/api/organizations?community_id={PAST_INTEGER}", "community_id"),
        (f"/api/cells?subdistrict_id={PAST_INTEGER}", "subdistrict_id"),
        (f"/api/incidents?page={PAST_INTEGER}", "page"),
    ],
)
def test_a_cursor_or_filter_that_no_row_can_have_is_named(duty, url, field):
    response = duty.get(url)
    assert response.status_code == 422 and errors_of(response) == {field: "less_than_equal"}


# NUL characters (PostgreSQL refuses them in text) and unpaired surrogates (no UTF-8 can hold them).


@pytest.mark.parametrize(
    ("method", "url", "body", "field", "code"),
    [
        ("POST", "/api/incidents", incident(title="台风\x00"), "title", "text.unstorable"),
        ("POST", "/api/incidents", incident(title="台风\ud800"), "title", "string_unicode"),
        ("POST", "/api/incidents", incident(area={"type\x00": "Polygon"}), "area", "text.unstorable"),
        ("POST", "/api/incidents", incident(area={"type": "Polygon\udfff"}), "area", "text.unstorable"),
        ("PATCH", "/api/cells/{cell}", {"worker_name": "\x00"}, "worker_name", "text.unstorable"),
        ("POST", "/api/organizations/{org}/members", member(name="林\x00"), "name", "text.unstorable"),
        ("POST", "/api/risks", {"category": "flooding", "address": "\x00", "note": "积水"}, "address", "text.unstorable"),
    ],
)
def test_text_no_database_can_store_is_refused_and_changes_nothing(world, duty, method, url, body, field, code):
    before = snapshot()
    response = duty.send(method, url.format(cell=world.cell_a1.id, org=world.org_a1.id), body)
    assert response.status_code == 422 and errors_of(response).get(field) == code, response.get_json()
    assert snapshot() == before


def test_a_search_for_nul_is_refused(duty):
    response = duty.get("/api/organizations?q=%E7%BF%A0%00")
    assert response.status_code == 422 and errors_of(response) == {"q": "text.unstorable"}


def test_a_csv_cell_holding_nul_imports_nothing(world, duty):
    csv = f"名称,类型,统一社会信用代码,社区代码,技能,负责人,负责人手机\n翠苑\x00应急队,备案,,{world.community_a1.code},rescue:5,钱队长,13900001234\n"
    before = snapshot()
    data = {"file": (io.BytesIO(csv.encode()), "orgs.csv")}
    response = duty.send("POST", "/api/imports/organizations", None, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "text.unstorable" in {e["code"] for e in error_of(response)["errors"]}
    assert snapshot() == before


# JSON nested absurdly deep (the parser itself gave up with a RecursionError), and NaN, which is no JSON.


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"title": ' + "[" * 33 + "]" * 33 + "}"])
def test_json_nested_deeper_than_any_request_needs_is_refused(duty, body):
    before = snapshot()
    response = duty.send("POST", "/api/incidents", None, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_of(response)["code"] == "json.too_deep"
    assert "32" in error_of(response)["message"]
    assert snapshot() == before


def test_a_geojson_area_nests_deep_enough(world, duty):
    ring = [[120.10, 30.27], [120.12, 30.27], [120.12, 30.29], [120.10, 30.27]]
    response = duty.post("/api/incidents", incident(area={"type": "MultiPolygon", "coordinates": [[ring]]}))
    assert response.status_code == 201


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(duty, constant):
    body = f'{{"title": "台风", "category": "accident", "level": "IV", "area": {constant}}}'
    before = snapshot()
    response = duty.send("POST", "/api/incidents", None, data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_of(response)["code"] == "malformed_json"
    assert snapshot() == before


@pytest.mark.parametrize("body", ["null", "[]", "0", '""', "false", '["name"]'])
def test_a_body_that_is_no_json_object_is_refused(world, duty, body):
    before = snapshot()
    headers = {"Content-Type": "application/json"}
    response = duty.send("PATCH", f"/api/organizations/{world.org_a1.id}", None, data=body, headers=headers)
    assert response.status_code == 422 and errors_of(response) == {"body": "model_type"}
    assert snapshot() == before


# Imports that are no form at all used to reach the route without one (AttributeError).


@pytest.mark.parametrize(
    ("data", "content_type"), [(None, None), ('{"file": "orgs.csv"}', "application/json"), ("名称\n", "text/csv")]
)
def test_an_import_that_is_not_a_form_is_refused(duty, data, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = duty.send("POST", "/api/imports/organizations", None, data=data, headers=headers)
    assert response.status_code == 415 and error_of(response)["code"] == "multipart_required"


def test_an_import_form_without_its_file_names_the_file(duty):
    data = {"kind": "organizations"}
    response = duty.send("POST", "/api/imports/members", None, data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and errors_of(response) == {"file": "missing"}


# Every new answer speaks the caller's language.


@pytest.mark.parametrize(
    ("language", "words"),
    [("zh", ("嵌套太深", "multipart/form-data", "无法保存")), ("en", ("too deeply", "multipart", "stored"))],
)
def test_the_new_answers_speak_the_callers_language(world, browser, language, words):
    client = browser(world.duty, language=language)
    deep = client.send("POST", "/api/incidents", None, data="[" * 40 + "]" * 40, headers={"Content-Type": "application/json"})
    form = client.send("POST", "/api/imports/organizations", None)
    nul = client.post("/api/incidents", incident(title="\x00"))
    messages = (error_of(deep)["message"], error_of(form)["message"], error_of(nul)["errors"][0]["message"])
    assert all(word in text for word, text in zip(words, messages, strict=True)), messages


# Booleans and dates as JSON writes them: 0 is no boolean, and no date either (pydantic read it as 1970-01-01).


@pytest.mark.parametrize(
    ("url", "body", "field", "code"),
    [
        ("/api/incidents", incident(drill=0), "drill", "bool_type"),
        ("/api/incidents", incident(drill="yes"), "drill", "bool_type"),
        ("/api/organizations", None, "active", "bool_type"),
        ("/api/training-sessions", training(held_on=0), "held_on", "date_type"),
        ("/api/training-sessions", training(held_on="20260701"), "held_on", "date_type"),
        ("/api/incidents/{incident}/needs", need(window_start=0), "window_start", "datetime_type"),
        ("/api/incidents/{incident}/needs", need(window_end="2026-07-01"), "window_end", "datetime_type"),
        (
            "/api/organizations/{org}/members",
            member(certifications=[{"skill": "first_aid", "expires_on": 1893456000}]),
            "certifications.0.expires_on",
            "date_type",
        ),
    ],
)
def test_a_boolean_or_date_of_another_json_type_is_refused(world, duty, url, body, field, code):
    body = body or organization(world, active=1)
    target = url.format(incident=make_incident(world.sub_a1).id, org=world.org_a1.id)
    before = snapshot()
    response = duty.post(target, body)
    assert response.status_code == 422 and errors_of(response) == {field: code}, response.get_json()
    assert snapshot() == before


def test_a_filter_in_the_query_string_still_reads_true_and_false(world, duty):
    make_incident(world.sub_a1, drill=True)
    db.session.commit()
    assert duty.get("/api/incidents?drill=true").get_json()["total"] == 1
    assert duty.get("/api/incidents?drill=false").get_json()["total"] == 0


# Requests the document calls valid were refused with 422 for their shape: now the document says what is accepted.


def test_a_period_the_document_allows_is_read(duty):
    assert duty.get("/api/evaluations?period=2026-Q3").status_code == 200
    response = duty.get("/api/evaluations?period=")
    assert response.status_code == 422 and errors_of(response) == {"period": "period.format"}


@pytest.mark.parametrize("period", ["0000", "9999-12"])
def test_a_period_outside_the_calendar_is_refused(duty, period):
    response = duty.get(f"/api/evaluations?period={period}")
    assert response.status_code == 422 and errors_of(response) == {"period": "period.format"}


# The document lists every answer an operation can give (73 answers used to be missing) and every bound it keeps.


@pytest.fixture
def document(browser):
    return browser().get("/api/openapi.json").get_json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def test_every_operation_lists_the_errors_it_can_answer(document):
    for name, method, operation in operations(document):
        expected = {"401", "429", "503"}
        expected |= {"400", "413"} if method in {"post", "put", "patch", "delete"} else set()
        expected |= {"415"} if "requestBody" in operation else set()
        expected |= {"404"} if any(p["in"] == "path" for p in operation.get("parameters", [])) else set()
        assert expected <= set(operation["responses"]), name


def test_every_integer_a_request_carries_is_bounded_within_the_database_integer(document):
    components = document["components"]["schemas"]
    for name, _method, operation in operations(document):
        for schema in integers(operation.get("parameters", []), components) + integers(operation.get("requestBody"), components):
            assert schema.get("minimum") is not None and schema.get("maximum", 2**31) < 2**31, (name, schema)


def integers(node, components: dict, seen: frozenset = frozenset()) -> list[dict]:
    if isinstance(node, list):
        return [found for item in node for found in integers(item, components, seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        target = node["$ref"].rsplit("/", 1)[1]
        return [] if target in seen else integers(components[target], components, seen | {target})
    own = [node] if node.get("type") == "integer" else []
    return own + [found for value in node.values() for found in integers(value, components, seen)]


def test_a_patch_offers_null_only_to_the_fields_that_take_it(document):
    patches = {
        name.split(".")[0]: schema["properties"]
        for name, schema in document["components"]["schemas"].items()
        if name.count(".") == 1 and name.split(".")[0].endswith("Patch")
    }
    nullable = {
        name: {field for field, schema in properties.items() if {"type": "null"} in schema.get("anyOf", [])}
        for name, properties in patches.items()
    }
    assert nullable == {"OrganizationPatch": {"credit_code"}, "MemberPatch": set(), "CellPatch": {"worker_phone"}}


def test_a_body_of_optional_fields_alone_may_be_left_out(world, duty, document):
    patch = document["paths"]["/api/organizations/{organization_id}"]["patch"]
    create = document["paths"]["/api/organizations"]["post"]
    assert patch["requestBody"]["required"] is False and create["requestBody"]["required"] is True
    assert duty.patch(f"/api/organizations/{world.org_a1.id}").status_code == 200
