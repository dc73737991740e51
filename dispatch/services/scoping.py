"""Jurisdiction as SQL: the WHERE clause that narrows each kind of record to an actor's scope.

Every read in the services goes through one of these, so no query can forget the scope.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select

from dispatch.domain.scope import Actor, Role
from dispatch.models import Community, GridCell, Organization, Subdistrict
from dispatch.models.organizations import organization_cells


def communities_in_scope(actor: Actor):
    """A subquery of the community ids the actor works in."""
    query = select(Community.id)
    if actor.role is Role.ADMIN:
        return query.join(Subdistrict).where(Subdistrict.county_id == actor.county_id)
    if actor.role is Role.DUTY_OFFICER:
        return query.where(Community.subdistrict_id == actor.subdistrict_id)
    if actor.role is Role.ORG_LEADER:
        return select(Organization.community_id).where(Organization.id == actor.organization_id)
    return select(GridCell.community_id).where(GridCell.id.in_(actor.cell_ids))


def organization_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORG_LEADER:
        return Organization.id == actor.organization_id
    if actor.role is Role.GRID_WORKER:
        serving = select(organization_cells.c.organization_id).where(organization_cells.c.cell_id.in_(actor.cell_ids))
        return Organization.id.in_(serving)
    return Organization.community_id.in_(communities_in_scope(actor))


def cell_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.GRID_WORKER:
        return GridCell.id.in_(actor.cell_ids) if actor.cell_ids else false()
    if actor.role is Role.ORG_LEADER:
        served = select(organization_cells.c.cell_id).where(organization_cells.c.organization_id == actor.organization_id)
        return GridCell.id.in_(served)
    return GridCell.community_id.in_(communities_in_scope(actor))


def community_clause(actor: Actor) -> ColumnElement[bool]:
    return Community.id.in_(communities_in_scope(actor))


def subdistrict_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return Subdistrict.county_id == actor.county_id
    if actor.role is Role.DUTY_OFFICER:
        return Subdistrict.id == actor.subdistrict_id
    return Subdistrict.id.in_(select(Community.subdistrict_id).where(community_clause(actor)))
