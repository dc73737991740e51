"""``NotedEvent`` and ``NotedMessage``: an event, and an outbox message it causes, noted while a transaction works,
as plain values until the commit writes their rows.

A transaction notes its events and their messages as it goes (``events.record``, ``events.send``) and the commit
writes them all at once, the events taking their ids then. Until then they are only read (rooms, duty groups'
notices, whether a message is due now), so each is a plain object with its table's columns as attributes rather
than a mapped one: building a mapped object costs a post about a hundred Python calls each, and on PostgreSQL the
rows are written from these values without the session. The embedded database writes them through the session
(``as_row``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from dispatch.models import Event, OutboxMessage


@dataclass(eq=False)
class NotedEvent:
    kind: str
    incident_id: int | None = None
    need_id: int | None = None
    assignment_id: int | None = None
    organization_id: int | None = None
    subdistrict_id: int | None = None
    actor_id: int | None = None
    drill: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # when written: the column's default, at the commit
    id: int | None = None  # from the event counter, at the commit

    def as_row(self) -> Event:
        """The mapped object of this event's row (the embedded database writes it through the session)."""
        return _mapped(Event, self)


@dataclass(eq=False)
class NotedMessage:
    """An outbox message (SMS or voice) to write with the event that causes it; its other columns take their
    defaults when written (pending, no attempts, due now unless ``due_at`` says later)."""

    channel: str
    template: str
    recipient: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    organization_id: int | None = None
    assignment_id: int | None = None
    due_at: datetime | None = None
    event_id: int | None = None  # its event's, at the commit

    def as_row(self) -> OutboxMessage:
        return _mapped(OutboxMessage, self)


def _mapped(model: type, noted: NotedEvent | NotedMessage) -> Any:
    """The mapped object of a noted row: its values, and the column defaults for those it has none of."""
    values = ((f.name, getattr(noted, f.name)) for f in fields(noted))
    return model(**{name: value for name, value in values if value is not None})
