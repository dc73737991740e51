"""Every job a worker (or the embedded default's job thread) ran: counted by name and outcome, and one log line."""

from __future__ import annotations

import logging

from dispatch.telemetry.metrics import JOBS

log = logging.getLogger("dispatch.jobs")


def job_ran(func_path: str, done: bool, seconds: float, **fields) -> None:
    name, outcome = func_path.rsplit(".", 1)[-1], "done" if done else "failed"
    JOBS.labels(name, outcome).inc()
    line = {"job": name, "outcome": outcome, "duration_ms": round(seconds * 1000, 2), **fields}
    (log.info if done else log.warning)("job", extra={"fields": line})
