"""The health verdict: each broken promise is named; a system that keeps them all has none."""

from __future__ import annotations

from dispatch.domain.health import OUTBOX_LATE_S, SWEEPER_LATE_S, Facts, Problem, problems

HEALTHY = Facts(workers_alive=1, sweeper_lag_s=1.5, oldest_due_s=None)


def test_a_system_with_a_worker_a_fresh_sweep_and_nothing_waiting_has_no_problem():
    assert problems(HEALTHY) == []
    assert problems(Facts(workers_alive=None, sweeper_lag_s=0.2, oldest_due_s=3.0)) == []  # embedded, a message just due


def test_no_live_worker_is_a_problem_in_production_only():
    assert problems(Facts(workers_alive=0, sweeper_lag_s=1.0, oldest_due_s=None)) == [Problem.NO_WORKER]


def test_a_sweeper_that_never_ran_or_stopped_running_is_named():
    assert problems(Facts(1, None, None)) == [Problem.NEVER_SWEPT]
    assert problems(Facts(1, SWEEPER_LATE_S + 0.1, None)) == [Problem.SWEEPER_LATE]
    assert problems(Facts(1, SWEEPER_LATE_S, None)) == []


def test_a_message_due_for_too_long_is_named_with_everything_else_that_is_wrong():
    assert problems(Facts(0, None, OUTBOX_LATE_S + 1)) == [Problem.NO_WORKER, Problem.NEVER_SWEPT, Problem.OUTBOX_LATE]
