"""/api/events: everything in your jurisdiction after the last id you saw, for resyncing after a reconnect."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response

from dispatch.api.dispatch_presenters import event_out
from dispatch.api.spec import spec
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.schemas.common import ErrorOut
from dispatch.schemas.dispatching import EventOut, EventQuery
from dispatch.services.events import events_after
from dispatch.services.scoping import event_clause

bp = Blueprint("api_events", __name__, url_prefix="/api/events")


class Events(BaseModel):
    items: list[EventOut]
    last_id: int


@bp.get("")
@spec.validate(query=EventQuery, resp=Response(HTTP_200=Events, HTTP_401=ErrorOut, HTTP_422=ErrorOut), tags=["events"])
def list_events(query: EventQuery):
    """Events after ``after``, oldest first; ``last_id`` is the cursor for the next call."""
    found = events_after(event_clause(current_actor()), query.after, query.limit)
    return Events(items=[event_out(e, language()) for e in found], last_id=found[-1].id if found else query.after)
