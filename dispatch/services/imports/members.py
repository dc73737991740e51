"""Import members (volunteers) from CSV rows; their organizations must already be in the registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Certification, Community, Member, Organization
from dispatch.models.organizations import member_skills
from dispatch.personal_data.keys import phone_hash
from dispatch.schemas.rows import MemberRow
from dispatch.services.errors import FieldError
from dispatch.services.imports.batch import ChunkWriter, ImportReport, Progress, UniqueKeys, finish, ticking, validated
from dispatch.services.imports.lookups import Lookups
from dispatch.services.scoping import organization_clause


@dataclass
class NewMember:
    values: dict
    skill_ids: list[int]
    certificates: list[dict]


class MemberImport:
    def __init__(self, actor: Actor | None = None) -> None:
        self.skills = Lookups.load(actor).skills
        query = select(Community.code, Organization.name, Organization.id).join(Community)
        if actor is not None:  # an upload may only add members to organizations the actor keeps
            query = query.where(organization_clause(actor))
        self.organizations = {(code, name): org_id for code, name, org_id in db.session.execute(query)}
        stored = {tuple(row) for row in db.session.execute(select(Member.organization_id, Member.phone_hash))}
        self.phones = UniqueKeys("phone", stored)  # a phone once per organization, known by its keyed hash
        self.errors: list[FieldError] = []
        self.created = {"members": 0, "certifications": 0}

    def run(self, rows: Iterable[tuple[int, dict[str, str]]], progress: Progress | None = None) -> ImportReport:
        writer = ChunkWriter(self._write, self.errors, progress)
        for line, row in validated(ticking(rows, writer), MemberRow, self.errors):
            if (new := self._resolve(line, row)) is not None:
                writer.add(new)
        writer.flush()
        finish(self.errors)
        return ImportReport(created=self.created)

    def _resolve(self, line: int, row: MemberRow) -> NewMember | None:
        problems: list[FieldError] = []
        org_id = self.organizations.get((row.community_code, row.organization_name))
        if org_id is None:
            problems.append(FieldError("organization_name", "organization.unknown", {"name": row.organization_name}, line))
        skill_ids = self._skill_ids(line, "skills", row.skills, problems)
        certificates = self._certificates(line, row, problems)
        hashed = phone_hash(row.phone)
        if org_id is not None and (problem := self.phones.problem((org_id, hashed), row.phone, line)):
            problems.append(problem)
        self.errors.extend(problems)
        if problems:
            return None
        values = {"organization_id": org_id, "name": row.name, "phone": row.phone, "phone_hash": hashed}
        return NewMember(values, skill_ids, certificates)

    def _skill_ids(self, line: int, field: str, codes: list[str], problems: list[FieldError]) -> list[int]:
        unknown = [code for code in codes if code not in self.skills]
        problems.extend(FieldError(field, "skill.unknown", {"code": code}, line) for code in unknown)
        return list(dict.fromkeys(self.skills[code] for code in codes if code in self.skills))

    def _certificates(self, line: int, row: MemberRow, problems: list[FieldError]) -> list[dict]:
        # Not through _skill_ids, which merges repeats: a renewed certificate is a second row, not a duplicate.
        unknown = [c["skill"] for c in row.certifications if c["skill"] not in self.skills]
        problems.extend(FieldError("certifications", "skill.unknown", {"code": code}, line) for code in unknown)
        return [
            {"skill_id": self.skills[c["skill"]], "expires_on": c["expires_on"], "issuer": c["issuer"]}
            for c in row.certifications
            if c["skill"] in self.skills
        ]

    def _write(self, chunk: list[NewMember]) -> None:
        statement = insert(Member).returning(Member.id, sort_by_parameter_order=True).execution_options(render_nulls=True)
        ids = db.session.scalars(statement, [new.values for new in chunk]).all()
        skills = [{"member_id": i, "skill_id": s} for i, new in zip(ids, chunk, strict=True) for s in new.skill_ids]
        certificates = [{"member_id": i, **c} for i, new in zip(ids, chunk, strict=True) for c in new.certificates]
        if skills:
            db.session.execute(insert(member_skills), skills)
        if certificates:
            db.session.execute(insert(Certification), certificates)
        self.created["members"] += len(ids)
        self.created["certifications"] += len(certificates)


def import_members(
    rows: Iterable[tuple[int, dict[str, str]]], progress: Progress | None = None, actor: Actor | None = None
) -> ImportReport:
    """Import members all-or-nothing; raises ImportFailed listing every bad row."""
    if actor is not None:
        require(actor, Action.CREATE, Resource.MEMBER)
    return MemberImport(actor).run(rows, progress)
