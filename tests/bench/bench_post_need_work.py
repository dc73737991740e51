"""What posting a need costs in work rather than time: statements, Redis round trips and Python function calls per
post, counted in one process on production's stack; and, beside them, that process's CPU per post.

Run ``python tests/bench/bench_post_need_work.py [--posts 200] [--rounds 3] [--profile FILE]``; prints a context line and one JSON line
per figure: {"bench": "post_need_work", "metric": ..., "value": ..., "unit": ..., "target": ...}. About a minute.

Why: CPU times move with the machine and with whatever else runs on it (issue 18 found figures a quiet machine gave
that a fresh one did not). The counts do not: the same code posts the same needs with the same statements, round
trips and, within a few per cent, the same Python calls, on any machine. They say whether a change did less work
before any timed bench can, and what the work is made of.

The stack is ``bench_post_need.py``'s: a throwaway PostgreSQL database and a Redis db number of its own, ``flask
--app wsgi setup --demo``. This process then monkey-patches the standard library with gevent, as ``python wsgi.py``
does, creates the app as production does (PostgreSQL, Redis, the Socket.IO queue through Redis), logs in as
``demo-duty`` through the login form with Flask's test client, and posts needs like bench_post_need's (a random point
in one of the officer's cells, one uncertified skill, 1-10 people, an ``Idempotency-Key``) after a warm-up:

- statements: what SQLAlchemy sends (``before_cursor_execute``), by kind; the transaction's BEGIN and COMMIT, and the
  pool's pre-ping, are not counted;
- Redis round trips: packets redis-py sends (``send_packed_command``: a pipeline is one), the rate limiter's included;
- Python calls: function calls, Python and built-in, while the app handles a post (``sys.setprofile`` around the WSGI
  app, so the test client's own are not counted);
- CPU per post: this thread's CPU over ``--posts`` posts, in ``--rounds`` rounds (median, min, max), without the
  counting. The test client is counted in it, gevent's server and the request log line are not: it is not the live
  server's figure (``bench_post_need.py``'s ``server_cpu_per_post``) but moves with it.
"""

from __future__ import annotations

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()  # as wsgi.py does in production, before anything else is imported

import argparse
import collections
import cProfile
import os
import random
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_post_need import SEED, demo_password, flask, need_bodies, throwaway_stack  # noqa: E402
from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.live_client import cell_polygons, interior_points, skill_codes  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

WARMUP_POSTS = 20
BASE = "http://localhost"

emit = figure_printer("post_need_work")
log = note_printer("bench_post_need_work")


class InProcessHttp:
    """The face of ``requests`` that tests/live_client's helpers use, over Flask's test client."""

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url: str, params: dict | None = None, timeout: float | None = None) -> _Answer:
        return _Answer(self.client.get(url, query_string=params))


class _Answer:
    def __init__(self, response) -> None:
        self.response, self.status_code = response, response.status_code

    def json(self) -> object:
        return self.response.get_json()


class CallCounter:
    """WSGI middleware counting Python calls (``call`` and ``c_call`` events) while the app handles a request."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app, self.calls, self.on = wsgi_app, 0, False

    def _count(self, _frame, event: str, _arg) -> None:
        if event in ("call", "c_call"):
            self.calls += 1

    def __call__(self, environ, start_response):
        if not self.on:
            return self.wsgi_app(environ, start_response)
        sys.setprofile(self._count)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            sys.setprofile(None)


def logged_in(app, password: str):
    """A test client logged in as demo-duty through the login form, and the headers an API write needs."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": "demo-duty", "password": password}
    answer = client.post("/login", data=form, headers={"Referer": f"{BASE}/login"})
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")
    return client, {"X-CSRFToken": client.get("/api/csrf").get_json()["csrf_token"]}


def run(posts: int, rounds: int, profile: Path | None = None) -> int:
    import redis.connection
    from sqlalchemy import event

    emit_context(emit)
    with throwaway_stack("dispatch-bench-post-need-work-") as stack:
        env = {
            "DATABASE_URL": stack.pg_url, "REDIS_URL": stack.redis_url, "DISPATCH_INSTANCE_DIR": str(stack.workdir / "instance"),
            "SECRET_KEY": "bench-post-need-work-not-secret", "ALLOW_DEMO_LOGINS": "1", **HARNESS_SETTINGS,
            "SOCKETIO_CHANNEL": f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}", "SESSION_COOKIE_SECURE": "0",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }  # fmt: skip
        os.environ.update(env)
        setup_log = stack.workdir / "setup.log"
        with setup_log.open("wb") as out:
            subprocess.run(
                flask("setup", "--demo"), cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, check=True
            )

        from dispatch import create_app
        from dispatch.extensions import db
        from dispatch.serving import prepare_process

        app = create_app()
        prepare_process()  # as python wsgi.py does before serving: its collector settings
        counter = CallCounter(app.wsgi_app)
        app.wsgi_app = counter
        client, headers = logged_in(app, demo_password(setup_log))
        http = InProcessHttp(client)
        opened = client.post(
            "/api/incidents", json={"title": "工作量 work", "category": "natural_disaster", "level": "III"}, headers=headers
        )
        incident_id = opened.get_json()["id"]
        rng = random.Random(SEED)
        polygons, skills = cell_polygons(http, BASE), skill_codes(http, BASE)
        bodies = iter(need_bodies(interior_points(polygons, WARMUP_POSTS + posts * (rounds + 2), rng), skills, rng))

        def post() -> None:
            answer = client.post(
                f"/api/incidents/{incident_id}/needs", json=next(bodies), headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            if answer.status_code != 201:
                raise RuntimeError(f"a post answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")

        for _ in range(WARMUP_POSTS):
            post()

        statements: collections.Counter[str] = collections.Counter()
        with app.app_context():
            engine = db.engine

        def count_statement(_conn, _cursor, statement: str, *_args) -> None:
            statements[" ".join(statement.split()[:3])] += 1

        event.listen(engine, "before_cursor_execute", count_statement)
        sent = [0]
        send_packed = redis.connection.AbstractConnection.send_packed_command

        def count_round_trip(self, command, check_health=True):
            sent[0] += 1
            return send_packed(self, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = count_round_trip
        counter.on = True
        for _ in range(posts):
            post()
        counter.on = False
        redis.connection.AbstractConnection.send_packed_command = send_packed
        event.remove(engine, "before_cursor_execute", count_statement)

        emit(
            "statements_per_post",
            round(sum(statements.values()) / posts, 2),
            "statements",
            note="BEGIN, COMMIT and the pre-ping not counted",
        )
        for kind, count in statements.most_common():
            emit("statements_per_post_by_kind", round(count / posts, 2), "statements", kind=kind)
        emit("redis_round_trips_per_post", round(sent[0] / posts, 2), "round trips")
        emit("python_calls_per_post", round(counter.calls / posts), "calls", note="in the WSGI app, Python and built-in")

        cpu = []
        for number in range(rounds):
            started = time.thread_time()
            for _ in range(posts):
                post()
            cpu.append((time.thread_time() - started) / posts * 1e3)
            log(f"round {number + 1}: {cpu[-1]:.2f} ms of CPU a post")
        emit_rounds(emit, "in_process_cpu_per_post", cpu, "ms", note="this thread, test client included", digits=2)
        if profile is not None:  # after the timed rounds, so the profiler's own cost is in no figure
            profiler = cProfile.Profile(time.thread_time)  # CPU, not the waits on the database
            profiler.runcall(lambda: [post() for _ in range(posts)])
            profiler.dump_stats(profile)
            log(f"profile of {posts} posts written to {profile} (python -m pstats {profile})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200, help="posts counted, and posts in each timed round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of --posts more posts to this file")
    options = parser.parse_args(argv)
    if options.posts < 1 or options.rounds < 1:
        parser.error("--posts and --rounds must be positive")
    return run(options.posts, options.rounds, options.profile)


if __name__ == "__main__":
    sys.exit(main())
