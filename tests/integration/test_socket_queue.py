"""The Socket.IO message queue's batch, against a real Redis: held to the end, then one message holding the emits in
order (the other web processes split it: tests/e2e/test_live_sockets.py)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import redis

from notifications.socket_queue import BatchedRedisManager, batched
from tests.services import ensure_redis, free_port, redis_url, start_private_redis


@pytest.fixture
def queue():
    ensure_redis()
    url, channel = redis_url(), f"test-socket-queue-{uuid.uuid4().hex[:8]}"
    listener = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    manager = BatchedRedisManager(url, channel=channel, write_only=True)
    yield manager, listener
    listener.close()


def heard(listener, seconds: float = 0.3) -> list[dict]:
    messages, until = [], time.monotonic() + seconds
    while time.monotonic() < until:
        if (message := listener.get_message(timeout=0.05)) is not None:
            messages.append(json.loads(message["data"]))
    return messages


def test_emits_in_a_batch_reach_redis_as_one_message_at_its_end_in_order(queue):
    manager, listener = queue
    with manager.batch():
        for number in range(3):
            manager.emit("events", [{"id": number}], room=f"organization:{number}")
        assert heard(listener) == []  # held until the batch ends
    (message,) = heard(listener)
    assert message["method"] == "emit" and message["host_id"] == manager.host_id
    assert [(m["room"], m["data"]) for m in message["batch"]] == [
        ("organization:0", [[{"id": 0}]]),
        ("organization:1", [[{"id": 1}]]),
        ("organization:2", [[{"id": 2}]]),
    ]


def test_an_emit_outside_a_batch_goes_at_once_and_a_batch_within_a_batch_joins_it(queue):
    manager, listener = queue
    manager.emit("events", [{"id": 1}], room="subdistrict:1")
    assert len(heard(listener)) == 1
    with batched(manager):
        with manager.batch():
            manager.emit("events", [{"id": 2}], room="subdistrict:1")
        assert heard(listener) == []  # the inner batch's end sends nothing: the outer one does
    assert len(heard(listener)) == 1


def test_a_batch_with_redis_gone_ends_without_an_error_and_sends_once_redis_is_back():
    port = free_port()
    server = start_private_redis(port)
    url = f"redis://127.0.0.1:{port}/0"
    manager = BatchedRedisManager(url, channel="test-gone", write_only=True)
    try:
        manager.emit("events", [{"id": 1}], room="subdistrict:1")  # connected
        server.kill()
        server.wait()
        with manager.batch():
            manager.emit("events", [{"id": 2}], room="subdistrict:1")  # the record is in the database; clients resync
        server = start_private_redis(port)
        listener = redis.Redis.from_url(url).pubsub(ignore_subscribe_messages=True)
        listener.subscribe("test-gone")
        with manager.batch():
            manager.emit("events", [{"id": 3}], room="subdistrict:1")
        assert [m["data"] for m in heard(listener)] == [[[{"id": 3}]]]
        listener.close()
    finally:
        server.kill()
        server.wait()


def test_without_a_manager_that_batches_there_is_nothing_to_hold():
    with batched(object()):
        pass
