"""Every endpoint × every role × own / other record: the answer, and that a refusal changes nothing.

The table must name every route the app has; a new endpoint without a row fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dispatch.domain.drills import DrillMode
from dispatch.domain.incidents import IncidentStatus
from dispatch.domain.offer_tokens import token_for
from dispatch.domain.plans.warning_types import WarningColour, WarningKind
from dispatch.domain.recovery import NeedKind
from dispatch.domain.registry import ManagingBody
from dispatch.domain.risks import RiskCategory
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import (
    Assignment,
    AuditRecord,
    Certification,
    Community,
    Complaint,
    DrillRun,
    EarlyWarning,
    Evaluation,
    Event,
    GridCell,
    Incident,
    IncidentPlan,
    Member,
    Need,
    Organization,
    OutboxMessage,
    Plan,
    PlanVersion,
    ProgressReport,
    RecoveryTask,
    RiskReport,
    StandbyPoll,
    TrainingAttendance,
    TrainingSession,
)
from dispatch.services import audit, events
from dispatch.services.dispatch.offer_links import link_key, tap_token
from dispatch.services.plans.library import save_plan
from dispatch.services.plans.warnings import issue_warning
from tests.factories import World, make_incident, make_member, make_need, make_offer, make_user, square
from tests.integration.duty_group_helpers import dingtalk_group, wecom_group

ADMIN, DUTY, LEADER, GRID = Role.ADMIN, Role.DUTY_OFFICER, Role.ORG_LEADER, Role.GRID_WORKER
EVERYONE = {ADMIN, DUTY, LEADER, GRID}
ADMINISTRATORS = {ADMIN, DUTY}

# For each role: a record it may reach, and one of the same kind it must not.
TARGETS = {
    "organization": {ADMIN: ("org_a2", "org_b1"), DUTY: ("org_a1", "org_a2"), LEADER: ("org_a1", "org_a1b"), GRID: ("org_a1", "org_a1b")},
    "cell": {ADMIN: ("cell_a2", "cell_b1"), DUTY: ("cell_a1", "cell_a2"), LEADER: ("cell_a1", "cell_a1b"), GRID: ("cell_a1", "cell_a1b")},
    "community": {ADMIN: ("community_a2", "community_b1"), DUTY: ("community_a1", "community_a2"), LEADER: ("community_a1", "community_a2"), GRID: ("community_a1", "community_a2")},
    "subdistrict": {ADMIN: ("sub_a2", "sub_b1"), DUTY: ("sub_a1", "sub_a2"), LEADER: ("sub_a1", "sub_a2"), GRID: ("sub_a1", "sub_a2")},
    # From the dispatch world: a leader's own incident is one with an offer to their organization; a grid worker's, one with a need in their cell.
    "incident": {ADMIN: ("incident_a2", "incident_b1"), DUTY: ("incident_a1", "incident_a2"), LEADER: ("incident_a1", "incident_a2"), GRID: ("incident_a1", "incident_a2")},
    "need": {ADMIN: ("need_a2", "need_b1"), DUTY: ("need_a1", "need_a2"), LEADER: ("need_a1", "need_a2"), GRID: ("need_a1", "need_a2")},
    "assignment": {ADMIN: ("offer_a2", "offer_b1"), DUTY: ("offer_a1", "offer_a2"), LEADER: ("offer_a1", "offer_a1b"), GRID: ("offer_a1", "offer_a2")},
    # A training session is the subdistrict's that held it.
    "training": {ADMIN: ("training_a2", "training_b1"), DUTY: ("training_a1", "training_a2"), LEADER: ("training_a1", "training_a2"), GRID: ("training_a1", "training_a2")},
    # Anyone may complain about an organization of their county (another county's is refused).
    "county_organization": {ADMIN: ("org_a2", "org_b1"), DUTY: ("org_a2", "org_b1"), LEADER: ("org_a1b", "org_b1"), GRID: ("org_a2", "org_b1")},
    # A complaint about each organization: the county decides those about org_a2 and org_b1, the subdistrict the rest.
    "complaint": {ADMIN: ("complaint_a2", "complaint_b1"), DUTY: ("complaint_a1", "complaint_a2"), LEADER: ("complaint_a1", "complaint_a1b"), GRID: ("complaint_a1", "complaint_a2")},
    # A risk reported in each cell; those in A1's two cells by the organizations serving them.
    "risk": {ADMIN: ("risk_a2", "risk_b1"), DUTY: ("risk_a1", "risk_a2"), LEADER: ("risk_a1", "risk_a1b"), GRID: ("risk_a1", "risk_a1b")},
    # A recovery task in each organization's cell, offered to that organization.
    "recovery_task": {ADMIN: ("task_a2", "task_b1"), DUTY: ("task_a1", "task_a2"), LEADER: ("task_a1", "task_a1b"), GRID: ("task_a1", "task_a1b")},
    # A drill of each subdistrict: only its officers (and the county's admin) run it; leaders and grid workers never.
    "drill": {ADMIN: ("drill_a2", "drill_b1"), DUTY: ("drill_a1", "drill_a2"), LEADER: ("drill_a1", "drill_a2"), GRID: ("drill_a1", "drill_a2")},
    # The security audit and the accounts it locks are the county administrator's alone (the others are refused).
    "audit": {role: ("audit_a", "audit_b") for role in EVERYONE},
    "account": {role: ("duty", "user_b") for role in EVERYONE},
    # A duty group robot of each office: A1's and A2's streets, county A's and county B's.
    "duty_group": {ADMIN: ("group_county_a", "group_county_b"), DUTY: ("group_a1", "group_a2"), LEADER: ("group_a1", "group_a2"), GRID: ("group_a1", "group_a2")},
    # An emergency plan of each subdistrict: its officers keep it, the county's administrator keeps all of the county's.
    "plan": {ADMIN: ("plan_a2", "plan_b1"), DUTY: ("plan_a1", "plan_a2"), LEADER: ("plan_a1", "plan_a2"), GRID: ("plan_a1", "plan_a2")},
    # A warning of each county: the county's officers read and lift it.
    "warning": {ADMIN: ("warning_a", "warning_b"), **{role: ("warning_a1", "warning_b") for role in (DUTY, LEADER, GRID)}},
    # A standby question to each organization (county A's warning, county B's): answered by its leader or its officers.
    "poll": {ADMIN: ("poll_a2", "poll_b1"), DUTY: ("poll_a1", "poll_a2"), LEADER: ("poll_a1", "poll_a1b"), GRID: ("poll_a1", "poll_a1b")},
}  # fmt: skip
# Kinds whose records are organizations' (their own or other): members, and certificates running out.
BY_ORGANIZATION = {"member", "certificate"}
ORGANIZATIONS = ("a1", "a1b", "a2", "b1")
ANSWERERS = ADMINISTRATORS | {LEADER}
USERS = {ADMIN: "admin", DUTY: "duty", LEADER: "leader", GRID: "grid"}


@pytest.fixture
def dispatch_world(world):
    """An incident in each of A1, A2 and B1, with a need in its first cell and offers to that subdistrict's organizations."""
    places = (
        ("a1", world.sub_a1, world.cell_a1, {"a1": world.org_a1, "a1b": world.org_a1b}),
        ("a2", world.sub_a2, world.cell_a2, {"a2": world.org_a2}),
        ("b1", world.sub_b1, world.cell_b1, {"b1": world.org_b1}),
    )
    for name, subdistrict, cell, organizations in places:
        incident = make_incident(subdistrict)
        need = make_need(incident, cell)
        setattr(world, f"incident_{name}", incident)
        setattr(world, f"need_{name}", need)
        for org_name, organization in organizations.items():
            offer = make_offer(need, organization)
            setattr(world, f"offer_{org_name}", offer)
            events.record("offer.made", assignment=offer)
    events.commit()
    return world


@pytest.fixture
def training_world(world):
    """A training session held by each of A1, A2 and B1."""
    for name, subdistrict in (("a1", world.sub_a1), ("a2", world.sub_a2), ("b1", world.sub_b1)):
        session = TrainingSession(
            subdistrict=subdistrict, title="救护培训", organizer="红十字会", held_on=date(2026, 6, 1), hours=4
        )
        db.session.add(session)
        setattr(world, f"training_{name}", session)
    db.session.commit()
    return world


@pytest.fixture
def certificates_world(world):
    """Every organization has a member whose certificate runs out next week."""
    for organization in (world.org_a1, world.org_a1b, world.org_a2, world.org_b1):
        make_member(organization, ("first_aid",), certified_until=datetime.now(UTC).date() + timedelta(days=7))
    db.session.commit()
    return world


@pytest.fixture
def complaints_world(world):
    for name in ORGANIZATIONS:
        body = ManagingBody.COUNTY if name in ("a2", "b1") else ManagingBody.SUBDISTRICT
        complaint = Complaint(organization=getattr(world, f"org_{name}"), managing_body=body, summary="占用消防通道")
        db.session.add(complaint)
        setattr(world, f"complaint_{name}", complaint)
    db.session.commit()
    return world


@pytest.fixture
def risks_world(world):
    """A risk in each cell, and an active incident in each subdistrict to post a need for one in."""
    for name in ORGANIZATIONS:
        cell, organization = getattr(world, f"cell_{name}"), getattr(world, f"org_{name}")
        lon, lat = middle_of(cell)
        risk = RiskReport(
            subdistrict_id=cell.community.subdistrict_id, cell=cell, lon=lon, lat=lat, category=RiskCategory.FLOODING,
            reported_by=world.grid.id, organization_id=organization.id,
        )  # fmt: skip
        db.session.add(risk)
        setattr(world, f"risk_{name}", risk)
    for subdistrict in (world.sub_a1, world.sub_a2, world.sub_b1):
        make_incident(subdistrict)
    db.session.commit()
    return world


@pytest.fixture
def recovery_world(world):
    """A recovery task in each organization's cell, in an incident under recovery, offered to that organization."""
    for name in ORGANIZATIONS:
        cell, organization = getattr(world, f"cell_{name}"), getattr(world, f"org_{name}")
        incident = make_incident(cell.community.subdistrict, status=IncidentStatus.RECOVERY)
        need = make_need(incident, cell, kind=NeedKind.RECOVERY)
        make_offer(need, organization)
        task = RecoveryTask(need=need, incident_id=incident.id, cell_id=cell.id, what="清淤")
        db.session.add(task)
        setattr(world, f"task_{name}", task)
    db.session.commit()
    return world


def drill_scenario(cell=None) -> str:
    """Two steps asking for one person at the middle of ``cell`` (a fixed point when none is named)."""
    lon, lat = middle_of(cell) if cell is not None else (120.105, 30.275)
    step = f"  - at: 0m\n    need: {{skills: [logistics], head_count: 1, location: {{lon: {lon}, lat: {lat}}}}}\n"
    return "title: 防汛演练\nsteps:\n" + step * 2


@pytest.fixture
def drills_world(world):
    """A manual drill in each of A1, A2 and B1, started by an officer of that subdistrict (A2's by the admin)."""
    starters = {"a1": world.duty, "a2": world.admin, "b1": make_user(DUTY, subdistrict_id=world.sub_b1.id)}
    places = (("a1", world.sub_a1, world.cell_a1), ("a2", world.sub_a2, world.cell_a2), ("b1", world.sub_b1, world.cell_b1))
    for name, subdistrict, cell in places:
        run = DrillRun(
            incident=make_incident(subdistrict, drill=True), subdistrict_id=subdistrict.id, title="防汛演练",
            scenario=drill_scenario(cell), mode=DrillMode.MANUAL, created_by=starters[name].id,
        )  # fmt: skip
        db.session.add(run)
        setattr(world, f"drill_{name}", run)
    db.session.commit()
    return world


def a_cell_of(subdistrict_id: int) -> GridCell:
    return db.session.scalar(
        select(GridCell).join(Community).where(Community.subdistrict_id == subdistrict_id).order_by(GridCell.id).limit(1)
    )


def plan_of(cell=None, title: str = "防汛预案") -> str:
    """A one-task plan at a point (the cell's middle): a point is a place in any subdistrict's plan."""
    lon, lat = middle_of(cell) if cell is not None else (120.105, 30.275)
    task = f"  - name: 装沙袋\n    need: {{skills: [logistics], head_count: 1}}\n    place: {{location: {{lon: {lon}, lat: {lat}}}}}\n"
    return f"title: {title}\ncategory: natural_disaster\nmin_level: IV\ntasks:\n{task}"


@pytest.fixture
def plans_world(world):
    """A plan of each of A1, A2 and B1, kept by an officer of that subdistrict (A2's by the admin)."""
    keepers = {"a1": world.duty, "a2": world.admin, "b1": make_user(DUTY, subdistrict_id=world.sub_b1.id)}
    for name, subdistrict, cell in (
        ("a1", world.sub_a1, world.cell_a1),
        ("a2", world.sub_a2, world.cell_a2),
        ("b1", world.sub_b1, world.cell_b1),
    ):
        actor = keepers[name].actor()
        setattr(world, f"plan_{name}", save_plan(actor, plan_of(cell), subdistrict_id=subdistrict.id if name == "a2" else None))
    return world


@pytest.fixture
def warnings_world(world):
    """A rainstorm warning of each county, entered by its administrator, and one of A1's own, by its officer."""
    admin_b = make_user(ADMIN, county_id=world.county_b.id)
    for name, user in (("a", world.admin), ("b", admin_b), ("a1", world.duty)):
        warning, _ = issue_warning(user.actor(), WarningKind.RAINSTORM, WarningColour.BLUE, "暴雨蓝色预警", 6, [])
        setattr(world, f"warning_{name}", warning)
    return world


@pytest.fixture
def standby_world(warnings_world):
    """A standby question to every organization: county A's warning asks A's, county B's asks B's."""
    world = warnings_world
    for name in ORGANIZATIONS:
        warning = world.warning_b if name == "b1" else world.warning_a
        poll = StandbyPoll(warning_id=warning.id, organization_id=getattr(world, f"org_{name}").id)
        db.session.add(poll)
        setattr(world, f"poll_{name}", poll)
    db.session.commit()
    return world


def an_incident_of(subdistrict_id: int) -> int:
    return db.session.scalar(select(Incident.id).where(Incident.subdistrict_id == subdistrict_id).limit(1))


@pytest.fixture
def audit_world(world):
    """An audit record of each county (a duty officer's login in A, one in B), and a user in county B."""
    world.user_b = make_user(DUTY, subdistrict_id=world.sub_b1.id)
    db.session.commit()
    for name, user in (("a", world.duty), ("b", world.user_b)):
        number = audit.record("login.password", object_type="user", object_id=user.id, actor=user)
        setattr(world, f"audit_{name}", db.session.get(AuditRecord, number))
    return world


@pytest.fixture
def duty_groups_world(world, app):
    """A robot of each office; the platforms' addresses point at a closed local port (a test message fails at once)."""
    saved = {name: app.config[name] for name in ("DINGTALK_API_BASE", "WECOM_API_BASE")}
    app.config.update(DINGTALK_API_BASE="http://127.0.0.1:9", WECOM_API_BASE="http://127.0.0.1:9")
    world.group_a1, world.group_county_a = dingtalk_group(world.duty), wecom_group(world.admin)
    world.group_a2 = dingtalk_group(make_user(DUTY, subdistrict_id=world.sub_a2.id), token="e" * 64)  # another robot
    world.group_county_b = wecom_group(make_user(ADMIN, county_id=world.county_b.id), key="county-b-key-0001")
    yield world
    app.config.update(saved)


WORLDS = {
    "audit": "audit_world", "account": "audit_world", "duty_group": "duty_groups_world",
    "incident": "dispatch_world", "need": "dispatch_world", "assignment": "dispatch_world", "training": "training_world",
    "certificate": "certificates_world", "complaint": "complaints_world", "risk": "risks_world",
    "recovery_task": "recovery_world", "drill": "drills_world", "plan": "plans_world", "warning": "warnings_world", "poll": "standby_world",
}  # fmt: skip


def world_for(case, request):
    return request.getfixturevalue(WORLDS.get(case.kind, "world"))


def target(world: World, kind: str, role: Role, which: str):
    names = TARGETS["organization" if kind in BY_ORGANIZATION else kind][role]
    record = getattr(world, names[0] if which == "own" else names[1])
    return record.members[0] if kind == "member" else record


def a_member_of(subdistrict_id: int) -> int:
    query = select(Member.id).join(Organization).join(Community).where(Community.subdistrict_id == subdistrict_id)
    return db.session.scalar(query.order_by(Member.id).limit(1))


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


def new_incident(subdistrict) -> dict:
    return {"title": "化工厂火情", "category": "accident", "level": "IV", "subdistrict_id": subdistrict.id}


def new_need(incident) -> dict:
    lon, lat = middle_of(incident.needs[0].cell)
    return {"skills": ["logistics"], "head_count": 2, "location": {"lon": lon, "lat": lat}}


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
    Case("POST", "/audit/locks/<int:user_id>/lift", "account", {ADMIN}, 302, 404, lambda u: f"/audit/locks/{u.id}/lift", lambda u: {}),
    Case("POST", "/accounts/<int:user_id>/end-sessions", "account", {ADMIN}, 302, 404, lambda u: f"/accounts/{u.id}/end-sessions", lambda u: {}),
    Case("POST", "/accounts/<int:user_id>/reset-two-factor", "account", {ADMIN}, 302, 404, lambda u: f"/accounts/{u.id}/reset-two-factor", lambda u: {}),
    Case("POST", "/duty-groups/<int:group_id>/deactivate", "duty_group", ADMINISTRATORS, 302, 404, lambda g: f"/duty-groups/{g.id}/deactivate", lambda g: {}),
    Case("POST", "/duty-groups/<int:group_id>/test", "duty_group", ADMINISTRATORS, 302, 404, lambda g: f"/duty-groups/{g.id}/test", lambda g: {}),
    Case("PATCH", "/api/organizations/<int:organization_id>", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}", lambda o: {"leader_name": "新队长"}),
    Case("POST", "/api/organizations/<int:organization_id>/suspend", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}/suspend"),
    Case("POST", "/api/organizations/<int:organization_id>/reinstate", "organization", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}/reinstate"),
    Case("POST", "/api/organizations", "community", ADMINISTRATORS, 201, 422, lambda c: "/api/organizations", new_organization),
    Case("GET", "/api/organizations/<int:organization_id>/members", "organization", ADMINISTRATORS | {LEADER}, 200, 404, lambda o: f"/api/organizations/{o.id}/members"),
    Case("POST", "/api/organizations/<int:organization_id>/members", "organization", ADMINISTRATORS | {LEADER}, 201, 404, lambda o: f"/api/organizations/{o.id}/members", lambda o: {"name": "新队员", "phone": "13700002222", "skills": ["rescue"]}),
    Case("GET", "/api/organizations/<int:organization_id>/members/duty", "organization", ADMINISTRATORS | {LEADER}, 200, 404, lambda o: f"/api/organizations/{o.id}/members/duty"),
    Case("POST", "/api/organizations/<int:organization_id>/members/duty", "organization", ADMINISTRATORS | {LEADER}, 200, 404, lambda o: f"/api/organizations/{o.id}/members/duty", lambda o: {"member_ids": [o.members[0].id], "on_duty": False}),
    Case("GET", "/api/members/<int:member_id>", "member", ADMINISTRATORS | {LEADER}, 200, 404, lambda m: f"/api/members/{m.id}"),
    Case("POST", "/api/members/<int:member_id>/forget", "member", ADMINISTRATORS | {LEADER}, 200, 404, lambda m: f"/api/members/{m.id}/forget"),
    Case("POST", "/members/<int:member_id>/forget", "member", ADMINISTRATORS | {LEADER}, 302, 404, lambda m: f"/members/{m.id}/forget", lambda m: {}),
    Case("PATCH", "/api/members/<int:member_id>", "member", ADMINISTRATORS | {LEADER}, 200, 404, lambda m: f"/api/members/{m.id}", lambda m: {"name": "改名队员"}),
    Case("GET", "/api/cells/<int:cell_id>", "cell", EVERYONE, 200, 404, lambda c: f"/api/cells/{c.id}"),
    Case("PATCH", "/api/cells/<int:cell_id>", "cell", ADMINISTRATORS, 200, 404, lambda c: f"/api/cells/{c.id}", lambda c: {"name": "改名网格"}),
    Case("POST", "/api/cells", "community", ADMINISTRATORS, 201, 422, lambda c: "/api/cells", new_cell),
    Case("GET", "/organizations/<int:organization_id>", "organization", EVERYONE, 200, 404, lambda o: f"/organizations/{o.id}"),
    # The phone simulator (embedded default): a leader's phone, for those who may play it.
    Case("GET", "/phones/<int:organization_id>", "organization", ADMINISTRATORS | {LEADER}, 200, 404, lambda o: f"/phones/{o.id}"),
    Case("POST", "/phones/<int:organization_id>/reply", "organization", ADMINISTRATORS | {LEADER}, 302, 404, lambda o: f"/phones/{o.id}/reply", lambda o: {}),
    # A key pressed on a call that is not this phone's: reached but not found in scope too.
    Case("POST", "/phones/<int:organization_id>/calls/<int:outbox_id>", "organization", ADMINISTRATORS | {LEADER}, 404, 404, lambda o: f"/phones/{o.id}/calls/999999", lambda o: {}),
    Case("POST", "/api/imports/organizations", "community", ADMINISTRATORS, 200, 422, lambda c: "/api/imports/organizations", organizations_csv, upload=True),
    Case("POST", "/api/imports/members", "organization", ADMINISTRATORS | {LEADER}, 200, 422, lambda o: "/api/imports/members", members_csv, upload=True),
    # The short link in an offer's SMS: the phone page at that offer, for its own leader only.
    Case("GET", "/m/o/<code>", "assignment", {LEADER}, 302, 404, lambda a: f"/m/o/{a.short_code}"),
    Case("POST", "/imports", "community", ADMINISTRATORS, 200, 422, lambda c: "/imports", organizations_csv, upload=True),
    Case("POST", "/api/incidents", "subdistrict", ADMINISTRATORS, 201, 422, lambda s: "/api/incidents", new_incident),
    Case("GET", "/api/incidents/<int:incident_id>", "incident", EVERYONE, 200, 404, lambda i: f"/api/incidents/{i.id}"),
    Case("POST", "/api/incidents/<int:incident_id>/escalate", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/api/incidents/{i.id}/escalate"),
    Case("POST", "/api/incidents/<int:incident_id>/status", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/api/incidents/{i.id}/status", lambda i: {"status": "recovery"}),
    Case("POST", "/api/incidents/<int:incident_id>/needs", "incident", ADMINISTRATORS, 201, 404, lambda i: f"/api/incidents/{i.id}/needs", new_need),
    Case("GET", "/api/incidents/<int:incident_id>/timeline", "incident", EVERYONE, 200, 404, lambda i: f"/api/incidents/{i.id}/timeline"),
    Case("GET", "/api/incidents/<int:incident_id>/needs", "incident", EVERYONE, 200, 404, lambda i: f"/api/incidents/{i.id}/needs"),
    Case("GET", "/incidents/<int:incident_id>/report", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/incidents/{i.id}/report"),
    Case("GET", "/incidents/<int:incident_id>/report.xlsx", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/incidents/{i.id}/report.xlsx"),
    Case("POST", "/api/incidents/<int:incident_id>/candidates", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/api/incidents/{i.id}/candidates", new_need),
    Case("GET", "/api/incidents/<int:incident_id>/plan", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/api/incidents/{i.id}/plan"),
    Case("GET", "/api/needs/<int:need_id>", "need", EVERYONE, 200, 404, lambda n: f"/api/needs/{n.id}"),
    Case("GET", "/api/needs/<int:need_id>/candidates", "need", ADMINISTRATORS, 200, 404, lambda n: f"/api/needs/{n.id}/candidates"),
    # A chosen organization that is no candidate: reached but refused (422) in scope, not found (404) outside it.
    Case("POST", "/api/needs/<int:need_id>/offers", "need", ADMINISTRATORS, 422, 404, lambda n: f"/api/needs/{n.id}/offers", lambda n: {"organization_id": 999_999}),
    Case("POST", "/api/needs/<int:need_id>/cancel", "need", ADMINISTRATORS, 200, 404, lambda n: f"/api/needs/{n.id}/cancel"),
    Case("POST", "/api/needs/<int:need_id>/close", "need", ADMINISTRATORS, 200, 404, lambda n: f"/api/needs/{n.id}/close"),
    # The need asks the whole jurisdiction already: reached but refused (422) in scope.
    Case("POST", "/api/needs/<int:need_id>/widen", "need", ADMINISTRATORS, 422, 404, lambda n: f"/api/needs/{n.id}/widen", lambda n: {"radius_km": 5}),
    Case("GET", "/api/assignments/<int:assignment_id>", "assignment", EVERYONE, 200, 404, lambda a: f"/api/assignments/{a.id}"),
    Case("POST", "/api/assignments/<int:assignment_id>/accept", "assignment", ANSWERERS, 200, 404, lambda a: f"/api/assignments/{a.id}/accept", lambda a: {"head_count": 1}),
    Case("POST", "/api/assignments/<int:assignment_id>/decline", "assignment", ANSWERERS, 200, 404, lambda a: f"/api/assignments/{a.id}/decline", lambda a: {"reason": "人手不足"}),
    Case("POST", "/api/assignments/<int:assignment_id>/cancel", "assignment", ADMINISTRATORS, 200, 404, lambda a: f"/api/assignments/{a.id}/cancel", lambda a: {"reason": ""}),
    Case("GET", "/api/training-sessions/<int:session_id>", "training", ADMINISTRATORS | {LEADER}, 200, 404, lambda t: f"/api/training-sessions/{t.id}"),
    Case("POST", "/api/training-sessions", "subdistrict", ADMINISTRATORS, 201, 422, lambda s: "/api/training-sessions", lambda s: {"title": "救护培训", "organizer": "红十字会", "held_on": "2026-06-01", "hours": 4, "subdistrict_id": s.id}),
    Case("POST", "/api/training-sessions/<int:session_id>/attendees", "training", ADMINISTRATORS, 200, 404, lambda t: f"/api/training-sessions/{t.id}/attendees", lambda t: {"member_ids": [a_member_of(t.subdistrict_id)]}),
    Case("POST", "/training", "subdistrict", ADMINISTRATORS, 302, 422, lambda s: "/training", lambda s: {"title": "救护培训", "organizer": "红十字会", "held_on": "2026-06-01", "hours": "4", "subdistrict_id": str(s.id)}, upload=True),
    Case("GET", "/training/<int:session_id>", "training", ADMINISTRATORS | {LEADER}, 200, 404, lambda t: f"/training/{t.id}"),
    Case("POST", "/training/<int:session_id>/attendees", "training", ADMINISTRATORS, 302, 404, lambda t: f"/training/{t.id}/attendees", lambda t: {"member_ids": str(a_member_of(t.subdistrict_id))}, upload=True),
    Case("POST", "/organizations/<int:organization_id>/certificate-reminder", "certificate", ADMINISTRATORS, 302, 404, lambda o: f"/organizations/{o.id}/certificate-reminder", lambda o: {}, upload=True),
    Case("POST", "/api/organizations/<int:organization_id>/certificate-reminder", "certificate", ADMINISTRATORS, 200, 404, lambda o: f"/api/organizations/{o.id}/certificate-reminder"),
    Case("POST", "/api/complaints", "county_organization", EVERYONE, 201, 422, lambda o: "/api/complaints", lambda o: {"organization_id": o.id, "summary": "态度恶劣"}),
    Case("GET", "/api/complaints/<int:complaint_id>", "complaint", ADMINISTRATORS | {LEADER}, 200, 404, lambda c: f"/api/complaints/{c.id}"),
    Case("POST", "/organizations/<int:organization_id>/complaints", "county_organization", EVERYONE, 302, 422, lambda o: f"/organizations/{o.id}/complaints", lambda o: {"summary": "态度恶劣"}, upload=True),
    Case("POST", "/complaints/<int:complaint_id>/decision", "complaint", ADMINISTRATORS, 302, 404, lambda c: f"/complaints/{c.id}/decision", lambda c: {"outcome": "upheld"}, upload=True),
    Case("POST", "/api/complaints/<int:complaint_id>/decision", "complaint", ADMINISTRATORS, 200, 404, lambda c: f"/api/complaints/{c.id}/decision", lambda c: {"outcome": "upheld"}),
    Case("POST", "/api/risks", "cell", EVERYONE, 201, 422, lambda c: "/api/risks", lambda c: {"category": "fire", "location": dict(zip(("lon", "lat"), middle_of(c), strict=True))}),
    Case("GET", "/api/risks/<int:risk_id>", "risk", EVERYONE, 200, 404, lambda r: f"/api/risks/{r.id}"),
    Case("POST", "/api/risks/<int:risk_id>/incident", "risk", ADMINISTRATORS, 200, 404, lambda r: f"/api/risks/{r.id}/incident", lambda r: {"title": "积水", "category": "natural_disaster", "level": "IV"}),
    Case("POST", "/api/risks/<int:risk_id>/need", "risk", ADMINISTRATORS, 200, 404, lambda r: f"/api/risks/{r.id}/need", lambda r: {"incident_id": an_incident_of(r.subdistrict_id), "skills": ["logistics"], "head_count": 1}),
    Case("POST", "/api/risks/<int:risk_id>/dismiss", "risk", ADMINISTRATORS, 200, 404, lambda r: f"/api/risks/{r.id}/dismiss", lambda r: {"note": ""}),
    Case("GET", "/api/evaluations", "subdistrict", ADMINISTRATORS | {LEADER}, 200, 422, lambda s: f"/api/evaluations?period=2026&subdistrict_id={s.id}"),
    Case("POST", "/api/evaluations/publish", "subdistrict", ADMINISTRATORS, 200, 422, lambda s: "/api/evaluations/publish", lambda s: {"period": "2026", "subdistrict_id": s.id}),
    Case("GET", "/evaluations", "subdistrict", ADMINISTRATORS | {LEADER}, 200, 422, lambda s: f"/evaluations?period=2026&subdistrict_id={s.id}"),
    Case("GET", "/evaluations.xlsx", "subdistrict", ADMINISTRATORS | {LEADER}, 200, 422, lambda s: f"/evaluations.xlsx?period=2026&subdistrict_id={s.id}"),
    Case("POST", "/evaluations/publish", "subdistrict", ADMINISTRATORS, 302, 422, lambda s: "/evaluations/publish", lambda s: {"period": "2026", "subdistrict_id": str(s.id)}, upload=True),
    # Recovery: the dispatch world's incident is active, so a task there is reached but refused (422) in scope.
    Case("GET", "/incidents/<int:incident_id>/recovery", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/incidents/{i.id}/recovery"),
    Case("GET", "/api/incidents/<int:incident_id>/recovery", "incident", EVERYONE, 200, 404, lambda i: f"/api/incidents/{i.id}/recovery"),
    Case("POST", "/api/incidents/<int:incident_id>/recovery-tasks", "incident", ADMINISTRATORS, 422, 404, lambda i: f"/api/incidents/{i.id}/recovery-tasks", lambda i: {**new_need(i), "what": "清淤"}),
    Case("POST", "/api/needs/<int:need_id>/recovery-task", "need", ADMINISTRATORS, 422, 404, lambda n: f"/api/needs/{n.id}/recovery-task", lambda n: {}),
    Case("GET", "/api/recovery-tasks/<int:task_id>", "recovery_task", EVERYONE, 200, 404, lambda t: f"/api/recovery-tasks/{t.id}"),
    # Nobody has done the work yet: the grid worker reaches the task but cannot confirm it (409).
    Case("POST", "/api/recovery-tasks/<int:task_id>/confirm", "recovery_task", {GRID}, 409, 404, lambda t: f"/api/recovery-tasks/{t.id}/confirm", lambda t: {}),
    # Progress on response work, not recovery: reached but refused (409) in scope.
    Case("POST", "/api/assignments/<int:assignment_id>/progress", "assignment", ANSWERERS, 409, 404, lambda a: f"/api/assignments/{a.id}/progress", lambda a: {"percent": 10}),
    # Progress on an offer not yet accepted: reached but refused (409) in scope.
    *[
        Case("POST", f"/api/assignments/<int:assignment_id>/{step}", "assignment", ANSWERERS, 409, 404, lambda a, step=step: f"/api/assignments/{a.id}/{step}", lambda a: {"note": ""})
        for step in ("depart", "arrive", "complete", "abort")
    ],
    # Drills: started for one's own subdistrict (another's is refused, 422), then run, stopped and reported on.
    Case("POST", "/api/drills", "subdistrict", ADMINISTRATORS, 201, 422, lambda s: "/api/drills", lambda s: {"scenario": drill_scenario(), "mode": "manual", "subdistrict_id": s.id}),
    Case("GET", "/api/drills/<int:run_id>", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/api/drills/{d.id}"),
    Case("POST", "/api/drills/<int:run_id>/step", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/api/drills/{d.id}/step"),
    Case("POST", "/api/drills/<int:run_id>/stop", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/api/drills/{d.id}/stop"),
    Case("GET", "/api/drills/<int:run_id>/report", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/api/drills/{d.id}/report"),
    # The drill pages: the form posts a scenario (multipart), the buttons redirect to the report page.
    Case("POST", "/api/plans", "subdistrict", ADMINISTRATORS, 201, 422, lambda s: "/api/plans", lambda s: {"text": plan_of(a_cell_of(s.id)), "subdistrict_id": s.id}),
    Case("GET", "/api/plans/<int:plan_id>", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/api/plans/{p.id}"),
    Case("PUT", "/api/plans/<int:plan_id>", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/api/plans/{p.id}", lambda p: {"text": plan_of(a_cell_of(p.subdistrict_id), title="修订")}),
    Case("GET", "/api/plans/<int:plan_id>/versions/<int:version>", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/api/plans/{p.id}/versions/1"),
    Case("POST", "/api/plans/<int:plan_id>/withdraw", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/api/plans/{p.id}/withdraw"),
    Case("GET", "/api/plans/<int:plan_id>/preview", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/api/plans/{p.id}/preview"),
    Case("GET", "/api/incidents/<int:incident_id>/plans", "incident", ADMINISTRATORS, 200, 404, lambda i: f"/api/incidents/{i.id}/plans"),
    Case("POST", "/plans", "subdistrict", ADMINISTRATORS, 302, 422, lambda s: "/plans", lambda s: {"text": plan_of(a_cell_of(s.id)), "subdistrict_id": str(s.id)}, upload=True),
    Case("GET", "/plans/<int:plan_id>", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/plans/{p.id}"),
    Case("GET", "/plans/<int:plan_id>/edit", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/plans/{p.id}/edit"),
    Case("POST", "/plans/<int:plan_id>", "plan", ADMINISTRATORS, 302, 404, lambda p: f"/plans/{p.id}", lambda p: {"text": plan_of(a_cell_of(p.subdistrict_id), title="修订")}, upload=True),
    Case("POST", "/plans/<int:plan_id>/withdraw", "plan", ADMINISTRATORS, 302, 404, lambda p: f"/plans/{p.id}/withdraw", lambda p: {}, upload=True),
    Case("GET", "/plans/<int:plan_id>/versions/<int:version>.yaml", "plan", ADMINISTRATORS, 200, 404, lambda p: f"/plans/{p.id}/versions/1.yaml"),
    Case("POST", "/api/warnings", "subdistrict", ADMINISTRATORS, 201, 422, lambda s: "/api/warnings", lambda s: {"kind": "rainstorm", "colour": "blue", "headline": "暴雨", "subdistrict_ids": [s.id]}),
    Case("GET", "/api/warnings/<int:warning_id>", "warning", ADMINISTRATORS, 200, 404, lambda w: f"/api/warnings/{w.id}"),
    Case("POST", "/api/warnings/<int:warning_id>/lift", "warning", ADMINISTRATORS, 200, 404, lambda w: f"/api/warnings/{w.id}/lift"),
    Case("GET", "/api/warnings/<int:warning_id>/standby", "warning", ADMINISTRATORS, 200, 404, lambda w: f"/api/warnings/{w.id}/standby"),
    Case("POST", "/api/warnings/<int:warning_id>/ask-again", "warning", ADMINISTRATORS, 200, 404, lambda w: f"/api/warnings/{w.id}/ask-again"),
    Case("POST", "/api/standby/<int:poll_id>/answer", "poll", ANSWERERS, 200, 404, lambda p: f"/api/standby/{p.id}/answer", lambda p: {"ready": 2}),
    Case("POST", "/drills", "subdistrict", ADMINISTRATORS, 302, 422, lambda s: "/drills", lambda s: {"scenario": drill_scenario(), "mode": "manual", "subdistrict_id": str(s.id)}, upload=True),
    Case("GET", "/drills/<int:run_id>/report", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/drills/{d.id}/report"),
    Case("GET", "/drills/<int:run_id>/report.xlsx", "drill", ADMINISTRATORS, 200, 404, lambda d: f"/drills/{d.id}/report.xlsx"),
    Case("POST", "/drills/<int:run_id>/step", "drill", ADMINISTRATORS, 302, 404, lambda d: f"/drills/{d.id}/step", lambda d: {}, upload=True),
    Case("POST", "/drills/<int:run_id>/stop", "drill", ADMINISTRATORS, 302, 404, lambda d: f"/drills/{d.id}/stop", lambda d: {}, upload=True),
]  # fmt: skip


@dataclass(frozen=True)
class ListCase:
    rule: str
    kind: str
    shows: Callable[[object, object], bool]  # (response, record) -> is the record in the answer?
    allowed: frozenset[Role] = frozenset(EVERYONE)  # the others are refused (403)

    def __str__(self) -> str:
        return f"GET {self.rule}"


def _ids(response) -> set[int]:
    return {item["id"] for item in response.get_json()["items"]}


def _workbook_names(response) -> set[str]:
    """The organizations named in the registry workbook's first column (organizations, then members' organizations)."""
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return {row[0] for row in book["组织"].iter_rows(min_row=2, values_only=True)} | {
        row[1] for row in book["成员"].iter_rows(min_row=2, values_only=True)
    }


LIST_CASES = [
    ListCase("/duty-groups", "duty_group", lambda r, g: f'data-group="{g.id}"' in r.get_data(as_text=True), frozenset(ADMINISTRATORS)),
    ListCase("/api/organizations", "organization", lambda r, o: o.id in _ids(r)),
    ListCase("/api/cells", "cell", lambda r, c: c.id in _ids(r)),
    ListCase("/api/communities", "community", lambda r, c: c.id in _ids(r)),
    ListCase("/api/subdistricts", "subdistrict", lambda r, s: s.id in _ids(r)),
    ListCase("/organizations", "organization", lambda r, o: o.name in r.get_data(as_text=True)),
    ListCase("/cells", "cell", lambda r, c: c.name in r.get_data(as_text=True)),
    ListCase("/api/incidents", "incident", lambda r, i: i.id in _ids(r)),
    ListCase("/api/assignments", "assignment", lambda r, a: a.id in _ids(r)),
    ListCase("/api/events", "assignment", lambda r, a: a.id in {e["assignment_id"] for e in r.get_json()["items"]}),
    ListCase("/api/complaints", "complaint", lambda r, c: c.id in _ids(r), frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/complaints", "complaint", lambda r, c: f'data-complaint="{c.id}"' in r.get_data(as_text=True), frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/api/risks", "risk", lambda r, k: k.id in _ids(r)),
    ListCase("/training", "training", lambda r, t: f"/training/{t.id}" in r.get_data(as_text=True), frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/certificates/expiring", "certificate", lambda r, o: f'data-organization="{o.id}"' in r.get_data(as_text=True), frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/api/training-sessions", "training", lambda r, t: t.id in _ids(r), frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/api/certifications/expiring", "certificate", lambda r, o: o.id in {g["organization"]["id"] for g in r.get_json()["items"]}, frozenset(ADMINISTRATORS | {LEADER})),
    ListCase("/api/plans", "plan", lambda r, p: p.id in _ids(r), frozenset(ADMINISTRATORS)),
    ListCase("/plans", "plan", lambda r, p: f'data-plan="{p.id}"' in r.get_data(as_text=True), frozenset(ADMINISTRATORS)),
    ListCase("/api/warnings", "warning", lambda r, w: w.id in _ids(r), frozenset(ADMINISTRATORS)),
    ListCase("/api/standby", "poll", lambda r, p: p.id in _ids(r)),
    ListCase("/api/drills", "drill", lambda r, d: d.id in _ids(r), frozenset(ADMINISTRATORS)),
    ListCase("/drills", "drill", lambda r, d: f"/drills/{d.id}/report" in r.get_data(as_text=True), frozenset(ADMINISTRATORS)),
    ListCase("/registry.xlsx", "organization", lambda r, o: o.name in _workbook_names(r), frozenset(ADMINISTRATORS)),
    # The county administrator's pages: each of the county's subdistricts in a row, none of another county's.
    ListCase("/overview", "subdistrict", lambda r, s: f'data-subdistrict="{s.id}"' in r.get_data(as_text=True), frozenset({ADMIN})),
    ListCase("/evaluations/county", "subdistrict", lambda r, s: f'data-subdistrict="{s.id}"' in r.get_data(as_text=True), frozenset({ADMIN})),
    ListCase("/api/evaluations/county", "subdistrict", lambda r, s: s.id in {row["subdistrict"]["id"] for row in r.get_json()["subdistricts"]}, frozenset({ADMIN})),
    ListCase("/audit", "audit", lambda r, a: f'data-record="{a.id}"' in r.get_data(as_text=True), frozenset({ADMIN})),
    ListCase("/accounts", "account", lambda r, u: f'data-account="{u.id}"' in r.get_data(as_text=True), frozenset({ADMIN})),
    ListCase("/audit.csv", "audit", lambda r, a: f"\n{a.id}," in r.get_data(as_text=True), frozenset({ADMIN})),
]  # fmt: skip

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
# A person's own account: their sessions, second factor and password, whatever their role; a session id of
# someone else's ends nothing (tests/integration/test_sessions.py).
OWN_ACCOUNT = {
    ("GET", "/account"), ("POST", "/account/sessions/<session_id>/end"), ("POST", "/account/sessions/end-others"),
    ("GET", "/account/two-factor"), ("POST", "/account/two-factor"), ("POST", "/account/recovery-codes"),
    ("GET", "/password"), ("POST", "/password"),
}  # fmt: skip
# Live pages hold no record (what they show comes from the scoped API) and each is for some roles only
# (tests/integration/test_live_pages.py).
LIVE_PAGES = {("GET", "/board"), ("GET", "/m"), ("GET", "/grid"), ("GET", "/risks")}
PUBLIC = {
    ("GET", "/healthz"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/lang/<code>"),
    ("GET", "/api/openapi.json"), ("GET", "/static/<path:filename>"), ("GET", "/"), ("GET", "/m/manifest.webmanifest"),
    ("GET", "/m/sw.js"), ("GET", "/login/code"), ("POST", "/login/code"), ("POST", "/login/code/verify"),
    # Between the password and the second factor: only whoever passed the password, for five minutes
    # (tests/integration/test_two_factor.py).
    ("GET", "/login/second-factor"), ("POST", "/login/second-factor"), ("GET", "/login/second-factor/enrol"),
    ("POST", "/login/second-factor/enrol"),
    # Published scorecards: figures only, for anyone (tests/integration/test_evaluations.py).
    ("GET", "/scorecards"), ("GET", "/scorecards/<code>/<period>"), ("GET", "/scorecards/<code>/<period>/scorecards.csv"),
    ("GET", "/scorecards/<code>/<period>/scorecards.xlsx"),
}  # fmt: skip
# Landmarks are the county's: an upload writes into the uploader's own county whatever it names, by administrators
# only (tests/integration/test_import_landmarks.py).
COUNTY_IMPORTS = {("POST", "/api/imports/landmarks")}
# A CAP warning is read into the reader's own county, whatever area it names; one outside it is refused
# (tests/integration/test_warnings.py).
WARNING_IMPORTS = {("POST", "/api/warnings/cap")}
# A duty group robot is registered into the registering office's own subdistrict or county, whatever the form says,
# by administrators only (tests/integration/test_duty_group_pages.py).
OWN_OFFICE_ROBOTS = {("POST", "/duty-groups")}
# Writing a plan (an empty editor) holds no record; starting one names two, the incident and the plan, each refused
# when not the caller's (tests/integration/test_plans.py, test_plan_pages.py).
PLAN_STARTS_AND_EDITOR = {("POST", "/api/incidents/<int:incident_id>/plans/<int:plan_id>/start"), ("GET", "/plans/new")}
# Twilio's webhooks answer no user: each must carry Twilio's signature (tests/integration/test_twilio_webhooks.py).
TWILIO_SIGNED = {
    ("POST", "/twilio/sms"), ("POST", "/twilio/status"), ("POST", "/twilio/voice/<int:outbox_id>"),
    ("POST", "/twilio/voice/<int:outbox_id>/answer"),
}  # fmt: skip
# Aliyun's pushes answer no user: the path carries the configured secret, a wrong one is 404
# (test_a_wrong_token_or_address_gets_404_and_changes_nothing in tests/integration/test_aliyun_sms.py).
ALIYUN_SECRET_PATH = {("POST", "/aliyun/<token>/report"), ("POST", "/aliyun/<token>/reply")}


# The one-tap offer link answers no user: its token is the key, for whoever holds it, logged in or not, and opens its
# one offer only (test_an_offer_link_opens_its_own_offer_whoever_holds_it; tests/integration/test_offer_tap_link.py).
ONE_OFFER_LINKS = {("GET", "/t/<token>"), ("POST", "/t/<token>")}
# The metrics answer no user: the token in METRICS_TOKEN, or a request made on the server itself straight to a web
# process (tests/integration/test_metrics_and_logs.py, tests/deploy/test_operator_view.py).
METRICS = {("GET", "/metrics")}


# Records a refusal must not add to (counted, as they have no state to change).
RECORDS_WITHOUT_STATE = (
    TrainingSession, TrainingAttendance, Certification, OutboxMessage, Complaint, RiskReport, Evaluation, RecoveryTask, ProgressReport,
    DrillRun, Plan, PlanVersion, IncidentPlan, EarlyWarning, StandbyPoll,
)  # fmt: skip


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    orgs = tuple(
        db.session.execute(
            select(Organization.id, Organization.name, Organization.leader_name, Organization.active).order_by(Organization.id)
        )
    )
    cells = tuple(db.session.execute(select(GridCell.id, GridCell.name).order_by(GridCell.id)))
    members = tuple(db.session.execute(select(Member.id, Member.name).order_by(Member.id)))
    incidents = tuple(db.session.execute(select(Incident.id, Incident.status, Incident.escalated_at).order_by(Incident.id)))
    needs = tuple(db.session.execute(select(Need.id, Need.status, Need.accepted).order_by(Need.id)))
    offers = tuple(db.session.execute(select(Assignment.id, Assignment.state, Assignment.head_count).order_by(Assignment.id)))
    concerns = tuple(db.session.execute(select(Complaint.id, Complaint.status).order_by(Complaint.id))) + tuple(
        db.session.execute(select(RiskReport.id, RiskReport.status).order_by(RiskReport.id))
    )
    rows = concerns + tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Event, *RECORDS_WITHOUT_STATE))
    return orgs, cells, members, incidents, needs, offers, rows


def test_every_route_is_in_the_table(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = (
        {(c.method, c.rule) for c in CASES}
        | {("GET", c.rule) for c in LIST_CASES}
        | GEO_RULES
        | UNSCOPED
        | OWN_ACCOUNT
        | PUBLIC
        | TWILIO_SIGNED
        | ALIYUN_SECRET_PATH
        | ONE_OFFER_LINKS
        | METRICS
        | LIVE_PAGES
        | COUNTY_IMPORTS
        | OWN_OFFICE_ROBOTS
        | PLAN_STARTS_AND_EDITOR
        | WARNING_IMPORTS
    )
    assert routes - covered == set(), "add these routes to the scope table"
    assert covered - routes == set(), "the table names routes the app does not have"


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", [ADMIN, DUTY, LEADER, GRID], ids=lambda r: r.value)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_record_endpoint_answers_by_role_and_scope(case: Case, role: Role, which: str, request, browser):
    world = world_for(case, request)
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
def test_lists_show_only_records_in_scope(case: ListCase, role: Role, request, browser):
    world = world_for(case, request)
    response = browser(getattr(world, USERS[role])).get(case.rule)
    if role not in case.allowed:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert case.shows(response, target(world, case.kind, role, "own"))
    assert not case.shows(response, target(world, case.kind, role, "other"))


@pytest.mark.parametrize("case", CASES + LIST_CASES, ids=str)
def test_anonymous_callers_are_turned_away(case, request, app):
    world = world_for(case, request)
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


@pytest.mark.parametrize("role", [None, ADMIN, DUTY, LEADER, GRID], ids=lambda r: r.value if r else "anonymous")
def test_an_offer_link_opens_its_own_offer_whoever_holds_it(role, dispatch_world, browser):
    world = dispatch_world
    client = browser(getattr(world, USERS[role])) if role else browser()
    offers = [world.offer_a1, world.offer_a1b, world.offer_a2, world.offer_b1]
    for offer in offers:
        page = client.get(f"/t/{tap_token(offer.id)}")
        assert page.status_code == 200 and offer.need.incident.title in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    key = link_key()
    for mine, other in ((world.offer_a1, world.offer_a1b), (world.offer_a1, world.offer_b1), (world.offer_b1, world.offer_a2)):
        forged = token_for(mine.id, key)[:14] + token_for(other.id, key)[14:]
        before = snapshot()
        assert client.get(f"/t/{forged}").status_code == 404
        form = {"csrf_token": csrf, "action": "accept", "head_count": "1"}
        assert client.open(f"/t/{forged}", method="POST", data=form).status_code == 404
        assert snapshot() == before
    me = client.get("/api/me")
    assert me.status_code == (200 if role else 401) and (not role or me.get_json()["role"] == role.value)
