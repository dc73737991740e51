"""Every endpoint × every role × own / other record: the answer, and that a refusal changes nothing.

The table must name every route the app has; a new endpoint without a row fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import GridCell, Member, Organization
from tests.factories import World, square

ADMIN, DUTY, LEADER, GRID = Role.ADMIN, Role.DUTY_OFFICER, Role.ORG_LEADER, Role.GRID_WORKER
EVERYONE = {ADMIN, DUTY, LEADER, GRID}
ADMINISTRATORS = {ADMIN, DUTY}

# For each role: a record it may reach, and one of the same kind it must not.
TARGETS = {
    "organization": {ADMIN: ("org_a2", "org_b1"), DUTY: ("org_a1", "org_a2"), LEADER: ("org_a1", "org_a1b"), GRID: ("org_a1", "org_a1b")},
    "cell": {ADMIN: ("cell_a2", "cell_b1"), DUTY: ("cell_a1", "cell_a2"), LEADER: ("cell_a1", "cell_a1b"), GRID: ("cell_a1", "cell_a1b")},
    "community": {ADMIN: ("community_a2", "community_b1"), DUTY: ("community_a1", "community_a2"), LEADER: ("community_a1", "community_a2"), GRID: ("community_a1", "community_a2")},
    "subdistrict": {ADMIN: ("sub_a2", "sub_b1"), DUTY: ("sub_a1", "sub_a2"), LEADER: ("sub_a1", "sub_a2"), GRID: ("sub_a1", "sub_a2")},
}  # fmt: skip
USERS = {ADMIN: "admin", DUTY: "duty", LEADER: "leader", GRID: "grid"}


def target(world: World, kind: str, role: Role, which: str):
    names = TARGETS["organization" if kind == "member" else kind][role]
    record = getattr(world, names[0] if which == "own" else names[1])
    return record.members[0] if kind == "member" else record


def new_organization(community) -> dict:
    return {
        "name": "新建应急服务队", "status": "filed", "community_id": community.id,
        "skills": [{"code": "rescue", "capacity": 6}], "leader_name": "赵队长", "leader_phone": "13900001111",
    }  # fmt: skip


def organizations_csv(community) -> dict:
    text = f"名称,类型,社区代码,技能,负责人,负责人手机\n上传应急队,备案,{community.code},rescue:5,钱队长,13900003333\n"
    return {"kind": "organizations", "file": (io.BytesIO(text.encode("gb18030")), "orgs.csv")}


def members_csv(org) -> dict:
    text = f"社区代码,组织名称,姓名,手机,技能\n{org.community.code},{org.name},上传队员,13700004444,rescue\n"
    return {"kind": "members", "file": (io.BytesIO(text.encode("utf-8-sig")), "members.csv")}


def new_cell(community) -> dict:
    return {"code": "NEW-CELL", "name": "新网格", "community_id": community.id, "geometry": square(120.13, 30.28)}


@dataclass(frozen=True)
class Case:
    method: str
    rule: str
    kind: str
    allowed: set[Role]
    ok: int
    refused: int  # the answer for another's record: 404 by id, 422 when the body names it
    url: Callable[[object], str]
    body: Callable[[object], dict] | None = None
    upload: bool = False  # send the body as multipart/form-data

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


CASES = [
    Case("GET", "/api/organizations/<int:organization_id>", "organization", EVERYONE, 200, 404, lambda o: f"/api/organizations/{o.id}"),
    Case("PATCH", "/api/organizations/<int:organization_id>", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}", lambda o: {"leader_name": "新队长"}),
    Case("POST", "/api/organizations/<int:organization_id>/suspend", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}/suspend"),
    Case("POST", "/api/organizations/<int:organization_id>/reinstate", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}/reinstate"),
    Case("POST", "/api/organizations", "community", ADMINISTRATORS, 201, 422, lambda c: "/api/organizations", new_organization),
    Case("GET", "/api/organizations/<int:organization_id>/members", "organization", ADMINISTRATORS | {LEADER}, 200, 404, lambda o: f"/api/organizations/{o.id}/members"),
    Case("POST", "/api/organizations/<int:organization_id>/members", "organization", ADMINISTRATORS | {LEADER}, 201, 404, lambda o: f"/api/organizations/{o.id}/members", lambda o: {"name": "新队员", "phone": "13700002222", "skills": ["rescue"]}),
    Case("GET", "/api/members/<int:member_id>", "member", ADMINISTRATORS | {LEADER}, 200, 404, lambda m: f"/api/members/{m.id}"),
    Case("PATCH", "/api/members/<int:member_id>", "member", ADMINISTRATORS | {LEADER}, 200, 404, lambda m: f"/api/members/{m.id}", lambda m: {"name": "改名队员"}),
    Case("GET", "/api/cells/<int:cell_id>", "cell", EVERYONE, 200, 404, lambda c: f"/api/cells/{c.id}"),
    Case("PATCH", "/api/cells/<int:cell_id>", "cell", ADMINISTRATORS, 200, 404, lambda c: f"/api/cells/{c.id}", lambda c: {"name": "改名网格"}),
    Case("POST", "/api/cells", "community", ADMINISTRATORS, 201, 422, lambda c: "/api/cells", new_cell),
    Case("GET", "/organizations/<int:organization_id>", "organization", EVERYONE, 200, 404, lambda o: f"/organizations/{o.id}"),
    Case("POST", "/api/imports/organizations", "community", ADMINISTRATORS, 200, 422, lambda c: "/api/imports/organizations", organizations_csv, upload=True),
    Case("POST", "/api/imports/members", "organization", ADMINISTRATORS | {LEADER}, 200, 422, lambda o: "/api/imports/members", members_csv, upload=True),
    Case("POST", "/imports", "community", ADMINISTRATORS, 200, 422, lambda c: "/imports", organizations_csv, upload=True),
]  # fmt: skip


@dataclass(frozen=True)
class ListCase:
    rule: str
    kind: str
    shows: Callable[[object, object], bool]  # (response, record) -> is the record in the answer?

    def __str__(self) -> str:
        return f"GET {self.rule}"


def _ids(response) -> set[int]:
    return {item["id"] for item in response.get_json()["items"]}


LIST_CASES = [
    ListCase("/api/organizations", "organization", lambda r, o: o.id in _ids(r)),
    ListCase("/api/cells", "cell", lambda r, c: c.id in _ids(r)),
    ListCase("/api/communities", "community", lambda r, c: c.id in _ids(r)),
    ListCase("/api/subdistricts", "subdistrict", lambda r, s: s.id in _ids(r)),
    ListCase("/organizations", "organization", lambda r, o: o.name in r.get_data(as_text=True)),
    ListCase("/cells", "cell", lambda r, c: c.name in r.get_data(as_text=True)),
]

# Routes that find records by where they are: the point inside a cell, or the cell's name.
GEO_RULES = {("GET", "/api/geo/cell"), ("GET", "/api/geo/geocode")}


def middle_of(cell) -> tuple[float, float]:
    return (cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", [ADMIN, DUTY, LEADER, GRID], ids=lambda r: r.value)
def test_a_point_or_a_name_finds_only_cells_in_scope(role: Role, which: str, world, browser):
    cell = target(world, "cell", role, which)
    client = browser(getattr(world, USERS[role]))
    lon, lat = middle_of(cell)
    found = client.get(f"/api/geo/cell?lon={lon}&lat={lat}").get_json()["cell"]
    named = client.get(f"/api/geo/geocode?q={cell.name}").get_json()
    if which == "own":
        assert found["id"] == cell.id and named["located"]["cell"]["id"] == cell.id
    else:
        assert found is None and named["found"] is False and cell.name not in named["suggestions"]


# Routes with no jurisdiction: the same answer for every logged-in user, 401 or a login redirect for anyone else.
UNSCOPED = {("GET", "/api/skills"), ("GET", "/api/me"), ("GET", "/api/csrf"), ("GET", "/imports")}
PUBLIC = {
    ("GET", "/healthz"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/lang/<code>"),
    ("GET", "/api/openapi.json"), ("GET", "/static/<path:filename>"), ("GET", "/"),
}  # fmt: skip


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    orgs = tuple(
        db.session.execute(
            select(Organization.id, Organization.name, Organization.leader_name, Organization.active).order_by(Organization.id)
        )
    )
    cells = tuple(db.session.execute(select(GridCell.id, GridCell.name).order_by(GridCell.id)))
    members = tuple(db.session.execute(select(Member.id, Member.name).order_by(Member.id)))
    return orgs, cells, members


def test_every_route_is_in_the_table(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(c.method, c.rule) for c in CASES} | {("GET", c.rule) for c in LIST_CASES} | GEO_RULES | UNSCOPED | PUBLIC
    assert routes - covered == set(), "add these routes to the scope table"
    assert covered - routes == set(), "the table names routes the app does not have"


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", [ADMIN, DUTY, LEADER, GRID], ids=lambda r: r.value)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_record_endpoint_answers_by_role_and_scope(case: Case, role: Role, which: str, world, browser):
    record = target(world, case.kind, role, which)
    url, body = case.url(record), case.body(record) if case.body else None
    client = browser(getattr(world, USERS[role]))
    before = snapshot()
    if case.method == "GET":
        response = client.get(url)
    elif case.upload:
        response = client.send(case.method, url, None, data=body, content_type="multipart/form-data")
    else:
        response = client.send(case.method, url, body)
    if role not in case.allowed:
        assert response.status_code == 403
    elif which == "own":
        assert response.status_code == case.ok, response.get_data(as_text=True)
    else:
        assert response.status_code == case.refused, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert snapshot() == before


@pytest.mark.parametrize("role", [ADMIN, DUTY, LEADER, GRID], ids=lambda r: r.value)
@pytest.mark.parametrize("case", LIST_CASES, ids=str)
def test_lists_show_only_records_in_scope(case: ListCase, role: Role, world, browser):
    response = browser(getattr(world, USERS[role])).get(case.rule)
    assert response.status_code == 200
    assert case.shows(response, target(world, case.kind, role, "own"))
    assert not case.shows(response, target(world, case.kind, role, "other"))


@pytest.mark.parametrize("case", CASES + LIST_CASES, ids=str)
def test_anonymous_callers_are_turned_away(case, world, app):
    before = snapshot()
    method, upload = getattr(case, "method", "GET"), getattr(case, "upload", False)
    record = target(world, case.kind, DUTY, "own")  # a record that exists; no one is logged in to reach it
    url = case.url(record) if isinstance(case, Case) else case.rule
    body = case.body(record) if getattr(case, "body", None) else None
    with app.app_context():
        client = app.test_client()
        response = (
            client.open(url, method=method, data=body, content_type="multipart/form-data")
            if upload
            else client.open(url, method=method, json=body)
        )
    if method != "GET":
        assert response.status_code == 400  # a write without a session has no CSRF token either
    elif url.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert snapshot() == before


@pytest.mark.parametrize("route", sorted(UNSCOPED))
def test_unscoped_endpoints_need_a_login(route, world, browser):
    anonymous = browser().get(route[1])
    assert anonymous.status_code == 401 if route[1].startswith("/api/") else "/login" in anonymous.headers["Location"]
    for role in (ADMIN, DUTY, LEADER, GRID):
        assert browser(getattr(world, USERS[role])).get(route[1]).status_code == 200
