"""Job queue adapters: ``InlineQueue`` (embedded, a thread) and ``RqQueue`` (Redis + RQ).

Jobs run in lanes. The main lane carries what leaders and officers wait for (offers' SMS and calls, answers); the
``slow`` lane carries jobs that talk to outside services that may hang (the duty groups' robots), so a robot that
does not answer holds up no SMS: in the embedded default each lane has its own thread; with RQ each lane is a queue
of its own (``<RQ_QUEUE>`` and ``<RQ_QUEUE>-slow``), and workers take the main queue's jobs first.
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from dispatch.telemetry.jobs import job_ran

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueHealth:
    backend: str
    ok: bool
    detail: dict[str, Any]


MAIN_LANE = ""
SLOW_LANE = "slow"
LANES = (MAIN_LANE, SLOW_LANE)  # in the order workers take their jobs


def queue_names(name: str) -> list[str]:
    """The RQ queues of every lane, main first: what a worker listens to."""
    return [f"{name}-{lane}" if lane else name for lane in LANES]


class JobQueue(Protocol):
    """The port the services use to run work in the background."""

    def enqueue(self, func_path: str, *args: Any, dedupe_key: str | None = None, lane: str = MAIN_LANE) -> None:
        """Run the job in the background; with a ``dedupe_key``, not again while one with that key still waits."""

    def health(self) -> QueueHealth: ...

    def depths(self) -> dict[str, int]:
        """Jobs waiting, by queue name (for the metrics)."""


def resolve(func_path: str) -> Callable[..., Any]:
    module, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class InlineQueue:
    """Runs jobs on a background thread per lane of this process, inside an app context.

    Used in the embedded default; jobs still go by dotted path so the same call works with RQ.
    A job enqueued with a ``dedupe_key`` while one with the same key is still waiting is dropped.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._jobs: dict[str, queue.Queue[tuple[str, tuple[Any, ...], str | None]]] = {lane: queue.Queue() for lane in LANES}
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self.failed = 0
        self.done = 0

    def enqueue(self, func_path: str, *args: Any, dedupe_key: str | None = None, lane: str = MAIN_LANE) -> None:
        with self._lock:
            if dedupe_key is not None and dedupe_key in self._waiting:
                return
            if dedupe_key is not None:
                self._waiting.add(dedupe_key)
        self._ensure_thread(lane)
        self._jobs[lane].put((func_path, args, dedupe_key))

    def join(self) -> None:
        """Wait until every job enqueued so far has run (tests and the CLI use this)."""
        for jobs in self._jobs.values():
            jobs.join()

    def health(self) -> QueueHealth:
        alive = any(thread.is_alive() for thread in self._threads.values())
        detail = {
            "thread": "running" if alive else "idle",
            "waiting": sum(jobs.qsize() for jobs in self._jobs.values()),
            "done": self.done,
            "failed": self.failed,
        }
        return QueueHealth("inline", True, detail)

    def depths(self) -> dict[str, int]:
        return {queue_names("inline")[index]: self._jobs[lane].qsize() for index, lane in enumerate(LANES)}

    def _ensure_thread(self, lane: str) -> None:
        with self._lock:
            thread = self._threads.get(lane)
            if thread is None or not thread.is_alive():
                name = f"inline-jobs-{lane}" if lane else "inline-jobs"
                self._threads[lane] = threading.Thread(target=self._work, args=(lane,), name=name, daemon=True)
                self._threads[lane].start()

    def _work(self, lane: str) -> None:
        jobs = self._jobs[lane]
        while True:
            func_path, args, dedupe_key = jobs.get()
            with self._lock:
                self._waiting.discard(dedupe_key)
            self._run(func_path, args)
            jobs.task_done()

    def _run(self, func_path: str, args: tuple[Any, ...]) -> None:
        began, done = time.perf_counter(), False
        try:
            with self._app.app_context():
                resolve(func_path)(*args)
            self.done += 1
            done = True
        except Exception:
            self.failed += 1
            log.exception("inline job %s failed", func_path)
        finally:
            job_ran(func_path, done, time.perf_counter() - began, queue="inline")


class RqQueue:
    """Enqueues jobs on an RQ queue in Redis; ``make worker`` (``flask --app wsgi worker``) runs them.

    A ``dedupe_key`` is a Redis key set (``SET NX``) while its job waits and deleted by the worker as the job starts
    (``AppWorker``); it expires on its own, so a key whose job was lost cannot block the next one for long, and once
    it has expired the queue itself is looked at before another job joins the one still waiting. Each job
    still gets an RQ id of its own: RQ keeps a finished job's data under its id for a while, and a new job reusing
    the id would have its data expire with the old one's.
    """

    def __init__(self, redis_url: str, name: str) -> None:
        from redis import Redis
        from rq import Queue

        self._redis = Redis.from_url(redis_url)
        self._queues = {lane: Queue(queue, connection=self._redis) for lane, queue in zip(LANES, queue_names(name), strict=True)}
        self._queue = self._queues[MAIN_LANE]

    def enqueue(self, func_path: str, *args: Any, dedupe_key: str | None = None, lane: str = MAIN_LANE) -> None:
        lane_queue = self._queues[lane]
        if dedupe_key is None:
            lane_queue.enqueue(func_path, *args)
            return
        waiting = waiting_key(dedupe_key)
        if not self._redis.set(waiting, "1", nx=True, ex=WAITING_TTL_S) or self._still_queued(lane_queue, dedupe_key):
            return
        try:
            lane_queue.enqueue(func_path, *args, meta={"dedupe_key": dedupe_key})
        except Exception:
            self._redis.delete(waiting)
            raise

    def _still_queued(self, lane_queue, dedupe_key: str) -> bool:
        """Whether a job of this key still waits though its key ran out (the workers were busy that long): the key is
        set again for it, and no second job joins it."""
        from rq.job import Job

        waiting = Job.fetch_many(lane_queue.get_job_ids(0, QUEUE_LOOKED_AT - 1), connection=self._redis)
        return any(job is not None and job.meta.get("dedupe_key") == dedupe_key for job in waiting)

    def health(self) -> QueueHealth:
        from redis.exceptions import RedisError

        try:
            waiting = sum(lane_queue.count for lane_queue in self._queues.values())
            return QueueHealth("rq", True, {"queue": self._queue.name, "waiting": waiting})
        except RedisError as exc:
            return QueueHealth("rq", False, {"queue": self._queue.name, "error": type(exc).__name__})

    def depths(self) -> dict[str, int]:
        return {lane_queue.name: lane_queue.count for lane_queue in self._queues.values()}


WAITING_TTL_S = 10  # a job lost with its key still set (taken by a worker that froze) is asked for again this soon
QUEUE_LOOKED_AT = 100  # the first jobs of the queue searched for one waiting under a key that ran out


def waiting_key(dedupe_key: str) -> str:
    return f"dispatch:waiting:{dedupe_key}"
