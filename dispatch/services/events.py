"""The event log: every domain event appended in the transaction that caused it, read back in id order.

Ids come from one counter row updated in the writing transaction. The update locks the row until commit, so
writers take ids in commit order and a reader that has seen id N will never later find a smaller id appear:
that is what makes ``after=N`` a safe resync cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from dispatch.extensions import db
from dispatch.models import Assignment, Event, EventCounter, Need


@dataclass(frozen=True)
class Published:
    """What to tell live clients once the transaction has committed: a nudge, not the record."""

    event_id: int
    kind: str
    rooms: tuple[str, ...]
    data: dict[str, Any]


def _next_id() -> int:
    """The next event id; the row is created by the migration, so there is no first-writer race."""
    return db.session.execute(
        update(EventCounter).where(EventCounter.id == 1).values(value=EventCounter.value + 1).returning(EventCounter.value)
    ).scalar_one()


def record(
    kind: str,
    *,
    need: Need | None = None,
    assignment: Assignment | None = None,
    incident=None,
    actor_id: int | None = None,
    **data: Any,
) -> Event:
    """Append an event about an incident, need or assignment (whichever is most specific); flushed, not committed."""
    need = need or (assignment.need if assignment else None)
    incident = incident or (need.incident if need else None)
    event = Event(
        id=_next_id(),
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
    db.session.add(event)
    db.session.flush()
    _pending().append(_nudge(event, incident))
    return event


def _nudge(event: Event, incident) -> Published:
    rooms = [f"subdistrict:{event.subdistrict_id}"] if event.subdistrict_id else []
    if incident is not None:
        rooms.append(f"county:{incident.subdistrict.county_id}")
    if event.organization_id:
        rooms.append(f"organization:{event.organization_id}")
    return Published(
        event.id,
        event.kind,
        tuple(rooms),
        {"id": event.id, "kind": event.kind, "need_id": event.need_id, "assignment_id": event.assignment_id},
    )


def _pending() -> list[Published]:
    return db.session.info.setdefault("dispatch.published", [])


def commit() -> None:
    """Commit the transaction, then nudge live clients about the events it recorded."""
    db.session.commit()
    published, db.session.info["dispatch.published"] = _pending(), []
    publisher = current_app.extensions.get("dispatch.publisher")
    for item in published:
        if publisher is not None:
            publisher.publish(item)


def rollback() -> None:
    db.session.rollback()
    db.session.info["dispatch.published"] = []


def events_after(where, after: int, limit: int = 500) -> list[Event]:
    """Events matching ``where`` with ids above the cursor, oldest first."""
    return list(db.session.scalars(select(Event).where(where, Event.id > after).order_by(Event.id).limit(limit)))
