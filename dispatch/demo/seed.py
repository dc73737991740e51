"""Load the demo district through the same importers real data uses, and create its demo logins."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from dispatch.demo.district import DemoDistrict, build_demo_district
from dispatch.demo.landmarks import landmark_rows
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Community, County, GridCell, Organization, Subdistrict, User
from dispatch.services.identity.users import create_user
from dispatch.services.imports.landmarks import import_landmarks
from dispatch.services.imports.members import import_members
from dispatch.services.imports.organizations import import_organizations
from dispatch.services.imports.places import import_places
from dispatch.services.registry.skills import seed_skills

# A demo on a laptop, never a real deployment: the README says to create real users with `create-user`. The demo
# accounts are not asked to change it (they are the demo); production refuses to start while one still has it.
DEMO_PASSWORD = "xihu-demo-2020"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    scope: str


def seed_demo(seed: int = 2020) -> list[DemoLogin]:
    """Seed skills, places, landmarks, organizations, members and users of the demo district, if the database is empty."""
    seed_skills()
    if db.session.scalar(select(County.id).limit(1)) is None:
        district = build_demo_district(seed)
        import_places(_feature_collection(district))
        county_id = db.session.scalar(select(County.id).where(County.code == district.county.code))
        import_landmarks(_numbered(landmark_rows()), county_id=county_id)
        import_organizations(_numbered(_organization_rows(district)))
        import_members(_numbered(_member_rows(district)))
        _create_users()
    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    users = db.session.scalars(select(User).where(User.username.like("demo-%")).order_by(User.id))
    return [DemoLogin(u.username, u.role, u.display_name) for u in users]


def _numbered(rows: Iterator[dict]) -> Iterator[tuple[int, dict]]:
    return ((line, row) for line, row in enumerate(rows, start=2))


def _feature_collection(district: DemoDistrict) -> dict:
    subdistricts = {s.code: s for s in district.subdistricts}
    communities = {c.code: c for c in district.communities}
    features = []
    for cell in district.cells:
        community = communities[cell.community_code]
        subdistrict = subdistricts[community.subdistrict_code]
        properties = {
            "county_code": district.county.code, "county_name": district.county.name_zh, "county_name_en": district.county.name_en,
            "subdistrict_code": subdistrict.code, "subdistrict_name": subdistrict.name_zh, "subdistrict_name_en": subdistrict.name_en,
            "subdistrict_kind": subdistrict.kind, "community_code": community.code, "community_name": community.name_zh,
            "code": cell.code, "name": cell.name_zh, "worker_name": cell.grid_worker_name, "worker_phone": cell.grid_worker_mobile,
        }  # fmt: skip
        geometry = {"type": "Polygon", "coordinates": [[list(point) for point in ring] for ring in cell.polygon]}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def _organization_rows(district: DemoDistrict) -> Iterator[dict]:
    for org in district.organizations:
        yield {
            "name": org.name, "status": org.status, "credit_code": org.credit_code or "",
            "community_code": org.community_code, "cell_codes": ";".join(org.served_cell_codes),
            "base_lon": str(org.base_lon), "base_lat": str(org.base_lat),
            "skills": ";".join(f"{s.skill_code}:{s.capacity}" for s in org.skills),
            "leader_name": org.leader_name, "leader_phone": org.leader_mobile, "active": str(org.active).lower(),
        }  # fmt: skip


def _member_rows(district: DemoDistrict) -> Iterator[dict]:
    community_of = {org.name: org.community_code for org in district.organizations}
    for member in district.members:
        certificates = ";".join(f"{c.skill_code}:{c.expires_on.isoformat()}:{c.issuer}" for c in member.certifications)
        yield {
            "community_code": community_of[member.organization_name], "organization_name": member.organization_name,
            "name": member.name, "phone": member.mobile, "skills": ";".join(member.skills), "certifications": certificates,
        }  # fmt: skip


def _create_users() -> None:
    county = db.session.scalar(select(County))
    subdistrict = db.session.scalar(select(Subdistrict).where(Subdistrict.name_zh == "翠苑街道")) or db.session.scalar(
        select(Subdistrict)
    )
    other = db.session.scalar(select(Subdistrict).where(Subdistrict.id != subdistrict.id).order_by(Subdistrict.id))
    org = db.session.scalar(_first_active_org(subdistrict.id))
    cells = list(
        db.session.scalars(
            select(GridCell).join(Community).where(Community.subdistrict_id == subdistrict.id).order_by(GridCell.id).limit(3)
        )
    )
    create_user(
        "demo-admin", DEMO_PASSWORD, Role.ADMIN, display_name=f"{county.name_zh}民政局", county_id=county.id, issued=False
    )
    create_user(
        "demo-duty",
        DEMO_PASSWORD,
        Role.DUTY_OFFICER,
        display_name=f"{subdistrict.name_zh}值班员",
        subdistrict_id=subdistrict.id,
        issued=False,
    )
    create_user(
        "demo-duty2",
        DEMO_PASSWORD,
        Role.DUTY_OFFICER,
        display_name=f"{other.name_zh}值班员",
        subdistrict_id=other.id,
        issued=False,
    )
    create_user(
        "demo-leader",
        DEMO_PASSWORD,
        Role.ORG_LEADER,
        display_name=f"{org.leader_name}({org.name})",
        organization_id=org.id,
        phone=org.leader_phone,
        issued=False,
    )
    create_user(
        "demo-grid",
        DEMO_PASSWORD,
        Role.GRID_WORKER,
        display_name=f"{cells[0].worker_name}（网格员）",
        cell_ids=[c.id for c in cells],
        phone=cells[0].worker_phone,
        issued=False,
    )


def _first_active_org(subdistrict_id: int):
    return (
        select(Organization)
        .join(Community)
        .where(Community.subdistrict_id == subdistrict_id, Organization.active.is_(True))
        .order_by(Organization.id)
        .limit(1)
    )
