"""Whether the system is keeping its promises right now, from a few facts the health check gathers.

The promises: some process runs jobs (production: a worker that beat recently), deadlines are swept every few
seconds, and SMS that came due go out. Each broken one is named, so an operator reads what is wrong, not only that
something is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Problem(str, Enum):
    NO_WORKER = "no_worker"  # no worker process has beaten within WORKER_STALE_S
    NEVER_SWEPT = "never_swept"  # no sweep pass has ever finished
    SWEEPER_LATE = "sweeper_late"  # the last sweep pass ended longer ago than SWEEPER_LATE_S
    OUTBOX_LATE = "outbox_late"  # an SMS or call has been due for longer than OUTBOX_LATE_S


# The promise: a deadline is acted on, and a due message goes out, within 10 s, whatever fails.
WORKER_STALE_S = 8.0  # four missed beats (one every 2 s)
SWEEPER_LATE_S = 10.0  # a pass every second; a dead or frozen sweeper's lease (4 s) is taken over well within this
OUTBOX_LATE_S = 10.0  # a due message waits a moment for a drain, 3 s at most for the sweeper's own sending


@dataclass(frozen=True)
class Facts:
    workers_alive: int | None  # None: jobs run inside the web process (the embedded default)
    sweeper_lag_s: float | None  # seconds since the last sweep pass ended; None: never
    oldest_due_s: float | None  # how long the longest-waiting due message has waited; None: nothing waits


def problems(facts: Facts) -> list[Problem]:
    """The promises broken now, in the order an operator should look at them."""
    found = []
    if facts.workers_alive == 0:
        found.append(Problem.NO_WORKER)
    if facts.sweeper_lag_s is None:
        found.append(Problem.NEVER_SWEPT)
    elif facts.sweeper_lag_s > SWEEPER_LATE_S:
        found.append(Problem.SWEEPER_LATE)
    if facts.oldest_due_s is not None and facts.oldest_due_s > OUTBOX_LATE_S:
        found.append(Problem.OUTBOX_LATE)
    return found
