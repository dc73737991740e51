"""The registry of organizations: scoped reads, create, update, suspend and reinstate."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dispatch.domain.registry import credit_code_required
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Organization, OrganizationSkill, Skill
from dispatch.schemas.organizations import OrganizationIn, OrganizationPatch, OrganizationQuery, SkillCapacityIn
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.registry import places
from dispatch.services.registry.skills import skills_by_code
from dispatch.services.scoping import cell_clause, community_clause, organization_clause


def list_organizations(actor: Actor, query: OrganizationQuery) -> tuple[list[Organization], int]:
    """One page of the organizations the actor may see, filtered, and the total that match."""
    require(actor, Action.READ, Resource.ORGANIZATION)
    where = [organization_clause(actor), *_filters(query)]
    options = (selectinload(Organization.skills).selectinload(OrganizationSkill.skill), selectinload(Organization.cells))
    return page_of(Organization, where, Organization.id, query, options)


def names_in_scope(actor: Actor) -> list:
    """Every organization the actor may see, as rows of ``id`` and ``name`` sorted by name: a choice on a page offers
    all of them, not the first page."""
    require(actor, Action.READ, Resource.ORGANIZATION)
    query = (
        select(Organization.id, Organization.name).where(organization_clause(actor)).order_by(Organization.name, Organization.id)
    )
    return list(db.session.execute(query))


def _filters(query: OrganizationQuery) -> list:
    filters = []
    if query.status is not None:
        filters.append(Organization.status == query.status)
    if query.active is not None:
        filters.append(Organization.active == query.active)
    if query.community_id is not None:
        filters.append(Organization.community_id == query.community_id)
    if query.subdistrict_id is not None:
        filters.append(Organization.community.has(Community.subdistrict_id == query.subdistrict_id))
    if query.skill:
        filters.append(Organization.skills.any(OrganizationSkill.skill.has(Skill.code == query.skill)))
    if query.q:
        filters.append(Organization.name.contains(query.q, autoescape=True))
    return filters


def get_organization(actor: Actor, organization_id: int) -> Organization:
    """The organization if it lies in the actor's scope; NotFound otherwise (never say which)."""
    require(actor, Action.READ, Resource.ORGANIZATION)
    found = db.session.scalar(select(Organization).where(Organization.id == organization_id, organization_clause(actor)))
    if found is None:
        raise NotFound()
    return found


def member_counts(organization_ids: list[int]) -> dict[int, int]:
    from dispatch.models import Member

    query = (
        select(Member.organization_id, func.count())
        .where(Member.organization_id.in_(organization_ids))
        .group_by(Member.organization_id)
    )
    return dict(db.session.execute(query).all())


def create_organization(actor: Actor, data: OrganizationIn) -> Organization:
    require(actor, Action.CREATE, Resource.ORGANIZATION)
    organization = Organization(active=data.active)
    _apply(actor, organization, data.model_dump(exclude_unset=False) | {"base": data.base})
    db.session.add(organization)
    db.session.commit()
    return organization


def update_organization(actor: Actor, organization_id: int, patch: OrganizationPatch) -> Organization:
    require(actor, Action.EDIT, Resource.ORGANIZATION)
    organization = get_organization(actor, organization_id)
    changes = patch.model_dump(exclude_unset=True)
    if "base" in changes:
        changes["base"] = patch.base
    _apply(actor, organization, changes)
    db.session.commit()
    return organization


def set_active(actor: Actor, organization_id: int, active: bool) -> Organization:
    """Suspend (``active=False``) or reinstate an organization; suspended ones get no offers."""
    require(actor, Action.SUSPEND, Resource.ORGANIZATION)
    organization = get_organization(actor, organization_id)
    organization.active = active
    db.session.commit()
    return organization


def _apply(actor: Actor, organization: Organization, changes: dict) -> None:
    """Check every change against the database and the actor's scope, then apply all or none."""
    errors: list[FieldError] = []
    community = _community(actor, changes, organization, errors)
    cells = _cells(actor, changes.get("cell_ids"), errors)
    skills = _skills(changes.get("skills"), errors)
    base = _base(changes, community, errors)
    status, code = changes.get("status", organization.status), changes.get("credit_code", organization.credit_code)
    if status is not None and credit_code_required(status) and not code:
        errors.append(FieldError("credit_code", "credit_code.required"))
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    _check_unique(organization, changes.get("name", organization.name), community, code)
    _assign(organization, changes, community, cells, skills, base)


def _community(actor: Actor, changes: dict, organization: Organization, errors: list[FieldError]) -> Community | None:
    community_id = changes.get("community_id", organization.community_id)
    if community_id is None:
        return None
    community = db.session.scalar(select(Community).where(Community.id == community_id, community_clause(actor)))
    if community is None:
        errors.append(FieldError("community_id", "community.unknown", {"value": community_id}))
    return community


def _cells(actor: Actor, cell_ids: list[int] | None, errors: list[FieldError]) -> list[GridCell] | None:
    if cell_ids is None:
        return None
    found = {cell.id: cell for cell in db.session.scalars(select(GridCell).where(GridCell.id.in_(cell_ids), cell_clause(actor)))}
    errors.extend(FieldError("cell_ids", "cell.unknown", {"code": cell_id}) for cell_id in cell_ids if cell_id not in found)
    return [found[cell_id] for cell_id in dict.fromkeys(cell_ids) if cell_id in found]


def _skills(items: list[dict] | None, errors: list[FieldError]) -> list[tuple[Skill, int]] | None:
    if items is None:
        return None
    known, chosen, seen = skills_by_code(), [], set()
    for item in (SkillCapacityIn.model_validate(raw) for raw in items):
        if item.code not in known:
            errors.append(FieldError("skills", "skill.unknown", {"code": item.code}))
        elif item.code in seen:
            errors.append(FieldError("skills", "skill.duplicate", {"code": item.code}))
        else:
            chosen.append((known[item.code], item.capacity))
        seen.add(item.code)
    return chosen


def _base(changes: dict, community: Community | None, errors: list[FieldError]) -> tuple[float, float] | None:
    if changes.get("base") is None or community is None:
        return None
    point, problems = places.point_errors(changes["base"], community.subdistrict.county, "base")
    errors.extend(problems)
    return point


def _check_unique(organization: Organization, name: str, community: Community | None, code: str | None) -> None:
    errors = []
    others = select(Organization.id).where(Organization.id != organization.id) if organization.id else select(Organization.id)
    if community and db.session.scalar(others.where(Organization.community_id == community.id, Organization.name == name)):
        errors.append(FieldError("name", "duplicate", {"value": name}))
    if code and db.session.scalar(others.where(Organization.credit_code == code)):
        errors.append(FieldError("credit_code", "duplicate", {"value": code}))
    if errors:
        db.session.rollback()
        raise Conflict(errors)


def _assign(organization: Organization, changes: dict, community, cells, skills, base) -> None:
    for field in ("name", "status", "credit_code", "leader_name", "leader_phone"):
        if field in changes:
            setattr(organization, field, changes[field])
    if community is not None:
        organization.community = community
    if cells is not None:
        organization.cells = cells
    if skills is not None:
        _replace_skills(organization, skills)
    if base is not None:
        organization.base_lon, organization.base_lat = base


def _replace_skills(organization: Organization, skills: list[tuple[Skill, int]]) -> None:
    """Update capacities in place; a delete and re-insert of the same key in one flush would collide."""
    wanted = {skill.id: (skill, capacity) for skill, capacity in skills}
    organization.skills = [row for row in organization.skills if row.skill_id in wanted]
    current = {row.skill_id: row for row in organization.skills}
    for skill_id, (skill, capacity) in wanted.items():
        if skill_id in current:
            current[skill_id].capacity = capacity
        else:
            organization.skills.append(OrganizationSkill(skill=skill, capacity=capacity))
