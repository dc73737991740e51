"""Benchmark of posting a need (and making its first offers) through the HTTP API in production mode.

Run ``python tests/bench/bench_post_need.py [--seconds 20] [--rates 10,50] [--budget 170]``; prints one JSON
line per figure: {"bench": "post_need", "metric": ..., "value": ..., "unit": ..., "target": ...}.
Takes about a minute and a half on two cores. Importing this module runs nothing.

Issue 4's target: p99 under 50 ms at 50 posts/s, PostgreSQL + Redis + RQ. The script makes a throwaway
PostgreSQL database (127.0.0.1:5432, user postgres, dropped at the end) and takes an empty Redis db number of
its own (127.0.0.1:6379, flushed before and after; its own Socket.IO channel, since pub/sub spans db numbers),
runs ``flask --app wsgi setup --demo`` (the demo district), then starts ``python wsgi.py`` on a free port of 127.0.0.1
and one RQ worker (``flask --app wsgi worker``), as production runs. It logs in as ``demo-duty``, opens one
incident per rate and posts needs on an open-loop schedule: request i is due at t0 + i/rate whatever happened
to the earlier ones, sent by a pool of threads large enough that a slow answer never holds back the next send.
Latency is from the due time to the end of the response (so it includes any wait for a free thread, reported
too as ``send_lag``). Each post has its own ``Idempotency-Key``, a random point inside one of the officer's
cells, 1-10 people and one skill that active organizations of the subdistrict offer (and that needs no
certificate). A post counts as good when it answers 201 with at least one offer; the others are counted.
A few unmeasured posts warm the server up first. Everything it starts is stopped, and the database dropped,
even when it fails; ``--budget`` bounds the whole run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.figures import figure_printer, note_printer  # noqa: E402
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

PYTHON = sys.executable
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
TARGET_P99_MS = 50.0
TARGET_RATE = 50.0
SEED = 2024
WARMUP_POSTS = 10
THREADS = 32
REQUEST_TIMEOUT_S = 10.0


emit = figure_printer("post_need")

log = note_printer("bench_post_need")


class Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


# --- services -------------------------------------------------------------------------------------------


def create_database() -> str:
    import psycopg

    name = f"dispatch_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres connect_timeout=5", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}"


def drop_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(
        f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres connect_timeout=5", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def claim_redis_db() -> str:
    """An empty Redis db number (1-15, tried in random order), flushed; its URL."""
    import redis

    numbers = list(range(1, 16))
    random.Random().shuffle(numbers)
    for number in numbers:
        url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
        client = redis.Redis.from_url(url, socket_timeout=5)
        if client.dbsize() == 0:
            client.flushdb()
            return url
    raise RuntimeError(f"no empty Redis db number on {REDIS_HOST}:{REDIS_PORT}")


def flush_redis_db(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").rstrip().splitlines()[-lines:])
    except OSError:
        return ""


class Processes:
    """Children started in their own process groups, so stopping one stops what it started too."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
        with log_path.open("wb") as out:
            proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((name, proc))
        return proc

    def stop_all(self) -> None:
        for _name, proc in reversed(self.running):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for name, proc in reversed(self.running):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop on SIGTERM; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.running.clear()


@dataclass
class Stack:
    """What a production bench runs on: a scratch folder, its own database and Redis db number, its processes."""

    workdir: Path
    processes: Processes
    pg_url: str = ""
    redis_url: str = ""


@contextlib.contextmanager
def throwaway_stack(prefix: str, keep: bool = False):
    """A ``Stack`` that is taken down afterwards, whatever happened (a SIGTERM too): processes stopped, database
    dropped, Redis db flushed, folder removed (``keep`` keeps the folder and its logs)."""
    stack = Stack(Path(tempfile.mkdtemp(prefix=prefix)), Processes())
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a SIGTERM still runs the cleanup
    try:
        stack.pg_url, stack.redis_url = create_database(), claim_redis_db()
        log(f"database {stack.pg_url.rsplit('/', 1)[-1]}, redis {stack.redis_url}")
        yield stack
    finally:
        stack.processes.stop_all()
        for what, undo in ((stack.pg_url, drop_database), (stack.redis_url, flush_redis_db)):
            try:
                if what:
                    undo(what)
            except Exception as exc:
                log(f"could not clean up {what}: {exc}")
        if keep:
            log(f"kept {stack.workdir}")
        else:
            shutil.rmtree(stack.workdir, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)


def flask(*command: str) -> list[str]:
    return [PYTHON, "-m", "flask", "--app", "wsgi", *command]


def wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, seconds: float) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{tail(log_path)}")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code in {200, 503}:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not come up in {seconds:.0f}s:\n{tail(log_path)}")


def wait_for_worker(redis_url: str, queue: str, proc: subprocess.Popen, log_path: Path, seconds: float) -> None:
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(redis_url, socket_timeout=5)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the RQ worker exited:\n{tail(log_path)}")
        if Worker.count(queue=Queue(queue, connection=connection)) > 0:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the RQ worker did not register in {seconds:.0f}s:\n{tail(log_path)}")


def demo_password(setup_log: Path) -> str:
    """The demo password, as ``flask setup`` prints it (dispatch.demo.seed.DEMO_PASSWORD)."""
    found = re.search(r"password 密码: ([^)\s]+)\)", setup_log.read_text(errors="replace"))
    if found is None:
        raise RuntimeError(f"flask setup printed no demo password:\n{tail(setup_log)}")
    return found.group(1)


# --- the API --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    due: float
    started: float = 0.0
    finished: float = 0.0
    status: int | None = None
    offers: int = 0
    error: str | None = None

    @property
    def latency_ms(self) -> float:
        return (self.finished - self.due) * 1000

    @property
    def lag_ms(self) -> float:
        return (self.started - self.due) * 1000


@dataclass
class Poster:
    """Posts needs from a pool of threads, each with its own copy of the logged-in session."""

    urls: list[str]  # one per web process; posts go round-robin, as a load balancer would spread sessions
    cookies: dict[str, str]
    headers: dict[str, str]
    local: threading.local = field(default_factory=threading.local)
    turn: itertools.count = field(default_factory=itertools.count)

    def session(self):
        import requests

        http = getattr(self.local, "http", None)
        if http is None:
            http = requests.Session()
            http.cookies.update(self.cookies)
            http.headers.update(self.headers)
            self.local.http = http
        return http

    def post(self, incident_id: int, body: dict, outcome: Outcome) -> Outcome:
        http = self.session()
        outcome.started = time.perf_counter()
        try:
            response = http.post(
                f"{self.urls[next(self.turn) % len(self.urls)]}/api/incidents/{incident_id}/needs",
                json=body,
                headers={"Idempotency-Key": uuid.uuid4().hex},
                timeout=REQUEST_TIMEOUT_S,
            )
            outcome.finished = time.perf_counter()
            outcome.status = response.status_code
            if response.status_code == 201:
                outcome.offers = len(response.json().get("assignments") or [])
            else:
                outcome.error = response.text[:200]
        except Exception as exc:  # a timeout or a dropped connection is a failed post, not a crashed bench
            outcome.finished = time.perf_counter()
            outcome.error = f"{type(exc).__name__}: {exc}"[:200]
        return outcome


def need_bodies(points: list[tuple[float, float]], skills: list[str], rng: random.Random) -> list[dict]:
    return [
        {"skills": [rng.choice(skills)], "head_count": rng.randint(1, 10), "location": {"lon": lon, "lat": lat}}
        for lon, lat in points
    ]


def run_open_loop(
    poster: Poster, incident_id: int, bodies: list[dict], rate: float, pool: ThreadPoolExecutor, drain_s: float
) -> tuple[list[Outcome], float]:
    """Send bodies[i] at t0 + i/rate regardless of earlier answers and wait for the answers, but no longer than
    ``drain_s`` after the last send: posts still waiting for a thread then are cancelled (status None, "not sent").
    Returns (outcomes, seconds from t0 to the last answer)."""
    futures = []
    t0 = time.perf_counter() + 0.05
    for i, body in enumerate(bodies):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append((pool.submit(poster.post, incident_id, body, Outcome(due=due)), due))
    deadline = time.perf_counter() + drain_s
    outcomes = []
    for future, due in futures:
        try:
            outcomes.append(future.result(timeout=max(0.0, deadline - time.perf_counter())))
        except TimeoutError:
            future.cancel()  # not started yet: never sent; started ones end within REQUEST_TIMEOUT_S
            outcomes.append(Outcome(due=due, started=due, finished=due, error="not sent: the drain time ran out"))
    answered = [o.finished for o in outcomes if o.status is not None]
    return outcomes, (max(answered) if answered else time.perf_counter()) - t0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its reaped children (RQ's work horses), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]


def report(rate: float, outcomes: list[Outcome], span_s: float, cpu: dict[str, float]) -> bool:
    """Emit the figures of one rate; True when every post was good."""
    name = f"{rate:g}_per_s"
    target = TARGET_P99_MS if rate == TARGET_RATE else None
    latencies = sorted(o.latency_ms for o in outcomes if o.status is not None)
    answered = [o for o in outcomes if o.status is not None]
    emit(f"posts_{name}", len(outcomes), "posts")
    emit(f"achieved_rate_{name}", round(len(answered) / span_s, 2), "posts/s", rate)
    for q in (50, 95, 99):
        emit(f"p{q}_{name}", round(percentile(latencies, q), 1), "ms", target if q == 99 else None)
    emit(f"max_{name}", round(latencies[-1], 1) if latencies else None, "ms")
    emit(f"mean_{name}", round(sum(latencies) / len(latencies), 1) if latencies else None, "ms")
    emit(f"send_lag_max_{name}", round(max(o.lag_ms for o in outcomes), 1), "ms")
    not_201 = [o for o in outcomes if o.status != 201]
    no_offer = [o for o in outcomes if o.status == 201 and o.offers == 0]
    emit(f"not_201_{name}", len(not_201), "posts", 0)
    emit(f"no_offer_{name}", len(no_offer), "posts", 0)
    emit(f"mean_offers_{name}", round(sum(o.offers for o in outcomes) / len(outcomes), 2), "offers")
    emit(f"server_cpu_per_post_{name}", round(cpu["server"] * 1000 / max(1, len(answered)), 1), "ms")
    emit(f"worker_cpu_{name}", round(cpu["worker"], 2), "s")
    emit(f"machine_busy_{name}", round(cpu["machine"] * 100, 1), "%", note=f"all {os.cpu_count()} CPUs, while posting")
    for o in not_201[:3]:
        log(f"{name}: status {o.status}: {o.error}")
    return not not_201 and not no_offer


# --- the run --------------------------------------------------------------------------------------------


def run(seconds: float, rates: list[float], budget_s: float, keep: bool, web: int = 2) -> int:
    import requests

    budget = Budget(budget_s)
    started = time.perf_counter()
    ok = True
    try:
        with throwaway_stack("dispatch-bench-post-need-", keep) as stack:
            workdir, processes, pg_url, redis_url = stack.workdir, stack.processes, stack.pg_url, stack.redis_url
            env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FLASK_APP"}}
            env.update(
                DATABASE_URL=pg_url,
                REDIS_URL=redis_url,
                DISPATCH_INSTANCE_DIR=str(workdir / "instance"),
                SECRET_KEY="bench-post-need-not-secret",
                ALLOW_DEMO_LOGINS="1",  # the demo district in production mode: its published password let through
                **HARNESS_SETTINGS,
                SOCKETIO_CHANNEL=f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}",
                RQ_QUEUE="dispatch",
                SESSION_COOKIE_SECURE="0",  # production sets Secure cookies for TLS; the bench speaks plain http to 127.0.0.1
                PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",  # the five demo logins are hashed faster; no post hashes anything
                PYTHONUNBUFFERED="1",
            )

            setup_log = workdir / "setup.log"
            t = time.perf_counter()
            with setup_log.open("wb") as out:
                result = subprocess.run(
                    flask("setup", "--demo"),
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=max(5, budget.left() - 60),
                )
            if result.returncode != 0:
                raise RuntimeError(f"flask setup failed:\n{tail(setup_log)}")
            emit("setup_s", round(time.perf_counter() - t, 1), "s")
            password = demo_password(setup_log)

            # Production runs N single-worker web processes behind a sticky load balancer; the bench spreads posts over them.
            urls, servers, server_logs = [], [], []
            for number in range(web):
                port = free_port()
                urls.append(f"http://127.0.0.1:{port}")
                server_logs.append(workdir / f"server-{number}.log")
                servers.append(
                    processes.start(
                        f"server-{number}", [PYTHON, "wsgi.py"], {**env, "HOST": "127.0.0.1", "PORT": str(port)}, server_logs[-1]
                    )
                )
            server_log, url = server_logs[0], urls[0]
            worker_log = workdir / "worker.log"
            worker = processes.start("worker", flask("worker"), env, worker_log)
            for other_url, other, other_log in zip(urls, servers, server_logs, strict=True):
                wait_until_up(other_url, other, other_log, 30)
            emit("web_processes", web, "processes")
            wait_for_worker(redis_url, env["RQ_QUEUE"], worker, worker_log, 30)
            health = requests.get(f"{url}/healthz", timeout=5).json()
            log(f"up on {url}; healthz: {json.dumps(health, ensure_ascii=False)}")

            http = login(url, "demo-duty", password)
            polygons = cell_polygons(http, url)
            skills = skill_codes(http, url)
            emit("cells_in_scope", len(polygons), "cells")
            emit("skills_used", len(skills), "skills", note=",".join(skills))
            rng = random.Random(SEED)
            poster = Poster(urls, http.cookies.get_dict(), {"X-CSRFToken": http.headers["X-CSRFToken"]})

            with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="post") as pool:
                warm_incident = open_incident(http, url, "压测预热 warm-up")
                warm = [
                    poster.post(warm_incident, body, Outcome(due=time.perf_counter()))
                    for body in need_bodies(interior_points(polygons, WARMUP_POSTS, rng), skills, rng)
                ]
                log(f"warm-up: {[round(o.latency_ms) for o in warm]} ms, statuses {sorted({o.status for o in warm})}")
                emit("first_post_ms", round(warm[0].latency_ms, 1), "ms", note="unmeasured warm-up: the server's first post")
                for rate in rates:
                    count = max(1, round(rate * seconds))
                    if budget.left() < seconds + 20:
                        target = TARGET_P99_MS if rate == TARGET_RATE else None
                        emit(f"p99_{rate:g}_per_s", None, "ms", target, note="skipped: the time budget is spent")
                        ok = False
                        continue
                    bodies = need_bodies(interior_points(polygons, count, rng), skills, rng)
                    incident_id = open_incident(http, url, f"压测 {rate:g}/s")
                    log(f"{count} posts at {rate:g}/s…")
                    before = sum(cpu_seconds(p.pid) for p in servers), cpu_seconds(worker.pid), machine_busy()
                    drain = max(5.0, min(seconds + 30, budget.left() - seconds - 15))
                    outcomes, span = run_open_loop(poster, incident_id, bodies, rate, pool, drain)
                    after = sum(cpu_seconds(p.pid) for p in servers), cpu_seconds(worker.pid), machine_busy()
                    busy = (after[2][0] - before[2][0]) / max(1, after[2][1] - before[2][1])
                    cpu = {"server": after[0] - before[0], "worker": after[1] - before[1], "machine": busy}
                    ok = report(rate, outcomes, span, cpu) and ok
            if any(p.poll() is not None for p in servers) or worker.poll() is not None:
                log(f"a process died during the run:\nserver:\n{tail(server_log)}\nworker:\n{tail(worker_log)}")
                ok = False
    except Exception as exc:
        ok = False
        log(f"failed: {type(exc).__name__}: {exc}")
    finally:
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of posting at each rate")
    parser.add_argument("--rates", default="10,50", help="posts per second, comma-separated, run in this order")
    parser.add_argument("--budget", type=float, default=170.0, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the server and worker logs")
    parser.add_argument(
        "--web", type=int, default=2, help="single-worker web processes, as production runs behind a load balancer"
    )
    options = parser.parse_args(argv)
    rates = [float(r) for r in options.rates.split(",") if r.strip()]
    if not rates or any(r <= 0 for r in rates) or options.seconds <= 0:
        parser.error("--rates and --seconds must be positive")
    return run(options.seconds, rates, options.budget, options.keep, options.web)


if __name__ == "__main__":
    sys.exit(main())
