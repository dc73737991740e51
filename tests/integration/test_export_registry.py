"""``flask export-registry DIR``: what is exported imports back into the same registry, and Excel opens it."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from dispatch.domain.registry import OrgStatus
from dispatch.extensions import db
from dispatch.models import Certification, Community, GridCell, Member, Organization, OrganizationSkill
from tests.factories import credit_code, make_member, make_organization
from tests.integration.csv_files import row_counts, run_cli

PLACES = {"counties", "subdistricts", "communities", "grid_cells", "skills"}


ORGANIZATION_GRAPH = (
    selectinload(Organization.community),
    selectinload(Organization.cells),
    selectinload(Organization.skills).selectinload(OrganizationSkill.skill),
)


def organizations_dump() -> list[tuple]:
    """Every organization as a user sees it, independent of ids and row order."""
    return sorted(
        (
            org.name, org.status.value, org.credit_code, org.community.code, tuple(sorted(c.code for c in org.cells)),
            tuple(sorted((s.skill.code, s.capacity) for s in org.skills)), org.leader_name, org.leader_phone, org.active,
            None if org.base_lon is None else (round(org.base_lon, 6), round(org.base_lat, 6)),
        )
        for org in db.session.scalars(select(Organization).options(*ORGANIZATION_GRAPH))
    )  # fmt: skip


MEMBER_GRAPH = (
    selectinload(Member.organization).selectinload(Organization.community),
    selectinload(Member.skills),
    selectinload(Member.certifications).selectinload(Certification.skill),
)


def members_dump() -> list[tuple]:
    return sorted(
        (
            m.organization.community.code, m.organization.name, m.name, m.phone, tuple(sorted(s.code for s in m.skills)),
            tuple(sorted((c.skill.code, c.expires_on, c.issuer) for c in m.certifications)),
        )
        for m in db.session.scalars(select(Member).options(*MEMBER_GRAPH))
    )  # fmt: skip


def forget_organizations_and_members() -> None:
    """Empty every table but the places and skills (users go too: leaders point at organizations).

    The event counter keeps its one row: the migration makes it, and the event log needs it. The security audit stays
    as it is: it refuses to be emptied, and holds no organization or member.
    """
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in PLACES and table.name not in {"event_counter", "audit_records", "audit_head", "audit_anchors"}:
            db.session.execute(delete(table))
    db.session.commit()


def seed_demo_with_odd_cases(app) -> None:
    """The demo district plus the rows an export is likeliest to get wrong."""
    assert run_cli(app, "seed-demo").exit_code == 0
    community = db.session.scalar(select(Community).order_by(Community.code))
    cell = db.session.scalar(select(GridCell).where(GridCell.community_id == community.id))
    suspended = make_organization(community, [cell], name='"老兵"应急队, 宝石山', status=OrgStatus.REGISTERED,
                                  credit_code=credit_code(4242), active=False, base_lon=None, base_lat=None)  # fmt: skip
    certified = make_member(suspended, skills=("rescue", "first_aid"), certified_until=date(2027, 5, 1))
    certified.certifications[0].issuer = ""
    make_member(suspended, skills=(), name="无技能队员")
    db.session.commit()


def test_an_exported_registry_imports_back_unchanged(app, tmp_path):
    seed_demo_with_odd_cases(app)
    organizations, members = organizations_dump(), members_dump()

    exported = run_cli(app, "export-registry", tmp_path)
    forget_organizations_and_members()
    assert row_counts()["organizations"] == row_counts()["members"] == 0
    imported_organizations = run_cli(app, "import-organizations", tmp_path / "organizations.csv")
    imported_members = run_cli(app, "import-members", tmp_path / "members.csv")

    assert exported.exit_code == 0, exported.stderr
    assert json.loads(exported.stdout) == {"organizations": len(organizations), "members": len(members), "cells": 288}
    assert imported_organizations.exit_code == 0, imported_organizations.stderr
    assert imported_members.exit_code == 0, imported_members.stderr
    db.session.expire_all()
    assert organizations_dump() == organizations
    assert members_dump() == members


def test_exported_cells_import_back_as_updates_of_the_same_cells(app, tmp_path):
    assert run_cli(app, "seed-demo").exit_code == 0
    before = row_counts()
    geometries = dict(db.session.execute(select(GridCell.code, GridCell.geometry)).all())

    run_cli(app, "export-registry", tmp_path)
    result = run_cli(app, "import-places", tmp_path / "cells.geojson")

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["cells"], report["cells_updated"], report["counties"]) == (0, 288, 0)
    assert row_counts() == before
    db.session.expire_all()
    for code, geometry in db.session.execute(select(GridCell.code, GridCell.geometry)):
        assert json.loads(geometry) == json.loads(geometries[code])


def test_the_exported_csv_is_utf8_with_a_bom_so_excel_shows_chinese(app, tmp_path):
    seed_demo_with_odd_cases(app)

    run_cli(app, "export-registry", tmp_path / "out")

    for name in ("organizations.csv", "members.csv"):
        raw = (tmp_path / "out" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        assert "应急" in raw.decode("utf-8-sig")
    assert '"""老兵""应急队, 宝石山"' in (tmp_path / "out" / "organizations.csv").read_text(encoding="utf-8-sig")


def test_an_empty_registry_exports_headers_only(app, tmp_path):
    result = run_cli(app, "export-registry", tmp_path)

    assert json.loads(result.stdout) == {"organizations": 0, "members": 0, "cells": 0}
    assert (tmp_path / "organizations.csv").read_text(encoding="utf-8-sig").startswith("name,status,credit_code,")
    assert json.loads((tmp_path / "cells.geojson").read_text(encoding="utf-8")) == {"type": "FeatureCollection", "features": []}
