"""Processes killed, frozen and restarted in the middle of work, in production mode: after each fault, an offer with
a 30-second timeout still expires and passes on, and a failover SMS still goes out, within 10 s of when they were
due; and /healthz says so when a worker dies, and again when it is back. See tests/e2e/chaos.py for a round."""

from __future__ import annotations

import time

import pytest
import requests

from tests.e2e.chaos import (
    PROMISE_S,
    Rounds,
    chaos_stack,
    freeze,
    holder_pid,
    kill,
    standing_by,
    thaw,
    worker_with_pid,
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with chaos_stack(tmp_path_factory) as (server, redis):
        yield server, redis, Rounds(server)


def kept_the_promise(lateness, server) -> None:
    assert lateness.worst_s <= PROMISE_S, (lateness, (server.logs / "worker.log").read_text()[-3000:])


def test_the_only_worker_killed_and_restarted(stack):
    server, _redis, rounds = stack

    def fault() -> None:
        kill(server.workers[-1])
        time.sleep(1)  # a supervisor starts it again
        server.start_worker()

    kept_the_promise(rounds.run("worker kill -9, restarted", fault), server)


def test_redis_killed_and_restarted_empty(stack):
    server, redis, rounds = stack
    kept_the_promise(rounds.run("Redis kill -9, restarted empty", redis.restart_empty), server)


def test_the_sweeping_worker_killed_with_another_standing_by(stack):
    server, _redis, rounds = stack
    standing_by(server)
    kept_the_promise(rounds.run("sweeping worker kill -9, another standing by", lambda: kill(_sweeper(server))), server)


def test_the_sweeping_worker_frozen_with_another_standing_by(stack):
    server, _redis, rounds = stack
    standing_by(server)
    frozen = _sweeper(server)
    try:
        kept_the_promise(rounds.run("sweeping worker frozen (SIGSTOP)", lambda: freeze(frozen)), server)
    finally:
        thaw(frozen)


def test_healthz_is_degraded_within_15_s_of_the_last_worker_dying_and_ok_within_15_s_of_one_returning(stack):
    server, _redis, _rounds = stack
    assert _status_within(server, "ok", 15)
    for worker in server.workers:
        if worker.poll() is None:
            kill(worker)
    degraded = _status_within(server, "degraded", 15)
    assert degraded and "no_worker" in degraded["problems"], degraded
    server.start_worker()
    assert _status_within(server, "ok", 15)


def _sweeper(server):
    return worker_with_pid(server, holder_pid(server))


def _status_within(server, wanted: str, seconds: float) -> dict | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = requests.get(f"{server.url}/healthz", timeout=5).json()
        if body["status"] == wanted:
            return body
        time.sleep(0.5)
    return None
