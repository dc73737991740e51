"""When wrong passwords lock a login name: ``attempts`` failures within ``window`` lock it for ``lock``.

The rule runs on the name that was typed, whether or not an account has it, so a lock never tells anyone which
names exist. Tries during a lock are refused without looking at the password and do not extend it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockoutPolicy:
    attempts: int = 5
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.window <= timedelta(0) or self.lock <= timedelta(0):
            raise ValueError("a lockout needs at least one attempt, a window and a lock period")

    @property
    def memory(self) -> timedelta:
        """How far back failures can still matter."""
        return self.window + self.lock


def locked_until(failures: Iterable[datetime], policy: LockoutPolicy) -> datetime | None:
    """The end of the latest lock the failures (times of wrong passwords) caused, or None if they caused none.

    Counting starts afresh after each lock: the failures that caused it are spent."""
    until: datetime | None = None
    counting: list[datetime] = []
    for failure in sorted(failures):
        if until is not None and failure < until:
            continue  # a try while locked is refused before the password is looked at; it cannot count
        counting = [earlier for earlier in counting if failure - earlier < policy.window] + [failure]
        if len(counting) >= policy.attempts:
            until, counting = failure + policy.lock, []
    return until


def is_locked(failures: Iterable[datetime], policy: LockoutPolicy, now: datetime) -> datetime | None:
    """The end of the lock in force at ``now``, or None."""
    until = locked_until(failures, policy)
    return until if until is not None and until > now else None
