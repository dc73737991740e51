"""Incidents (突发事件): open one (its area marks the affected grid cells), list and read them, and hold one while a
need is posted to it. Escalating, moving to recovery and closing are in ``incident_course``."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import joinedload, selectinload

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Assignment, GridCell, Incident, Need
from dispatch.schemas.dispatching import IncidentIn, IncidentQuery
from dispatch.services import events
from dispatch.services.errors import FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.registry.cells import checked_geometry
from dispatch.services.registry.geography import places
from dispatch.services.registry.places import subdistrict_in_scope
from dispatch.services.scoping import incident_clause, need_clause
from geo.geojson import to_geojson


def list_incidents(actor: Actor, query: IncidentQuery) -> tuple[list[Incident], int]:
    require(actor, Action.READ, Resource.INCIDENT)
    where = [incident_clause(actor)]
    if query.status is not None:
        where.append(Incident.status == query.status)
    if query.drill is not None:
        where.append(Incident.drill == query.drill)
    if query.subdistrict_id is not None:
        where.append(Incident.subdistrict_id == query.subdistrict_id)
    return page_of(Incident, where, Incident.id.desc(), query)


def get_incident(actor: Actor, incident_id: int) -> Incident:
    require(actor, Action.READ, Resource.INCIDENT)
    query = select(Incident).where(Incident.id == incident_id, incident_clause(actor)).options(joinedload(Incident.subdistrict))
    incident = db.session.scalar(query)
    if incident is None:
        raise NotFound()
    return incident


def open_incident(actor: Actor, data: IncidentIn, also: Callable[[Incident], None] | None = None) -> Incident:
    """Open an incident led by the officer's subdistrict (an admin names one of the county's). ``also`` writes
    what else comes with it (the risk it was opened from) in the same transaction."""
    require(actor, Action.CREATE, Resource.INCIDENT)
    errors: list[FieldError] = []
    subdistrict = subdistrict_in_scope(actor, data.subdistrict_id, errors)
    if errors:
        raise InvalidInput(errors)
    incident = Incident(
        title=data.title,
        category=data.category,
        level=data.level,
        subdistrict=subdistrict,
        drill=data.drill,
        created_by=actor.user_id,
    )
    if data.area is not None:
        geometry, _repairs, errors = checked_geometry(data.area, field="area")
        if errors:
            raise InvalidInput(errors)
        incident.area = json.dumps(to_geojson(geometry), separators=(",", ":"))
        incident.cells = _affected_cells(geometry, subdistrict.county_id)
    db.session.add(incident)
    db.session.flush()
    events.record("incident.opened", incident=incident, actor_id=actor.user_id, title=data.title, level=data.level.value)
    if also is not None:
        also(incident)
    events.commit()
    return incident


def _affected_cells(geometry, county_id: int) -> list[GridCell]:
    """The county's cells the area touches (the index covers every county; an area may cross a border)."""
    touched = [cell.id for cell in places().cells.cells_touching(geometry) if cell.county_id == county_id]
    return list(db.session.scalars(select(GridCell).where(GridCell.id.in_(touched)).order_by(GridCell.id))) if touched else []


def needs_of(actor: Actor, incident_id: int) -> list[Need]:
    """The incident's needs (in the actor's scope) with their offers and organizations, oldest first."""
    get_incident(actor, incident_id)
    query = (
        select(Need)
        .where(Need.incident_id == incident_id, need_clause(actor))
        .options(selectinload(Need.skills), selectinload(Need.assignments).joinedload(Assignment.organization))
        .order_by(Need.id)
    )
    return list(db.session.scalars(query))


def held_incident(actor: Actor, incident_id: int) -> Incident:
    """The incident, read for a transaction that adds to it (posts a need): it cannot close or escalate under it, so
    the status read here stays true until the transaction commits.

    PostgreSQL: read with a share lock, in one statement, so posts to one incident run side by side and only closing or
    escalating (which claim the row, below) waits for them. SQLite: a write first, which takes the one database write
    lock at once, then the read.
    """
    require(actor, Action.READ, Resource.INCIDENT)
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Incident).where(Incident.id == incident_id).values(id=Incident.id).execution_options(synchronize_session=False)
        )
        return get_incident(actor, incident_id)
    incident = db.session.scalar(_held_query(actor), {"incident_id": incident_id})
    if incident is None:
        raise NotFound()
    return incident


@lru_cache(maxsize=1024)
def _held_query(actor: Actor) -> Select:
    """The share-locked read of one of the actor's incidents, built once per actor (the key is the actor's whole
    scope): every post runs it, and building the scope clause and its cache key cost more than running it."""
    return (
        select(Incident)
        .where(Incident.id == bindparam("incident_id"), incident_clause(actor))
        .options(joinedload(Incident.subdistrict))
        .with_for_update(read=True, of=Incident)
        .execution_options(populate_existing=True)
    )
