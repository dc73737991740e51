"""The deadline sweeper: expires overdue offers, passes their needs on, runs drill steps that came due, writes the end
of warnings past their validity and hands due SMS and calls to delivery.

Deadlines live in the database, so the sweeper needs no memory: after any restart its first pass catches up.
Every process that runs jobs (each worker in production; the web process in the embedded default) runs a
``SweepLoop``; the one holding the sweeper's lease (a row in the database, renewed on every pass: see
``dispatch/services/liveness.py``) sweeps, the others stand by and take over within seconds when it dies or
freezes. Nothing of it depends on Redis, so a restarted or absent Redis stops no deadline.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from dispatch.extensions import db
from dispatch.services import liveness

log = logging.getLogger(__name__)
INTERVAL_S = 1.0


def sweep_once() -> int:
    """Expire overdue offers, run the drill steps that came due, end the warnings past their validity, then hand the outbox rows that came due (failover
    SMS and calls, retries) to delivery. Returns how many offers expired."""
    from dispatch.services.dispatch.answers import sweep_overdue
    from dispatch.services.duty_groups.compose import compose_duty_groups
    from dispatch.services.notify.delivery import enqueue_due, send_stalled
    from dispatch.services.plans.warnings import end_expired
    from dispatch.services.records.drills import run_due_steps

    expired = sweep_overdue()
    if expired:
        log.info("expired %d overdue offer(s)", expired)
    if stepped := run_due_steps():  # the drill clock is the runs' start times: caught up after any restart too
        log.info("ran %d drill step(s)", stepped)
    if ended := end_expired():  # the board hears it; standby answers are refused from then on
        log.info("ended %d warning(s) past their validity", ended)
    compose_duty_groups()  # group notices into outbox messages, as each robot's rate allows
    try:
        enqueue_due()
    except Exception:  # Redis away: the rows stay due in the database; send_stalled sends them if it lasts
        db.session.rollback()
        log.warning("sweeper: could not hand due messages to delivery", exc_info=True)
    send_stalled()
    liveness.swept()
    return expired


class SweepLoop(threading.Thread):
    """Every ``interval_s``: hold (or take over) the sweeper's lease, and sweep while holding it."""

    def __init__(self, app: Flask, interval_s: float = INTERVAL_S) -> None:
        super().__init__(name="deadline-sweeper", daemon=True)
        self._app, self._interval_s = app, interval_s
        self._stopping = threading.Event()  # not `_stop`: that name is threading.Thread's own, which join() calls

    def run(self) -> None:
        self._tick()
        while not self._stopping.wait(self._interval_s):
            self._tick()

    def _tick(self) -> None:
        with self._app.app_context():
            try:
                if liveness.lead_sweep():
                    sweep_once()
            except Exception:  # a bad pass (the database away) must not end the loop: the next one retries
                db.session.rollback()
                log.exception("sweeper pass failed")
            finally:
                db.session.remove()

    def stop(self) -> None:
        self._stopping.set()
