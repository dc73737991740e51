"""SMS throughput: queued messages sent by one RQ worker through the real twilio client to a fake Twilio, in three
rounds, each beside its floor.

Production as deployed: a throwaway PostgreSQL database, a Redis db number of its own, ``flask --app wsgi setup``,
one ``flask --app wsgi worker`` with Twilio settings pointing at ``tests/fake_twilio.FakeTwilio`` (in this process,
on a free port of 127.0.0.1) and no rate cap. After an unmeasured warm-up of 50 messages, each round writes N outbox
rows due now, hands them to the worker in one pass of ``enqueue_due`` (the sweeper's own step: it asks for one drain
job), and waits until every row is sent; then the floor, ``tests/bench/sms_floor.py``: the same twilio client in a
bare loop of N messages against the same fake, one thread, in a process of its own. Figures, each the median of the
rounds with min, max and the rounds: messages per second of the worker (from the hand-over to the last row sent),
the worker's CPU per message, the floor's rate and CPU per message, and the ratios of figure to floor; and the
exactly-once check over every round: every row went to Twilio once (no body twice, none missing) and carries its own
Twilio id. The bench watches progress with one SQL count every half second (not by creating the app each time).

    .venv/bin/python tests/bench/bench_sms.py              # 3 rounds of 3,000 messages; about 3 minutes
    .venv/bin/python tests/bench/bench_sms.py --count 10000 --rounds 1
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_post_need import (  # noqa: E402
    cpu_seconds,
    flask,
    percentile,
    tail,
    throwaway_stack,
    wait_for_worker,
)
from tests.bench.figures import ROUNDS, emit_context, emit_ratio, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.bench.sms_floor import FLOOR_BODY, extra_options, measure_floor  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

TARGET_PER_SECOND = 200.0  # issue 18 (issue 4 asked 100)
TARGET_CPU_MS = 4.0  # worker CPU per message, issue 18
SENDER = "+15005550006"
WARMUP = 50


emit = figure_printer("sms")

log = note_printer("bench_sms")


def write_rows(app, first: int, count: int) -> None:
    """N SMS rows due now, each with its own text and number, as the dispatch engine writes them."""
    from sqlalchemy import insert

    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    with app.app_context():
        rows = [
            {
                "channel": "sms",
                "recipient": f"+86138{i:08d}",
                "template": "notice",
                "params": {"text": f"【演练】通知 {i}:请查收"},
            }
            for i in range(first, first + count)
        ]
        for start in range(0, count, 2000):
            db.session.execute(insert(OutboxMessage), rows[start : start + 2000])
        db.session.commit()


def hand_over(app) -> int:
    from dispatch.services.notify.delivery import enqueue_due

    with app.app_context():
        return enqueue_due()


def progress(pg_url: str) -> tuple[int, int]:
    """(sent, failed) rows so far."""
    import psycopg

    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        counts = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    return counts.get("sent", 0), counts.get("failed", 0)


def unique_sids(pg_url: str) -> int:
    import psycopg

    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        return conn.execute("SELECT count(DISTINCT provider_sid) FROM outbox").fetchone()[0]


def wait_until_done(pg_url: str, total: int, deadline: float) -> tuple[int, int]:
    """Poll until ``total`` rows are sent or failed (or the monotonic deadline); (sent, failed)."""
    sent = failed = 0
    while time.monotonic() < deadline:
        sent, failed = progress(pg_url)
        if sent + failed >= total:
            break
        time.sleep(0.5)
    return sent, failed


def run(count: int, rounds: int, budget_s: float) -> int:
    emit_context(emit)
    started = time.perf_counter()
    ok = False
    saved_env = dict(os.environ)
    try:
        with FakeTwilio() as twilio, throwaway_stack("dispatch-bench-sms-") as stack:
            settings = {
                "DATABASE_URL": stack.pg_url, "REDIS_URL": stack.redis_url, "SECRET_KEY": "bench-sms-not-secret",
                **HARNESS_SETTINGS,
                "DISPATCH_INSTANCE_DIR": str(stack.workdir / "instance"), "RQ_QUEUE": "dispatch", "PYTHONUNBUFFERED": "1",
                "SOCKETIO_CHANNEL": f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}", "TWILIO_ACCOUNT_SID": twilio.account_sid,
                "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": SENDER, "TWILIO_API_BASE": twilio.url,
                "PUBLIC_URL": "http://127.0.0.1:9", "SMS_PER_SECOND": "0",
            }  # fmt: skip
            os.environ.update(settings)  # this process creates the app too (to write rows and hand them over)
            env = {**os.environ}
            subprocess.run(flask("setup"), cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
            from dispatch import create_app

            app = create_app()
            worker_log = stack.workdir / "worker.log"
            worker = stack.processes.start("worker", flask("worker"), env, worker_log)
            wait_for_worker(stack.redis_url, "dispatch", worker, worker_log, 30)
            deadline = time.monotonic() + budget_s - (time.perf_counter() - started) - 15
            write_rows(app, 0, WARMUP)
            hand_over(app)
            if sum(wait_until_done(stack.pg_url, WARMUP, deadline)) < WARMUP:
                raise RuntimeError(f"the warm-up's {WARMUP} messages did not all go out:\n{tail(worker_log)}")
            ok = measure_rounds(app, stack, twilio, worker, count, rounds, deadline)
            if not ok:
                log(f"worker log:\n{tail(worker_log)}")
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def measure_rounds(app, stack, twilio: FakeTwilio, worker, count: int, rounds: int, deadline: float) -> bool:
    """``rounds`` rounds of ``count`` rows through the worker, each followed by the floor; emits the figures."""
    rates, cpus, floor_rates, floor_cpus, floor_p50s = [], [], [], [], []
    total, sent = WARMUP, 0
    for number in range(1, rounds + 1):
        write_rows(app, total, count)
        total += count
        cpu_before, t0 = cpu_seconds(worker.pid), time.perf_counter()
        log(f"round {number}: {hand_over(app)} rows handed to the worker")
        sent, failed = wait_until_done(stack.pg_url, total, deadline)
        span, cpu = time.perf_counter() - t0, cpu_seconds(worker.pid) - cpu_before
        done = sent + failed - (total - count)
        rates.append(done / span)
        cpus.append(cpu * 1000 / max(1, done))
        if sent + failed < total:
            log(f"round {number}: only {done} of {count} rows done before the budget ran out")
            break
        worker_form = twilio.messages[-1].form
        floor = measure_floor(twilio.url, twilio.account_sid, twilio.auth_token, SENDER, count, extra_options(worker_form))
        floor_rates.append(floor.per_second)
        floor_cpus.append(floor.cpu_per_message_ms)
        floor_p50s.append(percentile(sorted(floor.latencies_ms), 50))
        log(f"round {number}: {rates[-1]:.1f}/s, {cpus[-1]:.2f} ms CPU a message; floor {floor.per_second:.1f}/s")
    report(rates, cpus, floor_rates, floor_cpus, floor_p50s, count)
    return exactly_once(stack.pg_url, twilio, total, sent, len(floor_rates) * count)


def report(rates, cpus, floor_rates, floor_cpus, floor_p50s, count: int) -> None:
    emit("messages", count, "messages", note=f"a round; {len(rates)} rounds, after {WARMUP} unmeasured")
    emit_rounds(emit, "per_second_one_worker", rates, "messages/s", TARGET_PER_SECOND)
    emit_rounds(emit, "worker_cpu_per_message", cpus, "ms", TARGET_CPU_MS, digits=2)
    note = "sms_floor.py: the twilio client in a bare loop against the same fake, one thread, same count"
    emit_rounds(emit, "floor_per_second", floor_rates, "messages/s", note=note)
    emit_rounds(emit, "floor_cpu_per_message", floor_cpus, "ms", note="the loop's process", digits=2)
    emit_rounds(emit, "floor_round_trip_p50", floor_p50s, "ms", note="one messages.create", digits=2)
    emit_ratio(emit, "per_second_over_floor", rates, floor_rates, "per_second_one_worker / floor_per_second, round by round")
    emit_ratio(emit, "cpu_per_message_over_floor", cpus, floor_cpus, "worker_cpu_per_message / floor_cpu_per_message")


def exactly_once(pg_url: str, twilio: FakeTwilio, total: int, sent: int, floor_messages: int) -> bool:
    """Every row (warm-up included) sent once: the fake's messages less the floor's, against the rows."""
    bodies = [m.body for m in twilio.messages if not m.body.startswith(FLOOR_BODY)]
    emit("sent", sent, "messages", total, note="all rounds and the warm-up")
    emit("twilio_requests", len(bodies), "requests", total, note=f"besides the floor's {floor_messages}")
    emit("sent_twice", len(bodies) - len(set(bodies)), "messages", 0)
    emit("never_sent", total - len(set(bodies)), "messages", 0)
    emit("distinct_twilio_ids", unique_sids(pg_url), "ids", total)
    return sent == total and len(bodies) == len(set(bodies)) == total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3_000, help="messages a round")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for the whole run")
    options = parser.parse_args(argv)
    if min(options.count, options.rounds) < 1:
        parser.error("--count and --rounds must be positive")
    return run(options.count, options.rounds, options.budget)


if __name__ == "__main__":
    sys.exit(main())
