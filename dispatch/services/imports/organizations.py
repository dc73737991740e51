"""Import organizations from CSV rows (see ``dispatch.schemas.rows`` for the columns)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Organization, OrganizationSkill
from dispatch.models.organizations import organization_cells
from dispatch.personal_data.keys import phone_hash
from dispatch.schemas.rows import OrganizationRow
from dispatch.services.errors import FieldError
from dispatch.services.imports.batch import ChunkWriter, ImportReport, Progress, UniqueKeys, finish, ticking, validated
from dispatch.services.imports.lookups import Lookups, existing_organization_keys
from dispatch.services.registry.places import within_margin
from geo.coords import to_wgs84
from geo.geojson import check_point


@dataclass
class NewOrganization:
    values: dict
    cell_ids: list[int]
    skills: list[tuple[int, int]]


class OrganizationImport:
    """One run of an organization import; holds what it has seen so far to catch duplicates in the file."""

    def __init__(self, actor: Actor | None = None) -> None:
        self.lookups = Lookups.load(actor)
        stored_names, stored_codes = existing_organization_keys()
        self.names, self.codes = UniqueKeys("name", stored_names), UniqueKeys("credit_code", stored_codes)
        self.errors: list[FieldError] = []
        self.created = 0

    def run(self, rows: Iterable[tuple[int, dict[str, str]]], progress: Progress | None = None) -> ImportReport:
        writer = ChunkWriter(self._write, self.errors, progress)
        for line, row in validated(ticking(rows, writer), OrganizationRow, self.errors):
            if (new := self._resolve(line, row)) is not None:
                writer.add(new)
        writer.flush()
        finish(self.errors)
        return ImportReport(created={"organizations": self.created})

    def _resolve(self, line: int, row: OrganizationRow) -> NewOrganization | None:
        problems: list[FieldError] = []
        community = self.lookups.communities.get(row.community_code)
        if community is None:
            problems.append(FieldError("community_code", "community.unknown", {"value": row.community_code}, line))
        cell_ids = self._cells(line, row, problems)
        skills = self._skills(line, row, problems)
        base = self._base(line, row, community, problems)
        if row.status.value == "registered" and not row.credit_code:
            problems.append(FieldError("credit_code", "credit_code.required", {}, line))
        if community is not None:
            self._duplicates(line, row, community[0], problems)
        self.errors.extend(problems)
        if problems:
            return None
        return NewOrganization(_values(row, community[0], base), cell_ids, skills)

    def _cells(self, line: int, row: OrganizationRow, problems: list[FieldError]) -> list[int]:
        missing = [code for code in row.cell_codes if code not in self.lookups.cells]
        problems.extend(FieldError("cell_codes", "cell.unknown", {"code": code}, line) for code in missing)
        return list(dict.fromkeys(self.lookups.cells[c] for c in row.cell_codes if c in self.lookups.cells))

    def _skills(self, line: int, row: OrganizationRow, problems: list[FieldError]) -> list[tuple[int, int]]:
        chosen: dict[int, int] = {}
        for item in row.skills:
            skill_id = self.lookups.skills.get(item.skill)
            if skill_id is None:
                problems.append(FieldError("skills", "skill.unknown", {"code": item.skill}, line))
            elif skill_id in chosen:
                problems.append(FieldError("skills", "skill.duplicate", {"code": item.skill}, line))
            else:
                chosen[skill_id] = item.capacity
        return list(chosen.items())

    def _base(self, line: int, row: OrganizationRow, community, problems: list[FieldError]) -> tuple[float, float] | None:
        if row.base_lon is None or row.base_lat is None:
            return None
        if code := check_point(row.base_lon, row.base_lat):
            problems.append(FieldError("base_lon", code, {}, line))
            return None
        lon, lat = to_wgs84(row.base_lon, row.base_lat, row.coord_system)
        extent = self.lookups.extents.get(community[1]) if community else None
        if extent and not within_margin(extent, lon, lat):
            problems.append(FieldError("base_lon", "outside_county", {}, line))
        return lon, lat

    def _duplicates(self, line: int, row: OrganizationRow, community_id: int, problems: list[FieldError]) -> None:
        key = (community_id, row.name)
        if problem := self.names.problem(key, row.name, line):
            problems.append(problem)
        if row.credit_code and (problem := self.codes.problem(row.credit_code, row.credit_code, line)):
            problems.append(problem)

    def _write(self, chunk: list[NewOrganization]) -> None:
        # render_nulls: rows with and without a credit code stay in one statement instead of thousands of tiny ones.
        statement = (
            insert(Organization).returning(Organization.id, sort_by_parameter_order=True).execution_options(render_nulls=True)
        )
        ids = db.session.scalars(statement, [new.values for new in chunk]).all()
        skills = [
            {"organization_id": i, "skill_id": s, "capacity": c} for i, new in zip(ids, chunk, strict=True) for s, c in new.skills
        ]
        cells = [{"organization_id": i, "cell_id": c} for i, new in zip(ids, chunk, strict=True) for c in new.cell_ids]
        db.session.execute(insert(OrganizationSkill), skills)
        if cells:
            db.session.execute(insert(organization_cells), cells)
        self.created += len(ids)


def _values(row: OrganizationRow, community_id: int, base: tuple[float, float] | None) -> dict:
    lon, lat = base or (None, None)
    return {
        "name": row.name,
        "status": row.status,
        "credit_code": row.credit_code,
        "community_id": community_id,
        "base_lon": lon,
        "base_lat": lat,
        "leader_name": row.leader_name,
        "leader_phone": row.leader_phone,
        "leader_phone_hash": phone_hash(row.leader_phone),  # a bulk insert passes by the model's own hashing
        "active": row.active,
    }


def import_organizations(
    rows: Iterable[tuple[int, dict[str, str]]], progress: Progress | None = None, actor: Actor | None = None
) -> ImportReport:
    """Import organizations all-or-nothing; raises ImportFailed listing every bad row."""
    if actor is not None:
        require(actor, Action.CREATE, Resource.ORGANIZATION)
    return OrganizationImport(actor).run(rows, progress)
