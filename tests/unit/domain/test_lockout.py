"""Wrong passwords lock a login name for a while; tries during the lock neither count nor extend it."""

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.lockout import LockoutPolicy, is_locked, locked_until

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
POLICY = LockoutPolicy(attempts=5, window=timedelta(minutes=15), lock=timedelta(minutes=15))


def minutes(*values: float) -> list[datetime]:
    return [T0 + timedelta(minutes=value) for value in values]


def test_four_failures_lock_nothing():
    assert locked_until(minutes(0, 1, 2, 3), POLICY) is None


def test_the_fifth_failure_in_the_window_locks_for_the_lock_period():
    assert locked_until(minutes(0, 1, 2, 3, 4), POLICY) == T0 + timedelta(minutes=19)


def test_failures_spread_wider_than_the_window_never_lock():
    assert locked_until(minutes(0, 4, 8, 12, 16, 20, 24, 28), POLICY) is None


def test_a_lock_ends_and_the_failures_that_caused_it_are_spent():
    failures = minutes(0, 1, 2, 3, 4)
    assert is_locked(failures, POLICY, now=T0 + timedelta(minutes=18)) == T0 + timedelta(minutes=19)
    assert is_locked(failures, POLICY, now=T0 + timedelta(minutes=19)) is None
    assert locked_until(failures + minutes(20), POLICY) == T0 + timedelta(minutes=19)  # one more does not relock


def test_five_fresh_failures_after_a_lock_lock_again():
    assert locked_until(minutes(0, 1, 2, 3, 4, 20, 21, 22, 23, 24), POLICY) == T0 + timedelta(minutes=39)


def test_failures_recorded_during_a_lock_do_not_extend_it():
    assert locked_until(minutes(0, 1, 2, 3, 4, 10, 11, 12, 13, 14), POLICY) == T0 + timedelta(minutes=19)


def test_a_policy_must_lock_something():
    with pytest.raises(ValueError):
        LockoutPolicy(attempts=0)
