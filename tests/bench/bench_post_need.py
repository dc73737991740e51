"""Benchmark of posting a need (and making its first offers) through the HTTP API in production mode.

Run ``python tests/bench/bench_post_need.py [--seconds 10] [--rates 10,50,80] [--rounds 3] [--budget 600]``; prints
a context line (commit, CPUs) and one JSON line per figure: {"bench": "post_need", "metric": ..., "value": ...,
"unit": ..., "target": ..., "min": ..., "max": ..., "rounds": [...]}, where a timed figure's value is the median of
its rounds. Takes about five minutes on two cores. Importing this module runs nothing.

Issue 4's target: p99 under 50 ms at 50 posts/s, PostgreSQL + Redis + RQ; issue 18's: with the machine under 60 %
busy and at most 8 ms of web CPU a post, and 80 posts/s held without queueing (achieved rate = offered rate). The script makes a throwaway
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
A few unmeasured posts warm the server up first.

Each round posts, at each rate in turn, first to the floor and then to the app, the same number of posts on the same
schedule from the same client threads: the floor is ``tests/bench/floor_app.py`` (as many processes as web processes,
on the same gevent server, database and Redis; one insert and one publish a post; its docstring says what it leaves
out). Every timed figure is printed once with the median of the rounds as its value (the target applies to it), its
min, max and rounds; the floor's as ``floor_*``, and ``*_over_floor_*`` the ratio of the two, round by round.
Everything it starts is stopped, and the database dropped, even when it fails; ``--budget`` bounds the whole run.
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

from tests.bench.figures import ROUNDS, emit_context, emit_ratio, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

PYTHON = sys.executable
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
TARGET_P99_MS = 50.0
TARGET_RATE = 50.0
TARGET_CPU_MS = 8.0  # web CPU per post, issue 18
TARGET_BUSY = 60.0  # % of the machine at 50/s, issue 18
SEED = 2024
WARMUP_POSTS = 10
THREADS = 32
REQUEST_TIMEOUT_S = 10.0
SETTLE_S = 1.0  # between windows, so the worker's tail of one is not the next one's load
FLOOR_APP = ROOT / "tests" / "bench" / "floor_app.py"


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


@dataclass
class Window:
    """One open-loop window at one rate: its answers and what it cost."""

    outcomes: list[Outcome]
    span_s: float
    server_cpu_s: float  # all the web (or floor) processes together
    worker_cpu_s: float
    machine_busy: float  # 0-1, all CPUs

    @property
    def answered(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status is not None]

    def figures(self) -> dict[str, float | None]:
        latencies = sorted(o.latency_ms for o in self.answered)
        quantile = (lambda q: percentile(latencies, q)) if latencies else (lambda q: None)
        return {
            "achieved_rate": len(latencies) / self.span_s,
            "p50": quantile(50),
            "p95": quantile(95),
            "p99": quantile(99),
            "max": latencies[-1] if latencies else None,
            "mean": sum(latencies) / len(latencies) if latencies else None,
            "send_lag_max": max(o.lag_ms for o in self.outcomes),
            "server_cpu_per_post": self.server_cpu_s * 1000 / max(1, len(latencies)),
            "worker_cpu": self.worker_cpu_s,
            "machine_busy": self.machine_busy * 100,
            "mean_offers": sum(o.offers for o in self.outcomes) / len(self.outcomes),
        }

    @property
    def not_201(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != 201]

    @property
    def no_offer(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == 201 and o.offers == 0]


# (figure, unit, digits): what each round of a rate reports, the app's and the floor's
APP_FIGURES = (
    ("achieved_rate", "posts/s", 2),
    ("p50", "ms", 1),
    ("p95", "ms", 1),
    ("p99", "ms", 1),
    ("max", "ms", 1),
    ("mean", "ms", 1),
    ("send_lag_max", "ms", 1),
    ("server_cpu_per_post", "ms", 1),
    ("worker_cpu", "s", 2),
    ("machine_busy", "%", 1),
    ("mean_offers", "offers", 2),
)
FLOOR_FIGURES = tuple(f for f in APP_FIGURES if f[0] not in {"worker_cpu", "mean_offers", "send_lag_max"})
RATIOS = ("p50", "p99", "server_cpu_per_post")


def report(rate: float, app: list[Window], floor: list[Window]) -> bool:
    """Emit the figures of one rate over its rounds (medians, min, max), its floor's and the ratios; True when
    every post was good."""
    name = f"{rate:g}_per_s"
    figures, floors = [w.figures() for w in app], [w.figures() for w in floor]
    emit(f"posts_{name}", sum(len(w.outcomes) for w in app), "posts", note=f"{len(app)} rounds")
    for figure, unit, digits in APP_FIGURES:
        target = {
            "achieved_rate": rate,
            "server_cpu_per_post": TARGET_CPU_MS,
            "p99": TARGET_P99_MS if rate == TARGET_RATE else None,
            "machine_busy": TARGET_BUSY if rate == TARGET_RATE else None,
        }.get(figure)
        note = f"all {os.cpu_count()} CPUs, while posting" if figure == "machine_busy" else None
        emit_rounds(emit, f"{figure}_{name}", [f[figure] for f in figures], unit, target, note, digits)
    not_201 = [o for w in app for o in w.not_201]
    no_offer = [o for w in app for o in w.no_offer]
    emit(f"not_201_{name}", len(not_201), "posts", 0, note="all rounds")
    emit(f"no_offer_{name}", len(no_offer), "posts", 0, note="all rounds")
    for figure, unit, digits in FLOOR_FIGURES:
        note = "floor_app.py: one insert and one publish on the same stack, same schedule"
        emit_rounds(emit, f"floor_{figure}_{name}", [f[figure] for f in floors], unit, None, note, digits)
    floor_failed = [o for w in floor for o in w.not_201]
    emit(f"floor_not_201_{name}", len(floor_failed), "posts", 0, note="all rounds")
    for figure in RATIOS:
        paired = [(a[figure], f[figure]) for a, f in zip(figures, floors, strict=False)]
        note = f"{figure}_{name} / floor_{figure}_{name}, round by round"
        emit_ratio(emit, f"{figure}_over_floor_{name}", [a for a, _ in paired], [f for _, f in paired], note)
    for o in (not_201 + floor_failed)[:3]:
        log(f"{name}: status {o.status}: {o.error}")
    return bool(app) and not not_201 and not no_offer and not floor_failed


def measure(poster: Poster, incident_id: int, bodies: list[dict], rate: float, pool, drain_s: float, pids: list[int],
            worker_pid: int) -> Window:  # fmt: skip
    """One open-loop window, with the CPU the processes ``pids`` (and the worker) spent during it."""
    before = sum(cpu_seconds(p) for p in pids), cpu_seconds(worker_pid), machine_busy()
    outcomes, span = run_open_loop(poster, incident_id, bodies, rate, pool, drain_s)
    after = sum(cpu_seconds(p) for p in pids), cpu_seconds(worker_pid), machine_busy()
    busy = (after[2][0] - before[2][0]) / max(1, after[2][1] - before[2][1])
    return Window(outcomes, span, after[0] - before[0], after[1] - before[1], busy)


def start_floors(stack: Stack, env: dict[str, str], count: int) -> tuple[list[str], list[subprocess.Popen]]:
    """``count`` floor servers (tests/bench/floor_app.py) on the stack's database and Redis; their URLs."""
    import psycopg

    from tests.bench.floor_app import CREATE_TABLE

    with psycopg.connect(stack.pg_url, autocommit=True) as conn:
        conn.execute(CREATE_TABLE)
    urls, floors = [], []
    for number in range(count):
        port, log_path = free_port(), stack.workdir / f"floor-{number}.log"
        floor_env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "FLOOR_CHANNEL": f"{env['SOCKETIO_CHANNEL']}-floor"}
        floors.append(stack.processes.start(f"floor-{number}", [PYTHON, str(FLOOR_APP)], floor_env, log_path))
        urls.append(f"http://127.0.0.1:{port}")
        wait_until_up(urls[-1], floors[-1], log_path, 30)
    return urls, floors


# --- the run --------------------------------------------------------------------------------------------


def run(seconds: float, rates: list[float], budget_s: float, keep: bool, web: int = 2, rounds: int = ROUNDS) -> int:
    import requests

    emit_context(emit)
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
            floor_urls, floors = start_floors(stack, env, web)
            emit("web_processes", web, "processes", note="and as many floor_app.py processes")
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
            floor_poster = Poster(floor_urls, http.cookies.get_dict(), {"X-CSRFToken": http.headers["X-CSRFToken"]})
            app_windows: dict[float, list[Window]] = {rate: [] for rate in rates}
            floor_windows: dict[float, list[Window]] = {rate: [] for rate in rates}

            with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="post") as pool:
                warm_incident = open_incident(http, url, "压测预热 warm-up")
                warm = [
                    poster.post(warm_incident, body, Outcome(due=time.perf_counter()))
                    for body in need_bodies(interior_points(polygons, WARMUP_POSTS, rng), skills, rng)
                ]
                for body in need_bodies(interior_points(polygons, WARMUP_POSTS, rng), skills, rng):
                    floor_poster.post(0, body, Outcome(due=time.perf_counter()))
                log(f"warm-up: {[round(o.latency_ms) for o in warm]} ms, statuses {sorted({o.status for o in warm})}")
                emit("first_post_ms", round(warm[0].latency_ms, 1), "ms", note="unmeasured warm-up: the server's first post")
                for number in range(1, rounds + 1):
                    if budget.left() < len(rates) * 2 * (seconds + SETTLE_S + 5) + 15:
                        log(f"round {number} skipped: the time budget is spent")
                        ok = False
                        break
                    for rate in rates:
                        count = max(1, round(rate * seconds))
                        drain = max(5.0, min(seconds + 30, budget.left() - seconds - 15))
                        log(f"round {number}: {count} posts at {rate:g}/s to the floor, then to the app…")
                        bodies = need_bodies(interior_points(polygons, count, rng), skills, rng)
                        floor_pids = [p.pid for p in floors]
                        floor_windows[rate].append(measure(floor_poster, 0, bodies, rate, pool, drain, floor_pids, worker.pid))
                        time.sleep(SETTLE_S)
                        bodies = need_bodies(interior_points(polygons, count, rng), skills, rng)
                        incident_id = open_incident(http, url, f"压测 {rate:g}/s 第{number}轮")
                        server_pids = [p.pid for p in servers]
                        app_windows[rate].append(measure(poster, incident_id, bodies, rate, pool, drain, server_pids, worker.pid))
                        time.sleep(SETTLE_S)
            for rate in rates:
                ok = report(rate, app_windows[rate], floor_windows[rate]) and ok
            if any(p.poll() is not None for p in servers + floors) or worker.poll() is not None:
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
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of posting at each rate, in each round")
    parser.add_argument("--rates", default="10,50,80", help="posts per second, comma-separated, run in this order")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of every rate, each beside its floor")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the server and worker logs")
    parser.add_argument(
        "--web", type=int, default=2, help="single-worker web processes, as production runs behind a load balancer"
    )
    options = parser.parse_args(argv)
    rates = [float(r) for r in options.rates.split(",") if r.strip()]
    if not rates or any(r <= 0 for r in rates) or options.seconds <= 0 or options.rounds < 1:
        parser.error("--rates, --seconds and --rounds must be positive")
    return run(options.seconds, rates, options.budget, options.keep, options.web, options.rounds)


if __name__ == "__main__":
    sys.exit(main())
