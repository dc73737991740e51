"""The event log: every domain event appended in the transaction that caused it, read back in id order.

Events are collected while a transaction works and written just before it commits, taking their ids from one
counter row in a single update. That update locks the row until the commit, so writers take ids in commit order
and a reader that has seen id N never later finds a smaller id appear: that is what makes ``after=N`` a safe
resync cursor. Holding the lock only for the final insert and commit keeps concurrent writers from queueing
behind each other's ranking and offers.

Outbox messages (pushes and SMS) that name an event are written at the same moment, so they carry its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatch.extensions import db
from dispatch.models import Assignment, Event, EventCounter, Need, OutboxMessage


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
    **data: Any,
) -> Event:
    """Note an event about an incident, need or assignment (whichever is most specific); written by ``commit``."""
    need = need or (assignment.need if assignment else None)
    incident = incident or (need.incident if need else None)
    event = Event(
        kind=kind,
        incident_id=incident.id if incident else None,
        need_id=need.id if need else None,
        assignment_id=assignment.id if assignment else None,
        organization_id=assignment.organization_id if assignment else data.pop("organization_id", None),
        subdistrict_id=incident.subdistrict_id if incident else None,
        actor_id=actor_id,
        drill=bool(incident and incident.drill),
        data=data,
    )
    _pending_events().append((event, _rooms(event, incident)))
    return event


def send(message: OutboxMessage, event: Event) -> None:
    """Queue an outbox message caused by ``event``; it is written with the event, in the same transaction."""
    _pending_outbox().append((message, event))


def _rooms(event: Event, incident) -> tuple[str, ...]:
    rooms = [f"subdistrict:{event.subdistrict_id}"] if event.subdistrict_id else []
    if incident is not None:
        rooms.append(f"county:{incident.subdistrict.county_id}")
    if event.organization_id:
        rooms.append(f"organization:{event.organization_id}")
    return tuple(rooms)


def _pending_events() -> list[tuple[Event, tuple[str, ...]]]:
    return db.session.info.setdefault("dispatch.events", [])


def _pending_outbox() -> list[tuple[OutboxMessage, Event]]:
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
    if pending:
        last = session.execute(
            update(EventCounter)
            .where(EventCounter.id == 1)
            .values(value=EventCounter.value + len(pending))
            .returning(EventCounter.value)
        ).scalar_one()
        for offset, (event, _rooms) in enumerate(pending):
            event.id = last - len(pending) + 1 + offset
        session.add_all(event for event, _ in pending)
    for message, event in outbox:
        message.event_id = event.id
        session.add(message)
    session.flush()
    session.info["dispatch.published"] = [_nudge(event, rooms) for event, rooms in pending]


@sa_event.listens_for(Session, "after_commit")
def _publish_committed(session: Session) -> None:
    published = session.info.pop("dispatch.published", [])
    publisher = current_app.extensions.get("dispatch.publisher") if published and has_app_context() else None
    if publisher is not None:
        publisher.publish(published)


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    for key in ("dispatch.events", "dispatch.outbox", "dispatch.published"):
        session.info.pop(key, None)


def _nudge(event: Event, rooms: tuple[str, ...]) -> Published:
    data = {"id": event.id, "kind": event.kind, "need_id": event.need_id, "assignment_id": event.assignment_id}
    return Published(event.id, event.kind, rooms, data)


def events_after(where, after: int, limit: int = 500) -> list[Event]:
    """Events matching ``where`` with ids above the cursor, oldest first."""
    return list(db.session.scalars(select(Event).where(where, Event.id > after).order_by(Event.id).limit(limit)))
