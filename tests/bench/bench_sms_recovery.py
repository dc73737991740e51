"""SMS latency through a worker hiccup: needs posted at 10/s, offers texted at once, the only worker frozen for 3 s.

Run ``python tests/bench/bench_sms_recovery.py [--seconds 30] [--rate 10] [--stop-at 10] [--stop-for 3] [--rounds 3]
[--keep]``; prints a context line (commit, CPUs) and one JSON line per figure: {"bench": "sms_recovery", "metric": ...,
"value": ..., "unit": ..., "target": ..., "min": ..., "max": ..., "rounds": [...]}, a timed figure's value being the
median of the rounds. About two and a half minutes on two cores. Importing this module runs nothing.

Production as deployed, set up as ``bench_post_need.py`` (whose helpers it uses): a throwaway PostgreSQL database,
an empty Redis db number, ``flask --app wsgi setup --demo``, one ``python wsgi.py`` and one ``flask --app wsgi
worker``, with ``FAILOVER`` texting level III offers at once and Twilio pointing at ``tests/fake_twilio.FakeTwilio``
(in this process, on 127.0.0.1, no rate cap; ``SMS_PER_SECOND=0``). It logs in as ``demo-duty`` and posts needs
through the HTTP API on an open-loop schedule (``run_open_loop``); each offer's SMS row is due the moment the offer
is made, and the commit asks for a drain job. ``--stop-at`` seconds in, the worker is frozen (SIGSTOP) for
``--stop-for`` seconds, then thawed (SIGCONT). Meanwhile ``LLEN rq:queue:dispatch`` is sampled every 100 ms. That
is one round; ``--rounds`` of them run one after the other on the same stack (each waits until the previous one's
SMS have gone), and after each the floor: ``tests/bench/sms_floor.py`` sends as many SMS as the round did through
the bare twilio client to the same fake, one at a time; its round trips' p50 and p99 are what an SMS's latency
would be with nothing in between (``sms_p*_before_stop_over_floor``).

Afterwards, once no row is left due, every outbox row's ``due_at`` and ``provider_sid`` are read from the database
and matched by sid with the messages the fake received; an SMS's latency is the moment the fake received it (noted
with ``time.time()``: Twilio's own ``date_created`` has whole seconds) minus its row's ``due_at``. Figures: p50 and
p99 of the SMS due over 1 s before the stop (untouched by it) and of those due after it, the worst, the time from
the end of the stop until the p99 of every later 1 s window (by due time) is under 2 s (target 30 s), the queue's
peak depth, how many SMS were sent, the exactly-once check (over all rounds) (each row sent once, no body twice, nothing sent that no
row records, nothing left unsent), the worker's CPU per SMS and how busy the machine was. The windows around the
stop go to stderr; with ``--keep``, ``sms.csv`` in the kept folder has every row's due, claim, receipt and record
times (``sms-<round>.csv``). Everything it starts is stopped, the database dropped and the Redis db flushed, even when it fails. It exits
1 when a post fails, an SMS is lost or sent twice, or nothing could be measured (not for a missed target).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_post_need import (  # noqa: E402
    PYTHON,
    Outcome,
    Poster,
    Stack,
    cpu_seconds,
    demo_password,
    flask,
    free_port,
    machine_busy,
    need_bodies,
    percentile,
    run_open_loop,
    tail,
    throwaway_stack,
    wait_for_worker,
    wait_until_up,
)
from tests.bench.figures import ROUNDS, emit_context, emit_ratio, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.bench.sms_floor import FLOOR_BODY, extra_options, measure_floor  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

QUEUE = "dispatch"
SENDER = "+15005550006"
RECOVERED_P99_MS = 2000.0  # a window is back to normal when its p99 is under this
TARGET_RECOVERY_S = 30.0
SAMPLE_S = 0.1
SEED = 2025
THREADS = 16
WARMUP_POSTS = 5
SETTLE_S = 60.0  # how long the bench waits, after posting, for the last due rows to go out
UNTOUCHED_S = 1.0  # "before the stop": due this long before it, so none of them could have been caught by it

emit = figure_printer("sms_recovery")

log = note_printer("bench_sms_recovery")


class TimedTwilio(FakeTwilio):
    """The fake Twilio, also noting when each message reached it (epoch seconds, by sid)."""

    def __init__(self) -> None:
        super().__init__()
        self.received: dict[str, float] = {}

    def respond(self, method: str, target: str, authorization: str, form: dict[str, str]):
        at = time.time()
        reply = super().respond(method, target, authorization, form)
        if method == "POST" and reply.status == 201 and str(reply.body.get("sid", "")).startswith("SM"):
            self.received[reply.body["sid"]] = at
        return reply


@dataclass(eq=False)  # a thread must stay hashable
class QueueSampler(threading.Thread):
    """``LLEN rq:queue:<queue>`` every ``SAMPLE_S`` until stopped: (epoch seconds, jobs waiting)."""

    redis_url: str
    samples: list[tuple[float, int]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(name="queue-sampler", daemon=True)

    def run(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        while not self.stopping.wait(SAMPLE_S):
            try:
                self.samples.append((time.time(), client.llen(f"rq:queue:{QUEUE}")))
            except redis.RedisError as exc:
                log(f"queue sample failed: {exc}")


@dataclass(eq=False)
class Hiccup(threading.Thread):
    """Freezes a process ``at_s`` after it starts, for ``for_s`` seconds; notes when (epoch seconds). ``thaw()``
    ends it early, or calls it off if it has not begun."""

    pid: int
    at_s: float
    for_s: float
    stopped_at: float = 0.0
    resumed_at: float = 0.0
    over: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        super().__init__(name="hiccup", daemon=True)

    def run(self) -> None:
        if self.over.wait(self.at_s):
            return
        with self.lock:
            if self.over.is_set():
                return
            os.kill(self.pid, signal.SIGSTOP)
            self.stopped_at = time.time()
        self.over.wait(self.for_s)
        self.thaw()

    def thaw(self) -> None:
        with self.lock:
            self.over.set()
            if self.stopped_at and not self.resumed_at:
                os.kill(self.pid, signal.SIGCONT)
                self.resumed_at = time.time()


@dataclass(frozen=True)
class Row:
    """An SMS outbox row; times in epoch seconds (claimed and sent: the worker's clock, 0 when not)."""

    id: int
    status: str
    due_at: float
    sid: str | None
    claimed_at: float
    sent_at: float


# --- the stack ------------------------------------------------------------------------------------------


def production_env(stack: Stack, twilio: FakeTwilio, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FLASK_APP"}}
    env.update(
        DATABASE_URL=stack.pg_url, REDIS_URL=stack.redis_url, DISPATCH_INSTANCE_DIR=str(stack.workdir / "instance"),
        ALLOW_DEMO_LOGINS="1",  # the demo district in production mode: its published password let through
        **HARNESS_SETTINGS,
        SECRET_KEY="bench-sms-recovery-not-secret", SOCKETIO_CHANNEL=f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}",
        RQ_QUEUE=QUEUE, SESSION_COOKIE_SECURE="0", PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", PYTHONUNBUFFERED="1",
        TWILIO_ACCOUNT_SID=twilio.account_sid, TWILIO_AUTH_TOKEN=twilio.auth_token, TWILIO_FROM=SENDER,
        TWILIO_API_BASE=twilio.url, PUBLIC_URL=f"http://127.0.0.1:{port}", SMS_PER_SECOND="0",
        FAILOVER='{"III": {"sms_after_s": 0, "voice_after_s": null}}',  # open_incident opens level III incidents
        HOST="127.0.0.1", PORT=str(port),
    )  # fmt: skip
    return env


def start(stack: Stack, env: dict[str, str]) -> tuple[str, subprocess.Popen, str]:
    """Seed the demo district, start the web process and the worker; (url, worker, demo password)."""
    setup_log = stack.workdir / "setup.log"
    with setup_log.open("wb") as out:
        result = subprocess.run(flask("setup", "--demo"), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"flask setup failed:\n{tail(setup_log)}")
    url = f"http://127.0.0.1:{env['PORT']}"
    server = stack.processes.start("server", [PYTHON, "wsgi.py"], env, stack.workdir / "server.log")
    worker = stack.processes.start("worker", flask("worker"), env, stack.workdir / "worker.log")
    wait_until_up(url, server, stack.workdir / "server.log", 30)
    wait_for_worker(stack.redis_url, QUEUE, worker, stack.workdir / "worker.log", 30)
    return url, worker, demo_password(setup_log)


# --- the database ---------------------------------------------------------------------------------------


def outbox_rows(pg_url: str) -> list[Row]:
    import psycopg

    query = "SELECT id, status, due_at, provider_sid, claimed_at, sent_at FROM outbox WHERE channel = 'sms' ORDER BY id"
    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        found = conn.execute(query).fetchall()
    return [Row(i, status, due.timestamp(), sid, epoch(claimed), epoch(sent)) for i, status, due, sid, claimed, sent in found]


def epoch(moment) -> float:
    return moment.timestamp() if moment else 0.0


def write_csv(path: Path, rows: list[Row], twilio: TimedTwilio, hiccup: Hiccup) -> None:
    """Every SMS row, times in seconds from the SIGCONT (kept with --keep, to see where a late one waited)."""
    zero = hiccup.resumed_at
    lines = ["id,status,due_s,claimed_s,received_s,sent_recorded_s,latency_ms"]
    for row in rows:
        received = twilio.received.get(row.sid or "")
        offsets = [f"{at - zero:.3f}" if at else "" for at in (row.due_at, row.claimed_at, received, row.sent_at)]
        latency = f"{(received - row.due_at) * 1000:.1f}" if received else ""
        lines.append(",".join([str(row.id), row.status, *offsets, latency]))
    path.write_text("\n".join(lines) + "\n")


def wait_until_sent(pg_url: str, seconds: float) -> int:
    """Wait until no SMS row is due or being sent; returns how many still are after ``seconds``."""
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        with psycopg.connect(pg_url, connect_timeout=5) as conn:
            left = conn.execute(
                "SELECT count(*) FROM outbox WHERE channel = 'sms' AND (status = 'sending' OR (status = 'pending' AND due_at <= now()))"
            ).fetchone()[0]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


# --- the figures ----------------------------------------------------------------------------------------


def windows(latencies: list[tuple[float, float]], zero: float) -> dict[int, list[float]]:
    """(due, latency) pairs in 1 s windows by due time: window n holds those due in [zero + n, zero + n + 1), sorted."""
    found: dict[int, list[float]] = defaultdict(list)
    for due, latency_ms in latencies:
        found[math.floor(due - zero)].append(latency_ms)
    return {number: sorted(values) for number, values in found.items()}


def recovery_s(latencies: list[tuple[float, float]], resumed_at: float) -> float:
    """Seconds from ``resumed_at`` to the start of the first 1 s window (by due time, counted from ``resumed_at``)
    from which on every window's p99 is under RECOVERED_P99_MS; 0 when every window after the stop was."""
    by_second = windows(latencies, resumed_at)
    bad = [number for number, values in by_second.items() if percentile(values, 99) >= RECOVERED_P99_MS]
    return float(max(0, max(bad, default=-1) + 1))


def log_windows(latencies: list[tuple[float, float]], hiccup: Hiccup) -> None:
    """The 1 s windows around the stop, by due time from its end: how many, p50, p99 and max latency."""
    by_second = windows(latencies, hiccup.resumed_at)
    first = math.floor(hiccup.stopped_at - hiccup.resumed_at) - 2
    for number in range(first, 6):
        values = by_second.get(number, [])
        if values:
            summary = f"p50 {percentile(values, 50):.0f} ms, p99 {percentile(values, 99):.0f} ms, max {values[-1]:.0f} ms"
            log(f"due [{number:+d}, {number + 1:+d}) s from the SIGCONT: {len(values)} SMS, {summary}")


def sms_figures(rows: list[Row], twilio: TimedTwilio, since: float, hiccup: Hiccup) -> dict[str, float | None]:
    """The SMS figures of one round: the rows due from ``since`` on, matched by sid with what the fake received."""
    by_sid = {row.sid: row for row in rows if row.sid}
    latencies = sorted(
        (by_sid[sid].due_at, (at - by_sid[sid].due_at) * 1000) for sid, at in twilio.received.items() if sid in by_sid
    )
    measured = [(due, ms) for due, ms in latencies if due >= since]
    before = sorted(ms for due, ms in measured if due < hiccup.stopped_at - UNTOUCHED_S)
    after = sorted(ms for due, ms in measured if due >= hiccup.resumed_at)
    log_windows(measured, hiccup)
    worst = max(measured, key=lambda pair: pair[1], default=None)
    if worst:
        log(f"worst SMS {worst[1]:.0f} ms, due {worst[0] - hiccup.stopped_at:+.2f} s from the SIGSTOP")
    return {
        "sms_measured": len(measured),
        "sms_p50_before_stop": percentile(before, 50) if before else None,
        "sms_p99_before_stop": percentile(before, 99) if before else None,
        "sms_p50_after_stop": percentile(after, 50) if after else None,
        "sms_p99_after_stop": percentile(after, 99) if after else None,
        "sms_worst": worst[1] if worst else None,
        "sms_p99_under_2s_after_stop": recovery_s(measured, hiccup.resumed_at) if measured else None,
    }


def exactly_once(rows: list[Row], twilio: TimedTwilio) -> bool:
    """Over every round: each row sent once and every message the fake received (the floor's aside) recorded."""
    messages = [message for message in twilio.messages if not message.body.startswith(FLOOR_BODY)]
    bodies = [message.body for message in messages]
    recorded = {row.sid for row in rows if row.sid}
    sent = [row for row in rows if row.status == "sent"]
    unsent = [row for row in rows if row.status in {"pending", "sending"} and row.due_at <= time.time()]
    counts = {
        "sms_sent": len(messages),
        "sms_bodies_sent_twice": len(bodies) - len(set(bodies)),
        "sms_sent_but_no_row_records_it": sum(1 for message in messages if message.sid not in recorded),
        "sms_rows_sent_without_twilio_message": sum(1 for row in sent if row.sid not in twilio.received),
        "sms_rows_left_unsent": len(unsent),
    }
    emit(
        "sms_rows",
        len(rows),
        "rows",
        note=", ".join(f"{s} {sum(r.status == s for r in rows)}" for s in sorted({r.status for r in rows})),
    )
    for metric, value in counts.items():
        emit(metric, value, "messages", len(sent) if metric == "sms_sent" else 0, note="all rounds, the floor's aside")
    return counts["sms_sent"] == len(sent) and not any(value for metric, value in counts.items() if metric != "sms_sent")


def queue_figures(samples: list[tuple[float, int]], hiccup: Hiccup) -> dict[str, float | None]:
    depths = [depth for _, depth in samples]
    during = [depth for at, depth in samples if hiccup.stopped_at <= at <= hiccup.resumed_at]
    return {"queue_depth_peak": max(depths, default=None), "queue_depth_peak_during_stop": max(during, default=None)}


def post_figures(outcomes: list[Outcome]) -> dict[str, float | None]:
    latencies = sorted(o.latency_ms for o in outcomes if o.status is not None)
    for outcome in [o for o in outcomes if o.status != 201][:3]:
        log(f"post: status {outcome.status}: {outcome.error}")
    return {"post_p99": percentile(latencies, 99) if latencies else None, "post_max": latencies[-1] if latencies else None}


# (figure, unit, target, note, digits): what each round reports, printed as the median of the rounds
ROUND_FIGURES = (
    ("worker_stopped", "s", None, "SIGSTOP to SIGCONT", 2),
    ("sms_measured", "messages", None, "due while posting, matched to the fake's by sid", 0),
    ("sms_p50_before_stop", "ms", None, f"due over {UNTOUCHED_S:g} s before the SIGSTOP", 1),
    ("sms_p99_before_stop", "ms", None, f"due over {UNTOUCHED_S:g} s before the SIGSTOP", 1),
    ("sms_p50_after_stop", "ms", None, "due after the SIGCONT", 1),
    ("sms_p99_after_stop", "ms", None, "due after the SIGCONT", 1),
    ("sms_worst", "ms", None, None, 1),
    ("sms_p99_under_2s_after_stop", "s", TARGET_RECOVERY_S, "1 s windows by due time, from the end of the stop", 0),
    ("queue_depth_peak", "jobs", None, f"LLEN rq:queue:{QUEUE} every {SAMPLE_S * 1000:.0f} ms", 0),
    ("queue_depth_peak_during_stop", "jobs", None, None, 0),
    ("worker_cpu_per_sms", "ms", None, "from the first post until all were sent", 2),
    ("machine_busy", "%", None, f"all {os.cpu_count()} CPUs, other work included", 1),
    ("post_p99", "ms", None, None, 1),
    ("post_max", "ms", None, None, 1),
    ("floor_round_trip_p50", "ms", None, "sms_floor.py: the bare twilio client, one thread, the round's count", 2),
    ("floor_round_trip_p99", "ms", None, "sms_floor.py: the bare twilio client, one thread, the round's count", 2),
)


# --- the run --------------------------------------------------------------------------------------------


@dataclass
class Posted:
    """What happened while posting: the answers, when it began (epoch s), the hiccup, the queue samples, CPU."""

    outcomes: list[Outcome]
    since: float
    hiccup: Hiccup
    samples: list[tuple[float, int]]
    worker_cpu_s: float
    machine_busy: float


@dataclass
class Session:
    """What the rounds share: where to post, as whom, and the points and skills to post with."""

    url: str
    http: object
    poster: Poster
    bodies: list[dict]


def log_in(url: str, password: str, count: int) -> Session:
    http = login(url, "demo-duty", password)
    polygons, skills, rng = cell_polygons(http, url), skill_codes(http, url), random.Random(SEED)
    poster = Poster([url], http.cookies.get_dict(), {"X-CSRFToken": http.headers["X-CSRFToken"]})
    return Session(url, http, poster, need_bodies(interior_points(polygons, count, rng), skills, rng))


def warm_up(session: Session, stack: Stack) -> None:
    warm = open_incident(session.http, session.url, "短信恢复压测预热 warm-up")
    for body in session.bodies[:WARMUP_POSTS]:
        session.poster.post(warm, body, Outcome(due=time.perf_counter()))
    wait_until_sent(stack.pg_url, 10)


def post_through_a_hiccup(
    options: argparse.Namespace, session: Session, bodies: list[dict], number: int, worker: subprocess.Popen, stack: Stack
) -> Posted:
    """Post at the rate for the seconds with the worker frozen in the middle, and wait until every SMS that came due
    has gone."""
    incident = open_incident(session.http, session.url, f"短信恢复压测 {options.rate:g}/s 第{number}轮")
    sampler, hiccup = QueueSampler(stack.redis_url), Hiccup(worker.pid, options.stop_at, options.stop_for)
    since, cpu, busy = time.time(), cpu_seconds(worker.pid), machine_busy()
    sampler.start()
    hiccup.start()
    try:
        with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="post") as pool:
            outcomes, _span = run_open_loop(session.poster, incident, bodies, options.rate, pool, 30)
        hiccup.join()
        if left := wait_until_sent(stack.pg_url, SETTLE_S):
            log(f"{left} SMS rows still due {SETTLE_S:g} s after the last post")
    finally:
        hiccup.thaw()
        sampler.stopping.set()
    sampler.join()
    cpu, (busy_after, total_after) = cpu_seconds(worker.pid) - cpu, machine_busy()
    return Posted(outcomes, since, hiccup, sampler.samples, cpu, (busy_after - busy[0]) / max(1, total_after - busy[1]))


def round_figures(posted: Posted, rows: list[Row], twilio: TimedTwilio) -> dict[str, float | None]:
    """One round's figures, the floor measured beside it (the bare client sending as many SMS as the round did)."""
    hiccup = posted.hiccup
    mine = [row for row in rows if row.due_at >= posted.since]
    sent = sum(row.status == "sent" for row in mine)
    figures = {"worker_stopped": hiccup.resumed_at - hiccup.stopped_at, **post_figures(posted.outcomes)}
    figures.update(sms_figures(rows, twilio, posted.since, hiccup))
    figures.update(queue_figures(posted.samples, hiccup))
    figures["worker_cpu_per_sms"] = posted.worker_cpu_s * 1000 / max(1, sent)
    figures["machine_busy"] = posted.machine_busy * 100
    worker_form = next((m.form for m in reversed(twilio.messages) if not m.body.startswith(FLOOR_BODY)), {})
    floor = measure_floor(twilio.url, twilio.account_sid, twilio.auth_token, SENDER, max(1, sent), extra_options(worker_form))
    ordered = sorted(floor.latencies_ms)
    figures.update(floor_round_trip_p50=percentile(ordered, 50), floor_round_trip_p99=percentile(ordered, 99))
    log(f"SIGSTOP {hiccup.stopped_at - posted.since:.2f} s into the posting; {sent} SMS sent; floor {floor.per_second:.0f}/s")
    return figures


def report(rounds: list[dict[str, float | None]], outcomes: list[Outcome], rows: list[Row], twilio: TimedTwilio) -> bool:
    """Every figure as the median of the rounds (min, max, rounds), the ratios to the floor, and the counts."""
    emit("posts", len(outcomes), "posts", note=f"{len(rounds)} rounds")
    not_201 = sum(1 for o in outcomes if o.status != 201)
    emit("posts_not_201", not_201, "posts", 0, note="all rounds")
    for figure, unit, target, note, digits in ROUND_FIGURES:
        emit_rounds(emit, figure, [r[figure] for r in rounds], unit, target, note, digits)
    for q in (50, 99):
        figures, floors = [r[f"sms_p{q}_before_stop"] for r in rounds], [r[f"floor_round_trip_p{q}"] for r in rounds]
        note = f"sms_p{q}_before_stop / floor_round_trip_p{q}, round by round"
        emit_ratio(emit, f"sms_p{q}_before_stop_over_floor", figures, floors, note)
    ok = exactly_once(rows, twilio)  # a missed target is a figure; a lost or doubled SMS a failure
    return ok and not not_201 and all(r["sms_p99_under_2s_after_stop"] is not None for r in rounds)


def run(options: argparse.Namespace) -> int:
    emit_context(emit)
    started = time.perf_counter()
    ok = False
    try:
        with TimedTwilio() as twilio, throwaway_stack("dispatch-bench-sms-recovery-", options.keep) as stack:
            env = production_env(stack, twilio, free_port())
            url, worker, password = start(stack, env)
            emit("setup_s", round(time.perf_counter() - started, 1), "s")
            count = round(options.rate * options.seconds)
            session = log_in(url, password, WARMUP_POSTS + options.rounds * count)
            warm_up(session, stack)
            rounds, outcomes = [], []
            for number in range(1, options.rounds + 1):
                bodies = session.bodies[WARMUP_POSTS + (number - 1) * count : WARMUP_POSTS + number * count]
                posted = post_through_a_hiccup(options, session, bodies, number, worker, stack)
                rows = outbox_rows(stack.pg_url)
                write_csv(stack.workdir / f"sms-{number}.csv", rows, twilio, posted.hiccup)
                rounds.append(round_figures(posted, rows, twilio))
                outcomes.extend(posted.outcomes)
            rows = outbox_rows(stack.pg_url)
            ok = report(rounds, outcomes, rows, twilio)
            if not ok or not rows:
                log(f"worker log:\n{tail(stack.workdir / 'worker.log')}")
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        ok = False
    finally:
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of posting in each round")
    parser.add_argument("--rate", type=float, default=10.0, help="needs posted per second (open loop)")
    parser.add_argument("--stop-at", type=float, default=10.0, help="seconds into the posting when the worker is frozen")
    parser.add_argument("--stop-for", type=float, default=3.0, help="seconds the worker stays frozen")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of posting through a hiccup, each beside its floor")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the server and worker logs")
    options = parser.parse_args(argv)
    if min(options.seconds, options.rate, options.stop_for) <= 0 or not 0 <= options.stop_at < options.seconds:
        parser.error("--seconds, --rate and --stop-for must be positive, --stop-at within the posting")
    if options.rounds < 1:
        parser.error("--rounds must be positive")
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
