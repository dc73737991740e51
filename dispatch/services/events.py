"""The event log: every domain event appended in the transaction that caused it, read back in id order.

Events are collected while a transaction works and written just before it commits, taking their ids from one
counter row in a single update. That update locks the row until the commit, so writers take ids in commit order
and a reader that has seen id N never later finds a smaller id appear: that is what makes ``after=N`` a safe
resync cursor. Holding the lock only for the final insert and commit keeps concurrent writers from queueing
behind each other's ranking and offers; on PostgreSQL the ids, events and outbox rows are one statement.

Outbox messages (pushes and SMS) that name an event are written at the same moment, so they carry its id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Column, Table, TextClause, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.models import Assignment, Event, EventCounter, Need, OutboxMessage
from dispatch.services.duty_groups.notices import keep_notices
from dispatch.services.duty_groups.notices import notices_for as duty_group_notices
from dispatch.services.noted_events import NotedEvent, NotedMessage
from dispatch.services.notify.drains import nudge
from dispatch.services.rows import sealed_row
from dispatch.telemetry.metrics import count_events
from dispatch.telemetry.requests import request_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """What to tell live clients once the transaction has committed: a nudge, not the record."""

    event_id: int
    kind: str
    rooms: tuple[str, ...]
    data: dict[str, Any]


def record(
    kind: str,
    *,
    need: Need | None = None,
    assignment: Assignment | None = None,
    incident=None,
    actor_id: int | None = None,
    subdistrict_id: int | None = None,
    cell_id: int | None = None,
    county_id: int | None = None,
    **data: Any,
) -> NotedEvent:
    """Note an event about an incident, need or assignment (whichever is most specific); written by ``commit``.

    An event about none of them (a risk report, a warning) names its subdistrict and cell itself, for the rooms that
    hear it, and its county when the county's administrators are to hear it too.
    """
    need = need or (assignment.need if assignment else None)
    incident = incident or (need.incident if need else None)
    event = NotedEvent(
        kind=kind,
        incident_id=incident.id if incident else None,
        need_id=need.id if need else None,
        assignment_id=assignment.id if assignment else None,
        organization_id=assignment.organization_id if assignment else data.pop("organization_id", None),
        subdistrict_id=incident.subdistrict_id if incident else subdistrict_id,
        actor_id=actor_id,
        drill=bool(incident and incident.drill),
        data={**data, "request_id": request_id_} if (request_id_ := request_id()) else data,  # the log line's too
    )
    _pending_events().append((event, _rooms(event, incident, need.cell_id if need else cell_id, county_id)))
    return event


def send(message: NotedMessage, event: NotedEvent) -> None:
    """Queue an outbox message caused by ``event``; it is written with the event, in the same transaction."""
    _pending_outbox().append((message, event))


def _rooms(event: NotedEvent, incident, cell_id: int | None, county_id: int | None) -> tuple[str, ...]:
    rooms = [f"subdistrict:{event.subdistrict_id}"] if event.subdistrict_id else []
    if incident is not None or county_id is not None:
        rooms.append(f"county:{incident.subdistrict.county_id if incident is not None else county_id}")
    if event.organization_id:
        rooms.append(f"organization:{event.organization_id}")
    if cell_id is not None:  # the grid worker of the need's cell
        rooms.append(f"cell:{cell_id}")
    return tuple(rooms)


def _pending_events() -> list[tuple[NotedEvent, tuple[str, ...]]]:
    return db.session.info.setdefault("dispatch.events", [])


def _pending_outbox() -> list[tuple[NotedMessage, NotedEvent]]:
    return db.session.info.setdefault("dispatch.outbox", [])


def commit() -> None:
    """Commit; the session hooks below write the noted events and outbox messages first and nudge clients after."""
    db.session.commit()


def rollback() -> None:
    db.session.rollback()


@sa_event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Every commit writes what was noted, so no caller can commit and lose its events."""
    pending, outbox = session.info.pop("dispatch.events", []), session.info.pop("dispatch.outbox", [])
    if not pending:
        return
    session.flush()  # the transaction's own rows first: the counter's lock then covers only the log itself
    events = [event for event, _rooms in pending]
    notices = duty_group_notices(session, events)  # read before the counter's lock, added once the events have ids
    if session.get_bind().dialect.name == "postgresql":
        first = _log_in_one_statement(session, events, outbox)
    else:
        first = _log_through_the_orm(session, events, outbox)
    for offset, event in enumerate(events):
        event.id = first + offset
    for message, event in outbox:
        message.event_id = event.id
    keep_notices(session, notices)
    session.info["dispatch.published"] = [_nudge(event, rooms) for event, rooms in pending]
    now = datetime.now(UTC)
    session.info["dispatch.outbox_due"] = any(message.due_at is None or message.due_at <= now for message, _ in outbox)


def _log_through_the_orm(session: Session, events: list[NotedEvent], outbox: list[tuple[NotedMessage, NotedEvent]]) -> int:
    """SQLite: one writer at a time anyway; take the ids, then insert as usual. Returns the first id."""
    last = session.execute(
        update(EventCounter)
        .where(EventCounter.id == 1)
        .values(value=EventCounter.value + len(events))
        .returning(EventCounter.value)
    ).scalar_one()
    first = last - len(events) + 1
    for offset, event in enumerate(events):
        event.id = first + offset
    session.add_all([event.as_row() for event in events])
    for message, event in outbox:
        message.event_id = event.id
        session.add(message.as_row())
    session.flush()
    return first


def _log_in_one_statement(session: Session, events: list[NotedEvent], outbox: list[tuple[NotedMessage, NotedEvent]]) -> int:
    """PostgreSQL: take the ids and insert the events and outbox messages in one statement, so the counter row is
    locked for that one round trip and the commit's, not for one per table (under gevent every round trip lets
    other requests run, and a writer holding the lock would wait for them). Returns the first id."""
    number = {id(event): offset for offset, event in enumerate(events, start=1)}
    params = {
        "n": len(events),
        "events": _rows_json(Event, events, "id", number.values()),
        "outbox": _rows_json(OutboxMessage, [m for m, _ in outbox], "event_id", [number[id(e)] for _, e in outbox]),
    }
    return session.connection().execute(_one_statement(session.get_bind().dialect), params).scalar_one()


@cache
def _one_statement(dialect) -> TextClause:
    def insert_rows(table: Table, counted: str, name: str) -> str:
        columns = _logged_columns(table, counted)
        names = ", ".join(c.name for c in columns)
        types = ", ".join(f"{c.name} {c.type.compile(dialect)}" for c in columns)
        return (
            f"{name} AS (INSERT INTO {table.name} ({counted}, {names}) SELECT counter.base + r.offset_, {names} "
            f"FROM counter, jsonb_to_recordset(CAST(:{name} AS jsonb)) AS r(offset_ integer, {types}))"
        )

    return text(
        "WITH counter AS (UPDATE event_counter SET value = value + :n WHERE id = 1 RETURNING value - :n AS base), "
        f"{insert_rows(Event.__table__, 'id', 'events')}, {insert_rows(OutboxMessage.__table__, 'event_id', 'outbox')} "
        "SELECT base + 1 FROM counter"
    )


def _logged_columns(table: Table, counted: str) -> list[Column]:
    return [c for c in table.columns if c.name not in _numbered(counted)]


def _numbered(counted: str) -> frozenset[str]:
    """The columns the statement fills from the counter, not from the rows' JSON."""
    return frozenset({"id", counted})


def _rows_json(model, objects: list, counted: str, offsets) -> str:
    """The objects' rows as JSON for ``jsonb_to_recordset``, with Python-side defaults applied and personal data sealed
    (JSON passes by the column types)."""
    rows = [
        {"offset_": offset, **sealed_row(model, obj, _numbered(counted))} for obj, offset in zip(objects, offsets, strict=True)
    ]
    return json.dumps(rows, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot log {type(value).__name__} as JSON")


@sa_event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    """After the commit: nudge live clients, and start sending what is due now. Both are best effort: the record
    is committed, clients resync from the event log and the sweeper sends what is due, so an unreachable Redis
    must not turn a done change into an error."""
    due, published = session.info.pop("dispatch.outbox_due", False), session.info.pop("dispatch.published", [])
    count_events(item.kind for item in published)
    if not has_app_context():
        return
    try:
        if due:  # SMS due now go now, not at the next sweep
            nudge()
        if published and (publisher := current_app.extensions.get("dispatch.publisher")) is not None:
            publisher.publish(published)
    except Exception:  # Redis down or restarting: logged, and caught up later from the database
        log.exception("after commit: could not nudge clients or queue delivery")


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in ("dispatch.events", "dispatch.outbox", "dispatch.published", "dispatch.outbox_due"):
        session.info.pop(key, None)


def nudge_of(event: Event | NotedEvent) -> dict[str, Any]:
    """What a live client is told of an event: enough to know what changed and to fetch it."""
    return {
        "id": event.id, "kind": event.kind, "incident_id": event.incident_id, "need_id": event.need_id,
        "assignment_id": event.assignment_id, "drill": event.drill,
    }  # fmt: skip


def _nudge(event: NotedEvent, rooms: tuple[str, ...]) -> Published:
    return Published(event.id, event.kind, rooms, nudge_of(event))


def events_after(where, after: int, limit: int = 500) -> list[Event]:
    """Events matching ``where`` with ids above the cursor, oldest first."""
    return list(db.session.scalars(select(Event).where(where, Event.id > after).order_by(Event.id).limit(limit)))
