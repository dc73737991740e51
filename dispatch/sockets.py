"""Socket.IO connections: only logged-in users, placed by the server in the rooms of their scope.

There is no handler that lets a client join a room: rooms are chosen here and nowhere else.

On every (re)connect the client sends the last event id it saw (``auth={"after": id}``) and is sent everything in
its scope after it, as ``resync`` messages of up to ``RESYNC_PAGE`` nudges (``{"items": [...], "last_id": n,
"more": bool}``). The connection joins its rooms before the backlog is read, so an event is either in the
backlog or arrives live (or both: clients drop ids they have seen). A client moves its saved cursor on only when a
``resync`` with ``more: false`` has arrived. A leader's phone acknowledges an offer with ``seen``
(``{"assignment_id": id}``, answered through the Socket.IO callback), which stops the failover SMS.
"""

from __future__ import annotations

import threading

from flask import g, request
from flask_socketio import ConnectionRefusedError, emit, join_room

from dispatch.auth import load_user
from dispatch.domain.scope import Actor, Forbidden, Role
from dispatch.extensions import db, socketio
from dispatch.schemas.common import ROW_ID_MAX
from dispatch.services.dispatch import answers
from dispatch.services.errors import NotFound
from dispatch.services.events import events_after, nudge_of
from dispatch.services.identity.passwords import change_due
from dispatch.services.scoping import event_clause
from dispatch.telemetry.metrics import SOCKETS

RESYNC_PAGE = 500


def rooms_for(actor: Actor) -> list[str]:
    """The rooms a connection of this actor belongs to."""
    rooms = [f"user:{actor.user_id}"]
    if actor.organization_id is not None:
        rooms.append(f"organization:{actor.organization_id}")
    if actor.role is Role.DUTY_OFFICER and actor.subdistrict_id is not None:
        rooms.append(f"subdistrict:{actor.subdistrict_id}")
    if actor.role is Role.ADMIN and actor.county_id is not None:
        rooms.append(f"county:{actor.county_id}")
    rooms.extend(f"cell:{cell_id}" for cell_id in sorted(actor.cell_ids))
    return rooms


# When a web process dies, its phones reconnect to the others within seconds: a thousand connects each reading the
# session and the backlog at once would take every connection of the database pool and leave posts waiting for one
# (measured: 114 connects and 381 posts failing after the pool's 30 s). So a process lets this many connects read the
# database at once; the others wait their turn (a phone waits a few seconds longer), and posts keep the pool.
CONNECTS_AT_ONCE = 8  # about half the pool (5 + 10 connections): posts keep the other half
_connecting = threading.BoundedSemaphore(CONNECTS_AT_ONCE)  # gevent's, once the standard library is patched


@socketio.on("connect")
def on_connect(auth=None):
    with _connecting:
        try:
            _connect(auth)
        finally:
            db.session.remove()  # its database connection goes back to the pool before the next connect's turn
    SOCKETS.inc()
    return True


def _connect(auth) -> None:
    load_user()  # socket events skip before_request, so read the session cookie here
    if g.get("actor") is None:
        raise ConnectionRefusedError("login_required")
    if change_due(g.user) is not None:  # the change-password form comes first, as for every page
        raise ConnectionRefusedError("password.change_required")
    for room in rooms_for(g.actor):
        join_room(room)
    after = auth.get("after") if isinstance(auth, dict) else None
    if _row_number(after, lowest=0):
        _resync(g.actor, after)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    SOCKETS.dec()


def _row_number(value, lowest: int = 1) -> bool:
    """Whether a client's value can be a row id (or, from 0, an event cursor) in the database: anything else is
    ignored or refused here, before it reaches a query."""
    return isinstance(value, int) and not isinstance(value, bool) and lowest <= value <= ROW_ID_MAX


def _resync(actor: Actor, after: int) -> None:
    where = event_clause(actor)
    while True:
        found = events_after(where, after, RESYNC_PAGE)
        after = found[-1].id if found else after
        more = len(found) == RESYNC_PAGE
        emit("resync", {"items": [nudge_of(event) for event in found], "last_id": after, "more": more}, to=request.sid)
        if not more:
            return


@socketio.on("seen")
def on_seen(data=None):
    load_user()
    if g.get("actor") is None:
        return {"ok": False, "error": "login_required"}
    assignment_id = data.get("assignment_id") if isinstance(data, dict) else None
    if not _row_number(assignment_id):
        return {"ok": False, "error": "assignment_id"}
    try:
        first = answers.mark_seen(g.actor, assignment_id)
    except NotFound:
        return {"ok": False, "error": "not_found"}
    except Forbidden:  # a role that does not answer offers
        return {"ok": False, "error": "forbidden"}
    return {"ok": True, "first": first}
