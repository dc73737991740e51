"""Production's job runner: an RQ worker that runs each job in its own process, in a fresh app context.

RQ's default worker forks a work horse per job; here the app is loaded once and every job runs in the worker
itself (``SimpleWorker``), each inside an app context of its own, so its database session starts clean and is
removed after it. Sending 10,000 SMS is then 10,000 function calls, not 10,000 forks.
"""

from __future__ import annotations

import time

from flask import Flask
from rq import SimpleWorker

from dispatch.jobs.queues import waiting_key
from dispatch.telemetry.jobs import job_ran


class AppWorker(SimpleWorker):
    app: Flask

    @property
    def stopped(self) -> bool:
        """Whether work() ended because a stop was asked for (not because Redis went away under it)."""
        return self._stop_requested or self._shutdown_requested_date is not None

    def perform_job(self, job, queue, execution) -> bool:
        if dedupe_key := job.meta.get("dedupe_key"):  # from now on, asking for this job again queues another
            self.connection.delete(waiting_key(dedupe_key))
        began = time.perf_counter()
        with self.app.app_context():
            done = super().perform_job(job, queue, execution)
        job_ran(job.func_name, done, time.perf_counter() - began, job_id=job.id, queue=queue.name)
        return done


def app_worker(app: Flask, queues: list[str], connection) -> AppWorker:
    worker = AppWorker(queues, connection=connection)
    worker.app = app
    return worker
