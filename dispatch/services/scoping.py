"""Jurisdiction as SQL: the WHERE clause that narrows each kind of record to an actor's scope.

Every read in the services goes through one of these, so no query can forget the scope.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, bindparam, false, or_, select

from dispatch.domain.scope import Actor, Role
from dispatch.models import Assignment, Community, Event, GridCell, Incident, Need, Organization, Plan, Subdistrict
from dispatch.models.incidents import incident_cells
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


def _subdistricts_of_county(county_id: int | None):
    return select(Subdistrict.id).where(Subdistrict.county_id == county_id)


def incident_clause(actor: Actor) -> ColumnElement[bool]:
    """Incidents the actor may see: the lead subdistrict's (the whole county's once escalated), a leader's
    incidents with offers to their organization, a grid worker's incidents touching their cells."""
    if actor.role is Role.ADMIN:
        return Incident.subdistrict_id.in_(_subdistricts_of_county(actor.county_id))
    if actor.role is Role.DUTY_OFFICER:
        escalated_here = Incident.escalated_at.is_not(None) & Incident.subdistrict_id.in_(
            _subdistricts_of_county(actor.county_id)
        )
        return (Incident.subdistrict_id == actor.subdistrict_id) | escalated_here
    if actor.role is Role.ORG_LEADER:
        offered = select(Need.incident_id).join(Assignment).where(Assignment.organization_id == actor.organization_id)
        return Incident.id.in_(offered)
    touching = select(incident_cells.c.incident_id).where(incident_cells.c.cell_id.in_(actor.cell_ids))
    return Incident.id.in_(touching) | Incident.id.in_(select(Need.incident_id).where(Need.cell_id.in_(actor.cell_ids)))


def need_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORG_LEADER:
        return Need.id.in_(select(Assignment.need_id).where(Assignment.organization_id == actor.organization_id))
    if actor.role is Role.GRID_WORKER:
        return Need.cell_id.in_(actor.cell_ids) if actor.cell_ids else false()
    return Need.incident_id.in_(select(Incident.id).where(incident_clause(actor)))


def assignment_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORG_LEADER:
        return Assignment.organization_id == actor.organization_id
    return Assignment.need_id.in_(select(Need.id).where(need_clause(actor)))


def event_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORG_LEADER:
        return Event.organization_id == actor.organization_id
    if actor.role is Role.GRID_WORKER:
        return Event.need_id.in_(select(Need.id).where(need_clause(actor)))
    return Event.incident_id.in_(select(Incident.id).where(incident_clause(actor)))


def plan_clause(actor: Actor) -> ColumnElement[bool]:
    """Plans the actor may read: the county's administrators every plan of the county; a subdistrict's officers
    their subdistrict's and the county's own; nobody else any."""
    if actor.role is Role.ADMIN:
        return Plan.county_id == actor.county_id
    if actor.role is Role.DUTY_OFFICER:
        return (Plan.subdistrict_id == actor.subdistrict_id) | (
            Plan.subdistrict_id.is_(None) & (Plan.county_id == actor.county_id)
        )
    return false()


def candidate_communities() -> Select:
    """Where organizations may be mobilized from: the lead subdistrict (``:lead_subdistrict``), or its whole county
    once escalated (``:escalated_county``, NULL until then). Parameters, so one statement serves every incident."""
    lead, county = bindparam("lead_subdistrict"), bindparam("escalated_county")
    return select(Community.id).join(Subdistrict).where(or_(Subdistrict.id == lead, Subdistrict.county_id == county))
