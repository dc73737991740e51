"""Job queue adapters: ``InlineQueue`` (embedded, a thread) and ``RqQueue`` (Redis + RQ)."""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueHealth:
    backend: str
    ok: bool
    detail: dict[str, Any]


class JobQueue(Protocol):
    """The port the services use to run work in the background."""

    def enqueue(self, func_path: str, *args: Any, job_id: str | None = None) -> None: ...

    def health(self) -> QueueHealth: ...


def resolve(func_path: str) -> Callable[..., Any]:
    module, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class InlineQueue:
    """Runs jobs on one background thread of this process, inside an app context.

    Used in the embedded default; jobs still go by dotted path so the same call works with RQ.
    A job id enqueued while the same id is still waiting is dropped (the job is idempotent anyway).
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._jobs: queue.Queue[tuple[str, tuple[Any, ...], str | None]] = queue.Queue()
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.failed = 0
        self.done = 0

    def enqueue(self, func_path: str, *args: Any, job_id: str | None = None) -> None:
        with self._lock:
            if job_id is not None and job_id in self._waiting:
                return
            if job_id is not None:
                self._waiting.add(job_id)
        self._ensure_thread()
        self._jobs.put((func_path, args, job_id))

    def join(self) -> None:
        """Wait until every job enqueued so far has run (tests and the CLI use this)."""
        self._jobs.join()

    def health(self) -> QueueHealth:
        alive = self._thread is not None and self._thread.is_alive()
        detail = {
            "thread": "running" if alive else "idle",
            "waiting": self._jobs.qsize(),
            "done": self.done,
            "failed": self.failed,
        }
        return QueueHealth("inline", True, detail)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="inline-jobs", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            func_path, args, job_id = self._jobs.get()
            with self._lock:
                self._waiting.discard(job_id)
            self._run(func_path, args)
            self._jobs.task_done()

    def _run(self, func_path: str, args: tuple[Any, ...]) -> None:
        try:
            with self._app.app_context():
                resolve(func_path)(*args)
            self.done += 1
        except Exception:
            self.failed += 1
            log.exception("inline job %s failed", func_path)


class RqQueue:
    """Enqueues jobs on an RQ queue in Redis; ``make worker`` (``flask --app wsgi worker``) runs them."""

    def __init__(self, redis_url: str, name: str) -> None:
        from redis import Redis
        from rq import Queue

        self._redis = Redis.from_url(redis_url)
        self._queue = Queue(name, connection=self._redis)

    def enqueue(self, func_path: str, *args: Any, job_id: str | None = None) -> None:
        self._queue.enqueue(func_path, *args, job_id=job_id)

    def health(self) -> QueueHealth:
        from redis.exceptions import RedisError
        from rq import Worker

        try:
            workers = Worker.count(queue=self._queue)
            detail = {"queue": self._queue.name, "waiting": self._queue.count, "workers": workers}
            return QueueHealth("rq", workers > 0, detail)  # queued jobs with no worker to run them are not healthy
        except RedisError as exc:
            return QueueHealth("rq", False, {"error": type(exc).__name__})
