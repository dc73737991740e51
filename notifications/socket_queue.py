"""``BatchedRedisManager``: python-socketio's Redis message queue, where the emits made inside ``batch()`` reach
Redis as one message instead of one each.

Posting a need nudges a handful of rooms at once (its subdistrict's, then each organization offered the work), and
under gevent every round trip to Redis is a trip through the event loop; every web process also reads and decodes
every message any of them publishes. Both were measured as shares of the web process's CPU per post
(tests/bench/README.md, issue 18). Clients connected to this process get each emit at once, as before; the other
processes get the batch when it ends, microseconds later, as one message holding the emits in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import socketio

# The emits waiting for the end of the current batch: one list per thread or greenlet, None outside a batch.
_BATCH: ContextVar[list[dict[str, Any]] | None] = ContextVar("socket_queue_batch", default=None)
BATCHED = "batch"  # the key of a message holding several emits, each as the library publishes one
ATTEMPTS = 2  # as the library's own publish: reconnect once, then give up (clients resync from the event log)


class BatchedRedisManager(socketio.RedisManager):
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the emits made inside, and publish them together at the end (a batch inside a batch joins it)."""
        if _BATCH.get() is not None:
            yield
            return
        token = _BATCH.set([])
        try:
            yield
        finally:
            held = _BATCH.get() or []
            _BATCH.reset(token)
            if held:
                self._publish_together(held)

    def _publish(self, data: dict[str, Any]) -> None:
        held = _BATCH.get()
        if held is None:
            super()._publish(data)
        else:
            held.append(data)

    def _handle_emit(self, message: dict[str, Any]) -> None:
        """An emit, or a batch of them from another process, emitted here in order."""
        for emit in message.get(BATCHED, (message,)):
            super()._handle_emit(emit)

    def _publish_together(self, messages: list[dict[str, Any]]) -> None:
        together = messages[0] if len(messages) == 1 else {"method": "emit", "host_id": self.host_id, BATCHED: messages}
        for attempt in range(1, ATTEMPTS + 1):
            try:
                if not self.connected:
                    self._redis_connect()
                self.redis.publish(self.channel, self.json.dumps(together))
                return
            except Exception as exc:  # Redis down or restarting: the record is in the database either way
                self.connected = False
                self._get_logger().error(
                    "Cannot publish %d messages to redis (attempt %d of %d)", len(messages), attempt, ATTEMPTS,
                    extra={"redis_exception": str(exc)},
                )  # fmt: skip


@contextmanager
def batched(manager: object) -> Iterator[None]:
    """``manager.batch()`` where the client manager has one (with Redis), else nothing to hold."""
    batch = getattr(manager, "batch", None)
    if batch is None:
        yield
    else:
        with batch():
            yield
