"""The heartbeat of a process that runs jobs: a row in the database, written every ``BEAT_S`` seconds.

The health check counts the workers that beat recently (so it is right after Redis restarts, when RQ's own
registry of workers is empty), and delivery takes back at once the messages a process claimed and then stopped
beating (killed or frozen), instead of waiting out their lease.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from dispatch.extensions import db
from dispatch.services import liveness

log = logging.getLogger(__name__)
BEAT_S = 2.0


class Heartbeat(threading.Thread):
    def __init__(self, app: Flask, kind: str, interval_s: float = BEAT_S) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self._app, self._kind, self._interval_s = app, kind, interval_s
        self._stopping = threading.Event()

    def run(self) -> None:
        self._beat()
        while not self._stopping.wait(self._interval_s):
            self._beat()
        with self._app.app_context():
            liveness.stop_beating()
            db.session.remove()

    def _beat(self) -> None:
        with self._app.app_context():
            try:
                liveness.beat(self._kind)
            except Exception:  # the database away: beat again next time; the health check will say so meanwhile
                db.session.rollback()
                log.warning("heartbeat failed", exc_info=True)
            finally:
                db.session.remove()

    def stop(self) -> None:
        self._stopping.set()


class Background:
    """What every process that runs jobs keeps going beside them: its heartbeat and its sweep loop."""

    def __init__(self, app: Flask, kind: str) -> None:
        from dispatch.jobs.sweeper import SweepLoop

        self.threads = (Heartbeat(app, kind), SweepLoop(app))

    def start(self) -> Background:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout_s: float = 10) -> None:
        """A clean exit: stop both, and leave the worker list and the sweeper's lease to the others at once."""
        for thread in self.threads:
            thread.stop()
        for thread in self.threads:
            thread.join(timeout_s)
