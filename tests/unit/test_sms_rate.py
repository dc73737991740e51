"""The SMS rate cap, on a clock of the test's own: a sender never goes faster than its messages per second."""

from __future__ import annotations

import uuid

import pytest

from notifications.rate import LocalRate, NoRate, RedisRate, rate_for
from tests import services


class Clock:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def sent_per_second(rate, clock: Clock, messages: int) -> dict[int, int]:
    per_second: dict[int, int] = {}
    for _ in range(messages):
        rate.wait()
        per_second[int(clock.now)] = per_second.get(int(clock.now), 0) + 1
    return per_second


def test_one_process_spaces_its_messages_evenly():
    clock = Clock()
    rate = LocalRate(5, clock=clock, sleep=clock.sleep)
    assert sent_per_second(rate, clock, 20) == {1000: 5, 1001: 5, 1002: 5, 1003: 5}


@pytest.fixture
def redis():
    import redis as redis_py

    services.ensure_redis()
    return redis_py.Redis.from_url(services.redis_url())


def test_workers_sharing_redis_never_pass_the_cap_together(redis):
    clock, sender = Clock(), f"+1500{uuid.uuid4().int % 10**7:07d}"
    workers = [RedisRate(redis, sender, 3, clock=clock, sleep=clock.sleep) for _ in range(2)]
    per_second: dict[int, int] = {}
    for i in range(12):
        workers[i % 2].wait()
        per_second[int(clock.now)] = per_second.get(int(clock.now), 0) + 1
    assert max(per_second.values()) == 3 and sum(per_second.values()) == 12


def test_no_cap_means_no_waiting():
    assert isinstance(rate_for(0, "+15005550006", None), NoRate)
    assert isinstance(rate_for(10, "+15005550006", None), LocalRate)


def test_a_worker_that_cannot_reach_redis_paces_itself_alone_rather_than_stop_sending():
    import redis as redis_py
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from tests.e2e.conftest import free_port

    clock = Clock()
    unreachable = redis_py.Redis(host="127.0.0.1", port=free_port(), retry=Retry(NoBackoff(), 0))
    rate = RedisRate(unreachable, "+15005550006", 4, clock=clock, sleep=clock.sleep)
    assert sent_per_second(rate, clock, 8) == {1000: 4, 1001: 4}
