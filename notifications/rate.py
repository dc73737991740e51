"""Messages per second per sender number: carriers and Twilio queue or refuse a sender that goes faster.

``LocalRate`` paces one process (the embedded default). ``RedisRate`` paces every worker together: each second
has a counter in Redis, and a worker that finds the second full waits for the next one. A rate of 0 means no cap.
Both take the clock and the sleep they use, so tests can run them on a clock of their own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class NoRate:
    def wait(self) -> None:
        return None


class LocalRate:
    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic, sleep=time.sleep) -> None:
        self._interval, self._clock, self._sleep = 1.0 / per_second, clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


ALONE_S = 10.0  # after Redis fails to answer, a worker paces itself alone this long before asking it again


class RedisRate:
    def __init__(self, redis, sender: str, per_second: float, clock: Callable[[], float] = time.time, sleep=time.sleep) -> None:
        self._redis, self._key, self._cap = redis, f"dispatch:sms-rate:{sender}", max(1, int(per_second))
        self._clock, self._sleep = clock, sleep
        self._alone, self._alone_until = LocalRate(per_second, clock=clock, sleep=sleep), 0.0

    def wait(self) -> None:
        from redis.exceptions import RedisError

        while True:
            if self._clock() < self._alone_until:
                self._alone.wait()
                return
            second = int(self._clock())
            key = f"{self._key}:{second}"
            try:
                with self._redis.pipeline() as pipe:
                    count, _ = pipe.incr(key).expire(key, 5).execute()
            except RedisError:  # Redis away: pace this process alone for a while rather than stop sending
                self._alone_until = self._clock() + ALONE_S
                continue
            if count <= self._cap:
                return
            self._sleep(max(0.0, second + 1 - self._clock()))


def rate_for(per_second: float, sender: str, redis_url: str | None):
    if per_second <= 0:
        return NoRate()
    if redis_url:
        from redis import Redis

        return RedisRate(Redis.from_url(redis_url), sender, per_second)
    return LocalRate(per_second)
