"""The deadline sweeper: expires overdue offers and passes their needs on.

Deadlines live in the database, so the sweeper needs no memory: after any restart its first pass catches up.
Embedded: a thread of the web process. Production: a job on the RQ scheduler that schedules its own next run;
each run has an id of its time slot, so starting it twice (two web processes, a restart) never doubles it, and
expiry itself is guarded, so an offer is never expired or passed on twice.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import Flask, current_app

log = logging.getLogger(__name__)
INTERVAL_S = 5


def sweep_once() -> int:
    """Expire overdue offers, run the drill steps that came due, then hand the outbox rows that came due (failover
    SMS and calls) to delivery jobs."""
    from dispatch.services.answers import sweep_overdue
    from dispatch.services.delivery import enqueue_due
    from dispatch.services.drills import run_due_steps

    expired = sweep_overdue()
    if expired:
        log.info("expired %d overdue offer(s)", expired)
    if stepped := run_due_steps():  # the drill clock is the runs' start times: caught up after any restart too
        log.info("ran %d drill step(s)", stepped)
    enqueue_due()
    return expired


def sweep_and_reschedule() -> int:
    """RQ job: one pass, then the next run ``INTERVAL_S`` later."""
    try:
        return sweep_once()
    finally:
        schedule_next()


def schedule_next(delay_s: int = INTERVAL_S) -> None:
    from redis import Redis
    from rq import Queue

    queue = Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))
    slot = int(time.time() + delay_s) // INTERVAL_S
    queue.enqueue_in(timedelta(seconds=delay_s), "dispatch.jobs.sweeper.sweep_and_reschedule", job_id=f"sweeper-{slot}")


def sweeper_pending() -> bool:
    """Whether a sweeper run is queued, running or scheduled in Redis."""
    from redis import Redis
    from rq import Queue

    queue = Queue(current_app.config["RQ_QUEUE"], connection=Redis.from_url(current_app.config["REDIS_URL"]))
    waiting = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids(), *queue.started_job_registry.get_job_ids()]
    return any(job_id.startswith("sweeper-") for job_id in waiting)


class SweeperKeeper(threading.Thread):
    """Production: Redis keeps the sweeper's next run, and a Redis restarted without its data forgets it. This
    thread of the worker looks every few passes and schedules a run when none is waiting (run ids are per time
    slot, so two workers re-arming at once still make one run)."""

    def __init__(self, app: Flask, interval_s: float = 3 * INTERVAL_S) -> None:
        super().__init__(name="sweeper-keeper", daemon=True)
        self._app, self._interval_s = app, interval_s
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._interval_s):
            with self._app.app_context():
                try:
                    if not sweeper_pending():
                        log.warning("no sweeper run was waiting in Redis (restarted?); scheduling one")
                        schedule_next(delay_s=0)
                except Exception:  # Redis still away: try again next time
                    log.warning("sweeper keeper: Redis unreachable", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()


class SweeperThread(threading.Thread):
    """Embedded mode: sweep at once (catching up after a restart), then every ``INTERVAL_S`` seconds until stopped."""

    def __init__(self, app: Flask, interval_s: float = INTERVAL_S) -> None:
        super().__init__(name="deadline-sweeper", daemon=True)
        self._app, self._interval_s = app, interval_s
        self._stopping = threading.Event()  # not `_stop`: that name is threading.Thread's own, which join() calls

    def run(self) -> None:
        self._pass()
        while not self._stopping.wait(self._interval_s):
            self._pass()

    def _pass(self) -> None:
        with self._app.app_context():
            try:
                sweep_once()
            except Exception:  # a bad pass must not end the sweeper: the next one retries from the database
                log.exception("sweeper pass failed")

    def stop(self) -> None:
        self._stopping.set()
