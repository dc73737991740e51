"""SMS throughput: 10,000 queued messages sent by one RQ worker through the real twilio client to a fake Twilio.

Production as deployed: a throwaway PostgreSQL database, a Redis db number of its own, ``flask --app wsgi setup``,
one ``flask --app wsgi worker`` with Twilio settings pointing at ``tests/fake_twilio.FakeTwilio`` (in this process,
on a free port of 127.0.0.1) and no rate cap. The bench writes N outbox rows due now, hands them to the worker in
one pass of ``enqueue_due`` (the sweeper's own step: it asks for one drain job), and waits until every row is sent. Figures: messages per
second of the worker (from the hand-over to the last row sent), the worker's CPU per message, and the exactly-once
check: every row went to Twilio once (no body twice, none missing) and carries its own Twilio id.

    .venv/bin/python tests/bench/bench_sms.py              # 10,000 messages
    .venv/bin/python tests/bench/bench_sms.py --count 2000
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
    tail,
    throwaway_stack,
    wait_for_worker,
)
from tests.bench.figures import figure_printer, note_printer  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

TARGET_PER_SECOND = 100.0
SENDER = "+15005550006"


emit = figure_printer("sms")

log = note_printer("bench_sms")


def write_rows(count: int) -> None:
    """N SMS rows due now, each with its own text and number, as the dispatch engine writes them."""
    from sqlalchemy import insert

    from dispatch import create_app
    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    app = create_app()
    with app.app_context():
        rows = [
            {
                "channel": "sms",
                "recipient": f"+86138{i:08d}",
                "template": "notice",
                "params": {"text": f"【演练】通知 {i}:请查收"},
            }
            for i in range(count)
        ]
        for start in range(0, count, 2000):
            db.session.execute(insert(OutboxMessage), rows[start : start + 2000])
        db.session.commit()
        db.engine.dispose()


def hand_over() -> int:
    from dispatch import create_app
    from dispatch.services.delivery import enqueue_due

    app = create_app()
    with app.app_context():
        return enqueue_due()


def progress() -> tuple[int, int]:
    """(sent, failed) rows so far."""
    from sqlalchemy import func, select

    from dispatch import create_app
    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    app = create_app()
    with app.app_context():
        counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
        db.engine.dispose()
    return counts.get("sent", 0), counts.get("failed", 0)


def unique_sids() -> int:
    from sqlalchemy import func, select

    from dispatch import create_app
    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    app = create_app()
    with app.app_context():
        found = db.session.scalar(select(func.count(func.distinct(OutboxMessage.provider_sid))))
        db.engine.dispose()
    return found


def run(count: int, budget_s: float) -> int:
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
            write_rows(count)
            worker_log = stack.workdir / "worker.log"
            worker = stack.processes.start("worker", flask("worker"), env, worker_log)
            wait_for_worker(stack.redis_url, "dispatch", worker, worker_log, 30)
            cpu_before = cpu_seconds(worker.pid)
            t0 = time.perf_counter()
            log(f"{hand_over()} rows handed to the worker")
            deadline = time.monotonic() + budget_s - (time.perf_counter() - started) - 15
            sent = failed = 0
            while time.monotonic() < deadline:
                sent, failed = progress()
                if sent + failed >= count:
                    break
                time.sleep(0.5)
            span = time.perf_counter() - t0
            cpu = cpu_seconds(worker.pid) - cpu_before
            bodies = [m.body for m in twilio.messages]
            emit("messages", count, "messages")
            emit("sent", sent, "messages", count)
            emit("failed", failed, "messages", 0)
            emit("per_second_one_worker", round(sent / span, 1), "messages/s", TARGET_PER_SECOND)
            emit("worker_cpu_per_message", round(cpu * 1000 / max(1, sent), 2), "ms")
            emit("twilio_requests", len(bodies), "requests", count)
            emit("sent_twice", len(bodies) - len(set(bodies)), "messages", 0)
            emit("never_sent", count - len(set(bodies)), "messages", 0)
            emit("distinct_twilio_ids", unique_sids(), "ids", count)
            ok = sent == count and len(bodies) == len(set(bodies)) == count
            if not ok:
                log(f"worker log:\n{tail(worker_log)}")
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--budget", type=float, default=600.0, help="seconds for the whole run")
    options = parser.parse_args(argv)
    return run(options.count, options.budget)


if __name__ == "__main__":
    sys.exit(main())
