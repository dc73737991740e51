"""The floor under posting a need: the least a POST can cost on production's stack, served as production serves.

``python tests/bench/floor_app.py`` (``HOST``, ``PORT``, ``DATABASE_URL``, ``REDIS_URL``, ``FLOOR_CHANNEL`` in the
environment) is what ``python wsgi.py`` is with the app taken out: the standard library monkey-patched by gevent
first, ``dispatch.serving.prepare_process()``, gevent's WSGI server with ``dispatch.serving``'s handler (Nagle off)
and listen backlog, no request log, as ``socketio.run`` starts it. A POST to any path reads its JSON body, INSERTs it
as one row into ``bench_floor_need`` of the same PostgreSQL database through psycopg 3 (the app's driver; a pool of
at most 15 connections, the size of the app's, autocommit, so one round trip that commits), PUBLISHes one message
through redis-py to the same Redis, and answers 201 with ``{"id": ..., "assignments": []}``. A GET answers 200.

Included: accepting the connection, parsing HTTP, reading and parsing the JSON body, one committed insert, one
publish, a JSON answer, and the Python under gevent doing it. Excluded, the app's own work: Flask's routing and
request context, the Socket.IO middleware, the session cookie and CSRF check, the login and rate limit, validation,
the candidate ranking and offers, the event log and outbox rows (more statements in one transaction, the counter
lock), the pool's pre-ping, the socket nudges and the response presenter. ``bench_post_need.py`` creates the table
and runs as many of these processes as it runs web processes, posting to them on the same open-loop schedule.
"""

from __future__ import annotations

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()  # before anything else is imported, as wsgi.py does

import contextlib
import json
import os
import queue
import threading
from collections.abc import Iterator

TABLE = "bench_floor_need"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id bigserial PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)
INSERT = f"INSERT INTO {TABLE} (body) VALUES (%s) RETURNING id"
POOL_SIZE = 15  # the app's SQLAlchemy pool: 5 and an overflow of 10


def libpq_url(url: str) -> str:
    """A SQLAlchemy-style URL (``postgresql+psycopg://``) as libpq reads it."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


class ConnectionPool:
    """At most ``size`` psycopg connections, opened when first needed, reused most-recent first."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size, self.opened = libpq_url(url), size, 0
        self.idle: queue.LifoQueue = queue.LifoQueue()
        self.lock = threading.Lock()

    @contextlib.contextmanager
    def connection(self) -> Iterator:
        import psycopg

        try:
            conn = self.idle.get_nowait()
        except queue.Empty:
            with self.lock:
                room = self.opened < self.size
                self.opened += room
            conn = psycopg.connect(self.url, autocommit=True) if room else self.idle.get(timeout=30)
        try:
            yield conn
        finally:
            self.idle.put(conn)


class FloorApp:
    """The WSGI app: one insert and one publish per POST."""

    def __init__(self, database_url: str, redis_url: str, channel: str) -> None:
        import redis

        self.pool = ConnectionPool(database_url, POOL_SIZE)
        self.redis = redis.Redis.from_url(redis_url)
        self.channel = channel

    def __call__(self, environ: dict, start_response) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return answer(start_response, "200 OK", {"status": "ok"})
        from psycopg.types.json import Jsonb

        body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        with self.pool.connection() as conn:
            row_id = conn.execute(INSERT, (Jsonb(body),)).fetchone()[0]
        self.redis.publish(self.channel, json.dumps({"kind": "need.posted", "need_id": row_id}))
        return answer(start_response, "201 CREATED", {"id": row_id, "assignments": []})


def answer(start_response, status: str, body: dict) -> list[bytes]:
    payload = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def serve() -> None:
    from gevent import pywsgi

    from dispatch.serving import LISTEN_BACKLOG, NoDelayHandler, prepare_process

    app = FloorApp(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], os.environ["FLOOR_CHANNEL"])
    prepare_process()
    address = (os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"]))
    pywsgi.WSGIServer(address, app, handler_class=NoDelayHandler, backlog=LISTEN_BACKLOG, log=None).serve_forever()


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    serve()
