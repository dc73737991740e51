"""Factories for test data: ``make_organization()`` and friends, and a small two-county world for scope tests."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from dispatch.domain.credit_code import make_credit_code
from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.registry import OrgStatus, SubdistrictKind
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import (
    Assignment,
    Certification,
    Community,
    County,
    GridCell,
    Incident,
    Member,
    Need,
    Organization,
    OrganizationSkill,
    Skill,
    Subdistrict,
    User,
)
from dispatch.services.identity.users import create_user

_serial = itertools.count(1)


def _next() -> int:
    return next(_serial)


def _code_part(n: int, digits: int) -> str:
    """The last ``digits`` digits of a serial: codes have fixed widths (a county 6, a subdistrict 9), the serial runs
    on through the whole session, and a test's database starts empty, so codes need only differ within one test."""
    return f"{n % 10**digits:0{digits}d}"


def square(lon: float, lat: float, size: float = 0.01) -> dict:
    """A GeoJSON Polygon: a square with its south-west corner at (lon, lat), counter-clockwise."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def mobile(n: int | None = None) -> str:
    return f"+86138{(n if n is not None else _next()) % 100_000_000:08d}"


def credit_code(n: int | None = None) -> str:
    n = n if n is not None else _next()
    return make_credit_code("5", "1", "330106", f"MJ{n:07d}")


def skill(code: str) -> Skill:
    return db.session.scalar(select(Skill).where(Skill.code == code))


def make_county(**fields) -> County:
    n = _next()
    county = County(**{"code": f"33{_code_part(n, 4)}", "name_zh": f"测试县{n}", "name_en": f"Test County {n}", **fields})
    db.session.add(county)
    db.session.flush()
    return county


def make_subdistrict(county: County | None = None, **fields) -> Subdistrict:
    n = _next()
    county = county or make_county()
    values = {
        "code": f"{county.code}{_code_part(n, 3)}",
        "name_zh": f"测试街道{n}",
        "name_en": f"Test Street {n}",
        "kind": SubdistrictKind.STREET,
    }
    subdistrict = Subdistrict(county=county, **{**values, **fields})
    db.session.add(subdistrict)
    db.session.flush()
    return subdistrict


def make_community(subdistrict: Subdistrict | None = None, **fields) -> Community:
    n = _next()
    subdistrict = subdistrict or make_subdistrict()
    community = Community(
        subdistrict=subdistrict, **{"code": f"{subdistrict.code}{_code_part(n, 3)}", "name_zh": f"测试社区{n}", **fields}
    )
    db.session.add(community)
    db.session.flush()
    return community


def make_cell(community: Community | None = None, lon: float = 120.10, lat: float = 30.27, **fields) -> GridCell:
    n = _next()
    community = community or make_community()
    geometry = square(lon, lat)
    values = {"code": f"CELL-{n}", "name": f"测试网格{n}", "worker_name": "王网格", "worker_phone": mobile()}
    cell = GridCell(community=community, geometry=json.dumps(geometry), **{**values, **fields})
    cell.min_lon, cell.min_lat, cell.max_lon, cell.max_lat = lon, lat, lon + 0.01, lat + 0.01
    db.session.add(cell)
    db.session.flush()
    return cell


def make_organization(
    community: Community | None = None, cells: list[GridCell] = (), skills: dict[str, int] | None = None, **fields
) -> Organization:
    n = _next()
    community = community or make_community()
    values = {
        "name": f"测试志愿服务队{n}", "status": OrgStatus.FILED, "leader_name": "李队长", "leader_phone": mobile(),
        "base_lon": 120.105, "base_lat": 30.275, "active": True,
    }  # fmt: skip
    offered = [(skill(code), capacity) for code, capacity in (skills or {"rescue": 10, "logistics": 5}).items()]
    org = Organization(community=community, cells=list(cells), **{**values, **fields})
    org.skills = [OrganizationSkill(skill=found, capacity=capacity) for found, capacity in offered]
    db.session.add(org)
    db.session.flush()
    return org


def make_member(
    organization: Organization, skills: tuple[str, ...] = ("rescue",), certified_until: date | None = None, **fields
) -> Member:
    skills_found = [skill(code) for code in skills]
    member = Member(organization=organization, **{"name": f"队员{_next()}", "phone": mobile(), **fields})
    member.skills = skills_found
    if certified_until:
        member.certifications = [Certification(skill=skills_found[0], issuer="杭州市红十字会", expires_on=certified_until)]
    db.session.add(member)
    db.session.flush()
    return member


def make_user(role: Role, **scope) -> User:
    db.session.commit()
    return create_user(f"user{_next()}", World.PASSWORD, role, issued=False, **scope)  # not asked to change it


@dataclass
class World:
    """Two counties. In county A: subdistrict A1 (the duty officer's) and A2; county B: B1.

    Each role has an "own" record it may reach and an "other" one it must not.
    """

    PASSWORD = "Correct horse battery 9"  # passes the password rules: 10 characters, 3 of 4 classes

    county_a: County
    county_b: County
    sub_a1: Subdistrict
    sub_a2: Subdistrict
    sub_b1: Subdistrict
    community_a1: Community
    community_a2: Community
    community_b1: Community
    cell_a1: GridCell
    cell_a1b: GridCell
    cell_a2: GridCell
    cell_b1: GridCell
    org_a1: Organization
    org_a1b: Organization
    org_a2: Organization
    org_b1: Organization
    admin: User
    duty: User
    leader: User
    grid: User


def build_world() -> World:
    county_a, county_b = make_county(), make_county()
    sub_a1, sub_a2, sub_b1 = make_subdistrict(county_a), make_subdistrict(county_a), make_subdistrict(county_b)
    community_a1, community_a2, community_b1 = make_community(sub_a1), make_community(sub_a2), make_community(sub_b1)
    cell_a1, cell_a1b = make_cell(community_a1, 120.10, 30.27), make_cell(community_a1, 120.11, 30.27)
    cell_a2, cell_b1 = make_cell(community_a2, 120.12, 30.27), make_cell(community_b1, 120.30, 30.40)
    org_a1, org_a1b = make_organization(community_a1, [cell_a1]), make_organization(community_a1, [cell_a1b])
    org_a2, org_b1 = (
        make_organization(community_a2, [cell_a2]),
        make_organization(community_b1, [cell_b1], base_lon=120.305, base_lat=30.405),
    )
    for org in (org_a1, org_a1b, org_a2, org_b1):
        make_member(org)
    return World(
        county_a, county_b, sub_a1, sub_a2, sub_b1, community_a1, community_a2, community_b1,
        cell_a1, cell_a1b, cell_a2, cell_b1, org_a1, org_a1b, org_a2, org_b1,
        admin=make_user(Role.ADMIN, county_id=county_a.id),
        duty=make_user(Role.DUTY_OFFICER, subdistrict_id=sub_a1.id),
        leader=make_user(Role.ORG_LEADER, organization_id=org_a1.id),
        grid=make_user(Role.GRID_WORKER, cell_ids=[cell_a1.id]),
    )  # fmt: skip


def make_incident(subdistrict: Subdistrict, **fields) -> Incident:
    values = {"title": f"测试事件{_next()}", "category": IncidentCategory.NATURAL_DISASTER, "level": IncidentLevel.III}
    incident = Incident(subdistrict=subdistrict, **{**values, **fields})
    db.session.add(incident)
    db.session.flush()
    return incident


def make_need(incident: Incident, cell: GridCell, skills: tuple[str, ...] = ("logistics",), **fields) -> Need:
    lon, lat = (cell.min_lon + cell.max_lon) / 2, (cell.min_lat + cell.max_lat) / 2
    wanted = [skill(code) for code in skills]
    need = Need(incident=incident, cell=cell, lon=lon, lat=lat, skills=wanted, **{"head_count": 5, **fields})
    db.session.add(need)
    db.session.flush()
    return need


def make_offer(need: Need, organization: Organization, **fields) -> Assignment:
    now = datetime.now(UTC)
    values = {
        "short_code": f"T{_next() % 1000:03d}",
        "rank": 1,
        "score": 0.5,
        "offered_at": now,
        "deadline": now + timedelta(minutes=10),
    }
    assignment = Assignment(need=need, organization=organization, **{**values, **fields})
    db.session.add(assignment)
    db.session.flush()
    return assignment
