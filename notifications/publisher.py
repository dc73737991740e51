"""``SocketIOPublisher``: after a transaction commits, nudge the rooms its events concern.

A nudge carries event ids and kinds only; the event log is the record, and a client that missed a nudge catches
up with ``GET /api/events?after=<last id>``. One message per room per transaction, listing its events in order,
keeps a busy moment (a need posted with several offers) to a handful of emits; rooms owed the same events (the
subdistrict's, the county's, the cell's) share one emit, and a client in several of them gets it once. With a Redis
message queue configured, the emit reaches clients connected to any web process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from notifications.socket_queue import batched


class Publishes(Protocol):
    event_id: int
    kind: str
    rooms: tuple[str, ...]
    data: dict[str, Any]


class SocketIOPublisher:
    def __init__(self, socketio: Any) -> None:
        self._socketio = socketio

    def publish(self, items: Iterable[Publishes]) -> None:
        """Emit ``events`` to each room concerned, with that room's nudges in event-id order."""
        by_room: dict[str, list[Publishes]] = defaultdict(list)
        for item in items:
            for room in item.rooms:
                by_room[room].append(item)
        shared: dict[tuple[int, ...], tuple[list[Publishes], list[str]]] = {}  # rooms owed the same events: one emit
        for room, owed in by_room.items():
            shared.setdefault(tuple(item.event_id for item in owed), (owed, []))[1].append(room)
        with batched(self._socketio.server.manager):  # one round trip to Redis for them all
            for owed, rooms in shared.values():
                self._socketio.emit("events", [item.data for item in owed], to=rooms[0] if len(rooms) == 1 else rooms)
