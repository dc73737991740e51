"""Socket.IO connections: only logged-in users, placed by the server in the rooms of their scope.

There is no handler that lets a client join a room: rooms are chosen here and nowhere else.
"""

from __future__ import annotations

from flask import g
from flask_socketio import ConnectionRefusedError, join_room

from dispatch.auth import load_user
from dispatch.domain.scope import Actor, Role
from dispatch.extensions import socketio


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


@socketio.on("connect")
def on_connect(auth=None):
    load_user()  # socket events skip before_request, so read the session cookie here
    if g.get("actor") is None:
        raise ConnectionRefusedError("login_required")
    for room in rooms_for(g.actor):
        join_room(room)
    return True
