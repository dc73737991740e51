"""The audit as the county's administrator reads it: their county's records, newest first, filtered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from sqlalchemy import Select, func, or_, select

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import AuditRecord
from dispatch.schemas.audit import AuditQuery
from dispatch.services.records.spreadsheets import LOCAL_ZONE

EXPORT_LIMIT = 100_000  # rows in one export; narrow the dates for more


def _filtered(actor: Actor, query: AuditQuery) -> Select:
    require(actor, Action.READ, Resource.AUDIT)
    # The county's records, and those that belong to no county (a name no account has, an anonymous client over its
    # budget): password spraying shows there, and every county's administrator should see it.
    statement = select(AuditRecord).where(or_(AuditRecord.county_id == actor.county_id, AuditRecord.county_id.is_(None)))
    if query.action:
        statement = statement.where(AuditRecord.action == query.action)
    if query.result:
        statement = statement.where(AuditRecord.result == query.result)
    if query.actor:
        pattern = query.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(AuditRecord.actor_name.ilike(f"%{pattern}%", escape="\\"))
    if query.since:
        statement = statement.where(AuditRecord.at >= datetime.combine(query.since, time(), LOCAL_ZONE))
    if query.until:
        statement = statement.where(AuditRecord.at < datetime.combine(query.until + timedelta(days=1), time(), LOCAL_ZONE))
    return statement


def list_records(actor: Actor, query: AuditQuery) -> tuple[list[AuditRecord], int]:
    statement = _filtered(actor, query)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db.session.scalars(
        statement.order_by(AuditRecord.id.desc()).offset((query.page - 1) * query.per_page).limit(query.per_page)
    ).all()
    return list(rows), total


def export_rows(actor: Actor, query: AuditQuery) -> Iterator[AuditRecord]:
    yield from db.session.scalars(_filtered(actor, query).order_by(AuditRecord.id).limit(EXPORT_LIMIT))


def actions_seen(actor: Actor) -> list[str]:
    """The actions the county's records hold, for the filter's choices."""
    require(actor, Action.READ, Resource.AUDIT)
    statement = (
        select(AuditRecord.action)
        .where(or_(AuditRecord.county_id == actor.county_id, AuditRecord.county_id.is_(None)))
        .distinct()
    )
    return sorted(db.session.scalars(statement))
