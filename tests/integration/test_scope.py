"""Every endpoint × every role × own / other record: the answer, and that a refusal changes nothing.

The table must name every route the app has; a new endpoint without a row fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

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

# Routes with no jurisdiction: the same answer for every logged-in user, 401 or a login redirect for anyone else.
UNSCOPED = {("GET", "/api/skills"), ("GET", "/api/me"), ("GET", "/api/csrf")}
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
    covered = {(c.method, c.rule) for c in CASES} | {("GET", c.rule) for c in LIST_CASES} | UNSCOPED | PUBLIC
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
    response = client.get(url) if case.method == "GET" else client.send(case.method, url, body)
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
    url = case.url(world.org_a1 if case.kind != "member" else world.org_a1.members[0]) if isinstance(case, Case) else case.rule
    if isinstance(case, Case) and case.kind in {"cell", "community"}:
        url = case.url(getattr(world, f"{case.kind}_a1"))
    method = getattr(case, "method", "GET")
    with app.app_context():
        response = app.test_client().open(url, method=method, json=getattr(case, "body", None) and case.body(world.community_a1))
    if url.startswith("/api/"):
        assert response.status_code in {400, 401}  # writes without a session fail CSRF first; reads say log in
    else:
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", sorted(UNSCOPED))
def test_unscoped_endpoints_need_a_login(route, world, browser):
    assert browser().get(route[1]).status_code == 401
    for role in (ADMIN, DUTY, LEADER, GRID):
        assert browser(getattr(world, USERS[role])).get(route[1]).status_code == 200
