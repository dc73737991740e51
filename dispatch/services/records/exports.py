"""Export the registry in the same columns the importers read, so an export can be imported again: to CSV files
(the whole database, from the command line) or to one Excel workbook (what the caller keeps, from the pages)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import selectinload

from dispatch.domain.phone import mask, national
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Certification, Community, GridCell, Member, Organization, OrganizationSkill, Subdistrict
from dispatch.services.records.spreadsheets import Column, Sheet, workbook
from dispatch.services.scoping import organization_clause

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
# The Chinese headers of the workbook, each one the importers read (dispatch.schemas.rows), in the order above.
ORGANIZATION_HEADER_ZH = ["名称", "类型", "统一社会信用代码", "社区代码", "服务网格", "经度", "纬度", "坐标系", "技能", "负责人",
                          "负责人手机", "在册"]  # fmt: skip
MEMBER_HEADER_ZH = ["社区代码", "组织名称", "姓名", "手机", "技能", "证书"]
STATUS_ZH = {"registered": "登记", "filed": "备案", "guided": "指导"}
BATCH = 2_000


def export_registry(directory: Path) -> dict[str, int]:
    """Write organizations.csv, members.csv (UTF-8 with BOM, which Excel opens correctly) and cells.geojson."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "organizations": _write_csv(directory / "organizations.csv", ORGANIZATION_HEADER, _organization_rows()),
        "members": _write_csv(directory / "members.csv", MEMBER_HEADER, _member_rows()),
        "cells": _write_cells(directory / "cells.geojson"),
    }


def registry_workbook(actor: Actor, language: str, full_phones: bool = False) -> bytes:
    """The organizations and members the actor keeps, as an .xlsx the importer reads back (sheets 组织 and 成员).

    Phone numbers are masked unless asked for in full (``full_phones``: a deliberate choice the caller audits).
    """
    require(actor, Action.EDIT, Resource.ORGANIZATION)
    scope = organization_clause(actor)
    zh = language != "en"
    rows = _organization_rows(scope, expunge=False, full_phones=full_phones)
    organizations = (_in_words(row) for row in rows) if zh else rows
    return workbook(
        [
            Sheet("组织", _columns(ORGANIZATION_HEADER_ZH, ORGANIZATION_HEADER), organizations),
            Sheet("成员", _columns(MEMBER_HEADER_ZH, MEMBER_HEADER), _member_rows(scope, expunge=False, full_phones=full_phones)),
        ],
        language,
    )


def _phone(e164: str, full: bool) -> str:
    """A number as people dial it, or masked (138****1234) when it was not asked for in full."""
    return national(e164) if full else mask(e164)


def _columns(chinese: list[str], english: list[str]) -> list[Column]:
    return [Column(zh, en) for zh, en in zip(chinese, english, strict=True)]


def _in_words(row: list) -> list:
    """Status and active as the Chinese words people type (登记 / 备案 / 指导, 是 / 否); the importer reads both."""
    status, active = ORGANIZATION_HEADER.index("status"), ORGANIZATION_HEADER.index("active")
    return [*row[:status], STATUS_ZH[row[status]], *row[status + 1 : active], "是" if row[active] == "true" else "否"]


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


def _batched(model, query, expunge: bool = True) -> Iterator:
    """Walk a large table in id order a batch at a time; ``expunge`` (the command line) keeps memory flat."""
    last = 0
    while True:
        batch = list(db.session.scalars(query.where(model.id > last).limit(BATCH)))
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        if expunge:
            db.session.expunge_all()


def _organization_rows(
    scope: ColumnElement[bool] | None = None, expunge: bool = True, full_phones: bool = True
) -> Iterator[list]:
    query = (
        select(Organization)
        .where(true() if scope is None else scope)
        .options(
            selectinload(Organization.community),
            selectinload(Organization.cells),
            selectinload(Organization.skills).selectinload(OrganizationSkill.skill),
        )
        .order_by(Organization.id)
    )
    for org in _batched(Organization, query, expunge):
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
            _phone(org.leader_phone, full_phones),
            "true" if org.active else "false",
        ]


def _member_rows(scope: ColumnElement[bool] | None = None, expunge: bool = True, full_phones: bool = True) -> Iterator[list]:
    query = (
        select(Member)
        .join(Organization, Member.organization_id == Organization.id)
        .where(true() if scope is None else scope, Member.forgotten_at.is_(None))  # the forgotten have nothing to keep
        .options(
            selectinload(Member.organization).selectinload(Organization.community),
            selectinload(Member.skills),
            selectinload(Member.certifications).selectinload(Certification.skill),
        )
        .order_by(Member.id)
    )
    for member in _batched(Member, query, expunge):
        certificates = ";".join(f"{c.skill.code}:{c.expires_on.isoformat()}:{c.issuer}" for c in member.certifications)
        org = member.organization
        yield [
            org.community.code,
            org.name,
            member.name,
            _phone(member.phone, full_phones),
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
