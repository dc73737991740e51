"""``SocketIOPublisher``: after a transaction commits, nudge the rooms its events concern.

A nudge carries the event id and kind only; the event log is the record, and a client that missed a nudge
catches up with ``GET /api/events?after=<last id>``. With a Redis message queue configured, the emit reaches
clients connected to any web process.
"""

from __future__ import annotations

from typing import Any, Protocol


class Publishes(Protocol):
    event_id: int
    kind: str
    rooms: tuple[str, ...]
    data: dict[str, Any]


class SocketIOPublisher:
    def __init__(self, socketio: Any) -> None:
        self._socketio = socketio

    def publish(self, item: Publishes) -> None:
        """Emit ``event`` with the nudge to each of the item's rooms."""
        for room in item.rooms:
            self._socketio.emit("event", item.data, to=room)
