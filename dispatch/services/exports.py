"""Export the registry to CSV in the same columns the importers read, so an export can be imported again."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dispatch.domain.phone import national
from dispatch.extensions import db
from dispatch.models import Certification, Community, GridCell, Member, Organization, OrganizationSkill, Subdistrict

ORGANIZATION_HEADER = [
    "name",
    "status",
    "credit_code",
    "community_code",
    "cell_codes",
    "base_lon",
    "base_lat",
    "coord_system",
    "skills",
    "leader_name",
    "leader_phone",
    "active",
]
MEMBER_HEADER = ["community_code", "organization_name", "name", "phone", "skills", "certifications"]
BATCH = 2_000


def export_registry(directory: Path) -> dict[str, int]:
    """Write organizations.csv, members.csv (UTF-8 with BOM, which Excel opens correctly) and cells.geojson."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "organizations": _write_csv(directory / "organizations.csv", ORGANIZATION_HEADER, _organization_rows()),
        "members": _write_csv(directory / "members.csv", MEMBER_HEADER, _member_rows()),
        "cells": _write_cells(directory / "cells.geojson"),
    }


def _write_csv(path: Path, header: list[str], rows: Iterator[list]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([inert(value) for value in row])
            count += 1
    return count


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """Text Excel would run as a formula (a name typed as ``=HYPERLINK(...)``) gets a leading apostrophe.

    Numbers are left alone, so coordinates such as ``-0.5`` stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _batched(model, query) -> Iterator:
    """Walk a large table in id order a batch at a time, so memory stays flat."""
    last = 0
    while True:
        batch = list(db.session.scalars(query.where(model.id > last).limit(BATCH)))
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        db.session.expunge_all()


def _organization_rows() -> Iterator[list]:
    query = (
        select(Organization)
        .options(
            selectinload(Organization.community),
            selectinload(Organization.cells),
            selectinload(Organization.skills).selectinload(OrganizationSkill.skill),
        )
        .order_by(Organization.id)
    )
    for org in _batched(Organization, query):
        yield [
            org.name,
            org.status.value,
            org.credit_code or "",
            org.community.code,
            ";".join(c.code for c in org.cells),
            "" if org.base_lon is None else f"{org.base_lon:.7f}",
            "" if org.base_lat is None else f"{org.base_lat:.7f}",
            "wgs84",
            ";".join(f"{s.skill.code}:{s.capacity}" for s in org.skills),
            org.leader_name,
            national(org.leader_phone),
            "true" if org.active else "false",
        ]


def _member_rows() -> Iterator[list]:
    query = (
        select(Member)
        .options(
            selectinload(Member.organization).selectinload(Organization.community),
            selectinload(Member.skills),
            selectinload(Member.certifications).selectinload(Certification.skill),
        )
        .order_by(Member.id)
    )
    for member in _batched(Member, query):
        certificates = ";".join(f"{c.skill.code}:{c.expires_on.isoformat()}:{c.issuer}" for c in member.certifications)
        org = member.organization
        yield [
            org.community.code,
            org.name,
            member.name,
            national(member.phone),
            ";".join(s.code for s in member.skills),
            certificates,
        ]


def _write_cells(path: Path) -> int:
    """A FeatureCollection that ``import-places`` reads back."""
    query = (
        select(GridCell)
        .options(selectinload(GridCell.community).selectinload(Community.subdistrict).selectinload(Subdistrict.county))
        .order_by(GridCell.id)
    )
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type":"FeatureCollection","features":[\n')
        for cell in _batched(GridCell, query):
            handle.write(("," if count else "") + json.dumps(_feature(cell), ensure_ascii=False) + "\n")
            count += 1
        handle.write("]}\n")
    return count


def _feature(cell: GridCell) -> dict:
    community = cell.community
    subdistrict = community.subdistrict
    county = subdistrict.county
    properties = {
        "county_code": county.code, "county_name": county.name_zh, "county_name_en": county.name_en,
        "subdistrict_code": subdistrict.code, "subdistrict_name": subdistrict.name_zh, "subdistrict_name_en": subdistrict.name_en,
        "subdistrict_kind": subdistrict.kind.value, "community_code": community.code, "community_name": community.name_zh,
        "community_name_en": community.name_en, "code": cell.code, "name": cell.name, "worker_name": cell.worker_name,
        "worker_phone": national(cell.worker_phone) if cell.worker_phone else None,
    }  # fmt: skip
    return {"type": "Feature", "properties": properties, "geometry": json.loads(cell.geometry)}
