"""``SocketIOPublisher``: after a transaction commits, nudge the rooms its events concern.

A nudge carries event ids and kinds only; the event log is the record, and a client that missed a nudge catches
up with ``GET /api/events?after=<last id>``. One message per room per transaction, listing its events in order,
keeps a busy moment (a need posted with several offers) to a handful of emits. With a Redis message queue
configured, the emit reaches clients connected to any web process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol


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
        by_room: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            for room in item.rooms:
                by_room[room].append(item.data)
        for room, nudges in by_room.items():
            self._socketio.emit("events", nudges, to=room)
