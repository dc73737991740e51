"""Aliyun SMS throughput: offer SMS sent by one RQ worker through Aliyun's own SDK to a fake Aliyun, in batches.

Run ``python tests/bench/bench_aliyun_sms.py [--count 3000] [--mixed-count 1200] [--rounds 3] [--keep]``; prints one
JSON line per figure: {"bench": "aliyun_sms", "metric": ..., "value": ..., "unit": ..., "target": ...}, the first the
run's context (``figures.emit_context``). About 2 minutes on two cores. Importing this module runs nothing.

Issue 15's target: at least 100 messages a second from one worker on the Aliyun path, a batch counted per recipient.
Production as deployed, set up as ``bench_post_need.py`` (whose helpers it uses): a throwaway PostgreSQL database, an
empty Redis db number, ``flask --app wsgi setup --demo``, one ``python wsgi.py`` and one ``flask --app wsgi worker``
with the Aliyun settings (``ALIYUN_ACCESS_KEY_ID``/``SECRET``, ``ALIYUN_SMS_SIGN_NAME``, ``ALIYUN_SMS_TEMPLATES``
with every kind's template, ``ALIYUN_SMS_ENDPOINT``) pointing at ``tests/fake_aliyun_sms.FakeAliyunSms`` (in this
process, on 127.0.0.1, checking every request's ACS3-HMAC-SHA256 signature; no rate cap, ``SMS_PER_SECOND=0``; the
worker's HTTP_PROXY/HTTPS_PROXY unset, which the SDK would use even for 127.0.0.1).

What is measured. The bench logs in as ``demo-duty`` and posts ``NEEDS`` real needs through the API, each offered to
up to five organizations, with ``FAILOVER`` texting level III offers only after an hour: so real assignments exist and
the dispatch engine has written their offer SMS rows, which never come due. For each round it then writes N outbox
rows as the engine writes an offer's SMS (``template="offer"``, the params, assignment and organization of one of
those real rows, in turn), each to its own mainland number, due in an hour; once the worker is idle it makes them due
now in one UPDATE and hands them over with one ``enqueue_due`` (the sweeper's own step), and times until every row is
sent. So the worker does for each row what it does for a real offer: claims it (``CLAIM`` rows at a time), reads its
offer with need, incident and subdistrict, checks it is still wanted, renders it, puts the text on record, sends, and
records the sent row and its ``sms.sent`` event. Rows of one kind claimed together go in one ``SendBatchSms`` request
(``delivery.drain``); a message is one recipient. Timed figures, each printed once as the median of the rounds with
min, max and the rounds (``figures.emit_rounds``; the target applies to the median): messages per second from the
hand-over to the last row sent, the worker's CPU per message (no target). Right after each round, its floor
(``tests/bench/aliyun_sms_floor.py``): Aliyun's SDK client built as the app builds it, in a bare loop, one thread, in
a process of its own, against the same fake, sending the round's requests again (as many, each with as many
recipients, the same template and values); its messages per second and CPU per message, and the ratios of figure to
floor round by round (``*_over_floor``). Also messages per provider request. The exactly-once check: every row reached
the fake exactly once (a batch's ``OutId`` lists its rows' ids, so each recipient's entry names its row by the id
whose number it went to), none missing, nothing the fake received that no row accounts for (the floor's messages,
``OutId`` ``floor-<n>``, aside). Also counted: the requests that carried one message, and the passes of the sweeper's
safety net (``delivery.send_stalled``: once a row has been due for 3 s the sweeper, in the same worker, sends one row
at a time beside the drain), which any backlog of more than about 3 s of work sets off.

Then the same with ``--mixed-count`` rows of the six message kinds interleaved (offer, drill offer, reminder,
confirmation, login code, certificate reminder): a claim of ten then carries six kinds, so the requests carry one or
two messages each. There is no way to have the worker send everything one by one short of changing delivery (a
login code is batched with other login codes claimed with it), so this is how the reader sees what batching buys.

Everything it starts is stopped, the database dropped and the Redis db flushed, even when it fails; ``--keep`` keeps
the logs. It exits 1 when a row is lost, sent twice or not sent (not for a missed target).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from notifications.channels.aliyun_templates import SUGGESTED_TEXTS  # noqa: E402
from tests.bench.aliyun_sms_floor import FLOOR_OUT_ID, Floor, measure_floor, requests_like  # noqa: E402
from tests.bench.bench_post_need import (  # noqa: E402
    PYTHON,
    Stack,
    cpu_seconds,
    demo_password,
    flask,
    free_port,
    machine_busy,
    need_bodies,
    percentile,
    tail,
    throwaway_stack,
    wait_for_worker,
    wait_until_up,
)
from tests.bench.figures import ROUNDS, emit_context, emit_ratio, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.fake_aliyun_sms import FakeAliyunSms  # noqa: E402
from tests.integration.aliyun_helpers import CODES, SIGN  # noqa: E402
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

TARGET_PER_SECOND = 100.0
QUEUE = "dispatch"
NEEDS = 20  # real needs posted, each offered to up to BROADCAST_K organizations: the offers the rows are about
BROADCAST_K = 5
LATER = timedelta(hours=1)
SEED = 15
PROXIES = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"}

emit = figure_printer("aliyun_sms")

log = note_printer("bench_aliyun_sms")


@dataclass(frozen=True)
class Offer:
    """A real offer SMS row the engine wrote: what a cloned row copies."""

    assignment_id: int
    organization_id: int | None
    params: dict


@dataclass(frozen=True)
class Worker:
    pid: int
    log: Path


@dataclass
class Round:
    kind: str
    number: int
    rows: dict[int, str]  # outbox id -> the number as Aliyun writes it (mainland, no +86)
    seconds: float = 0.0
    sent: int = 0
    failed: int = 0
    requests: int = 0
    alone: int = 0  # requests that carried one message
    stalled_passes: int = 0  # sweeper passes that found a message due for 3 s and sent one by one beside the drain
    cpu_s: float = 0.0
    machine_busy: float = 0.0  # of all CPUs, other work on the machine included
    floor: Floor | None = None  # the bare SDK loop, the same requests, right after the round

    @property
    def cpu_per_message_ms(self) -> float | None:
        return self.cpu_s * 1000 / self.sent if self.sent else None

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


# --- the stack ------------------------------------------------------------------------------------------


def aliyun_env(stack: Stack, fake: FakeAliyunSms, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FLASK_APP", *PROXIES}}
    env.update(
        DATABASE_URL=stack.pg_url, REDIS_URL=stack.redis_url, DISPATCH_INSTANCE_DIR=str(stack.workdir / "instance"),
        ALLOW_DEMO_LOGINS="1",  # the demo district in production mode: its published password let through
        **HARNESS_SETTINGS,
        SECRET_KEY="bench-aliyun-sms-not-secret", SOCKETIO_CHANNEL=f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}",
        RQ_QUEUE=QUEUE, SESSION_COOKIE_SECURE="0", PASSWORD_HASH_METHOD="pbkdf2:sha256:1000", PYTHONUNBUFFERED="1",
        ALIYUN_ACCESS_KEY_ID=fake.access_key_id, ALIYUN_ACCESS_KEY_SECRET=fake.access_key_secret,
        ALIYUN_SMS_SIGN_NAME=SIGN, ALIYUN_SMS_TEMPLATES=json.dumps(CODES), ALIYUN_SMS_ENDPOINT=fake.endpoint,
        SMS_CHANNEL="aliyun", VOICE_CHANNEL="none", SMS_PER_SECOND="0", PUBLIC_URL=f"http://127.0.0.1:{port}",
        FAILOVER='{"III": "socket, sms@3600s"}',  # the real offers' own SMS never come due during the bench
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


def post_needs(url: str, password: str) -> int:
    """Real needs through the API, as the duty officer posts them; returns how many offers they made."""
    http = login(url, "demo-duty", password)
    rng = random.Random(SEED)
    bodies = need_bodies(interior_points(cell_polygons(http, url), NEEDS, rng), skill_codes(http, url), rng)
    incident = open_incident(http, url, "阿里云短信压测")
    offers = 0
    for body in bodies:
        body |= {"broadcast_k": BROADCAST_K, "offer_timeout_s": 2 * 3600}
        response = http.post(f"{url}/api/incidents/{incident}/needs", json=body, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"posting a need failed: {response.status_code} {response.text[:300]}")
        offers += len(response.json()["assignments"])
    return offers


@contextlib.contextmanager
def bench_app(env: dict[str, str]):
    """The app in this process, with the stack's settings, to write rows and read them back."""
    from dispatch import create_app
    from dispatch.extensions import db

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app()
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- the rows -------------------------------------------------------------------------------------------


def real_offers() -> list[Offer]:
    from sqlalchemy import select

    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    found = db.session.execute(
        select(OutboxMessage.assignment_id, OutboxMessage.organization_id, OutboxMessage.params)
        .where(OutboxMessage.channel == "sms", OutboxMessage.template == "offer")
        .order_by(OutboxMessage.id)
    ).all()
    db.session.commit()
    return [Offer(a, o, p) for a, o, p in found]


def offer_row(offer: Offer, **extra) -> dict:
    return {"template": "offer", "params": {**offer.params, **extra}, "assignment_id": offer.assignment_id,
            "organization_id": offer.organization_id}  # fmt: skip


def mixed_row(index: int, offer: Offer) -> dict:
    """The six kinds in turn, each with the params the service that writes it gives it."""
    code = offer.params.get("code", "A7KM")
    others = {
        3: ("confirmation", {"text": f"任务{code}：已接受", "kind": "confirmation", "code": code, "result": "已接受5人"}),
        4: ("login_code", {"text": "您的登录验证码为123456", "kind": "login_code", "code": "123456", "minutes": 5}),
        5: ("certificates_expiring", {"text": "证书将到期", "kind": "certificate_reminder", "count": 2, "days": 30,
                                      "skill": "急救", "date": "2027-01-05"}),
    }  # fmt: skip
    turn = index % 6
    if turn == 0:
        return offer_row(offer)
    if turn in (1, 2):
        return offer_row(offer, **({"drill": True} if turn == 1 else {"reminder": True}))
    template, params = others[turn]
    return {"template": template, "params": params, "organization_id": offer.organization_id}


def write_rows(kind: str, count: int, offers: list[Offer], first_number: int) -> dict[int, str]:
    """``count`` SMS rows due in an hour, each to its own number; returns outbox id -> number (as Aliyun writes it)."""
    from sqlalchemy import insert

    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    due = datetime.now(UTC) + LATER
    numbers = [str(first_number + i) for i in range(count)]
    rows = [
        {
            "channel": "sms", "recipient": f"+86{numbers[i]}", "due_at": due,
            **(offer_row(offers[i % len(offers)]) if kind == "offer" else mixed_row(i, offers[i % len(offers)])),
        }
        for i in range(count)
    ]  # fmt: skip
    ids = []
    for start in range(0, count, 1000):
        statement = insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True)
        ids.extend(db.session.scalars(statement, rows[start : start + 1000]).all())
    db.session.commit()
    return dict(zip(ids, numbers, strict=True))


def hand_over(ids: list[int]) -> int:
    """Make the round's rows due now and ask for a drain, as the sweeper does; returns how many are due."""
    from sqlalchemy import update

    from dispatch.extensions import db
    from dispatch.models import OutboxMessage
    from dispatch.services.notify.delivery import enqueue_due

    db.session.execute(update(OutboxMessage).where(OutboxMessage.id.between(min(ids), max(ids))).values(due_at=datetime.now(UTC)))
    db.session.commit()
    return enqueue_due()


def progress(ids: list[int]) -> Counter:
    from sqlalchemy import func, select

    from dispatch.extensions import db
    from dispatch.models import OutboxMessage

    found = db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.id.between(min(ids), max(ids)))
        .group_by(OutboxMessage.status)
    ).all()
    db.session.commit()
    return Counter(dict(found))


# --- a round --------------------------------------------------------------------------------------------


def run_round(
    kind: str, number: int, count: int, offers: list[Offer], fake: FakeAliyunSms, worker: Worker, deadline: float
) -> Round:
    this = Round(kind, number, write_rows(kind, count, offers, 13_800_000_000 + number * 1_000_000 + (kind != "offer") * 500_000))
    ids = sorted(this.rows)
    requests_before, cpu_before, stalled_before = fake.requests_received, cpu_seconds(worker.pid), stalled_passes(worker.log)
    busy_before = machine_busy()
    t0 = time.perf_counter()
    hand_over(ids)
    counts: Counter = Counter()
    while time.monotonic() < deadline:
        counts = progress(ids)
        if counts["sent"] + counts["failed"] + counts["skipped"] >= count:
            break
        time.sleep(0.1)
    this.seconds = time.perf_counter() - t0
    this.cpu_s = cpu_seconds(worker.pid) - cpu_before
    busy_after = machine_busy()
    this.machine_busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    this.requests = fake.requests_received - requests_before
    this.sent, this.failed = counts["sent"], counts["failed"] + counts["skipped"]
    this.alone = sum(1 for recipients in requests_by_size(this.rows, fake).values() if recipients == 1)
    this.stalled_passes = stalled_passes(worker.log) - stalled_before
    log(
        f"{kind} round {number}: {this.sent} sent in {this.seconds:.1f} s ({this.per_second:.0f}/s), {this.requests} requests"
        f" ({this.alone} with one message), {this.stalled_passes} passes of the sweeper's safety net;"
        f" the worker used {this.cpu_s / this.seconds:.0%} of a CPU, the machine was {this.machine_busy:.0%} busy"
    )
    if this.sent == len(this.rows):  # the floor: the same requests through the bare client, right after the round
        this.floor = measure_floor(
            fake.access_key_id, fake.access_key_secret, fake.endpoint, SIGN, requests_like(round_sent(this.rows, fake))
        )
        log(f"{kind} round {number} floor: {this.floor.sent} in {this.floor.requests} requests, {this.floor.per_second:.0f}/s")
    return this


def round_sent(rows: dict[int, str], fake: FakeAliyunSms) -> list:
    """The fake's records of the messages that carried these rows, in the order it received them."""
    from notifications.channels.aliyun_sms import outbox_ids

    return [sms for sms in fake.sent if any(row_id in rows for row_id in outbox_ids(sms.out_id or ""))]


def requests_by_size(rows: dict[int, str], fake: FakeAliyunSms) -> Counter:
    """Request (its BizId) -> how many of these rows' recipients it carried."""
    return Counter(sms.biz_id for sms in round_sent(rows, fake))


def stalled_passes(worker_log: Path) -> int:
    """How often the worker's sweeper said a message had waited too long and sent itself (delivery.send_stalled)."""
    try:
        return worker_log.read_text(errors="replace").count("the sweeper sends")
    except OSError:
        return 0


def exactly_once(rounds: list[Round], fake: FakeAliyunSms) -> dict[str, int]:
    """Each recipient's entry at the fake names its row: the id in its OutId whose row went to that number."""
    from notifications.channels.aliyun_sms import outbox_ids

    numbers = {row_id: number for one in rounds for row_id, number in one.rows.items()}
    reached: Counter = Counter()
    unaccounted = 0
    received = [sms for sms in fake.sent if not (sms.out_id or "").startswith(FLOOR_OUT_ID)]  # the floor's aside
    for sms in received:
        mine = [row_id for row_id in outbox_ids(sms.out_id or "") if numbers.get(row_id) == sms.phone]
        reached.update(mine)
        unaccounted += not mine
    return {
        "rows": len(numbers),
        "recipients_at_the_fake": len(received),
        "sent_twice": sum(1 for n in reached.values() if n > 1),
        "never_sent": sum(1 for row_id in numbers if not reached[row_id]),
        "unaccounted": unaccounted,
    }


def report(kind: str, rounds: list[Round], target: float | None) -> None:
    """Each timed figure once, median of the rounds with min, max and the rounds; the floor's beside it, and the
    ratios round by round. Counts are summed over the rounds."""
    label = "offers" if kind == "offer" else "mixed"
    sent = sum(r.sent for r in rounds)
    emit(f"{label}_messages", sent, "messages", note=f"{len(rounds)} rounds of {len(rounds[0].rows) if rounds else 0}")
    rates = [r.per_second for r in rounds]
    cpus = [r.cpu_per_message_ms for r in rounds]
    floor_rates = [r.floor.per_second if r.floor else None for r in rounds]
    floor_cpus = [r.floor.cpu_per_message_ms if r.floor else None for r in rounds]
    emit_rounds(emit, f"{label}_per_second_one_worker", rates, "messages/s", target, note="hand-over to the last row sent")
    emit_rounds(emit, f"{label}_worker_cpu_per_message", cpus, "ms", digits=2)
    note = "aliyun_sms_floor.py: the SDK client in a bare loop against the same fake, one thread, the round's requests"
    emit_rounds(emit, f"{label}_floor_per_second", floor_rates, "messages/s", note=note)
    emit_rounds(emit, f"{label}_floor_cpu_per_message", floor_cpus, "ms", note="the loop's process", digits=2)
    emit_rounds(
        emit,
        f"{label}_floor_request_p50",
        [percentile(sorted(r.floor.latencies_ms), 50) if r.floor else None for r in rounds],
        "ms",
        note="one request's round trip",
        digits=2,
    )
    emit_ratio(emit, f"{label}_per_second_over_floor", rates, floor_rates, "per_second_one_worker / floor_per_second")
    emit_ratio(emit, f"{label}_cpu_per_message_over_floor", cpus, floor_cpus, "worker_cpu_per_message / floor_cpu_per_message")
    emit(f"{label}_messages_per_request", round(sent / max(1, sum(r.requests for r in rounds)), 2), "messages")
    emit(f"{label}_requests_with_one_message", sum(r.alone for r in rounds), "requests")
    emit(
        f"{label}_safety_net_passes",
        sum(r.stalled_passes for r in rounds),
        "passes",
        note="sweeper passes that found a row due for 3 s and sent one by one beside the drain",
    )
    emit_rounds(
        emit,
        f"{label}_worker_cpu_share",
        [r.cpu_s / r.seconds if r.seconds else None for r in rounds],
        "CPUs",
        note="the worker's CPU over the round's wall time: well under 1 when it waits or is starved",
        digits=2,
    )
    emit_rounds(
        emit,
        f"{label}_machine_busy",
        [r.machine_busy * 100 for r in rounds],
        "%",
        note=f"all {os.cpu_count()} CPUs during the worker's part of the round, other work included",
    )
    emit(f"{label}_not_sent", sum(len(r.rows) - r.sent for r in rounds), "messages", 0)


def run(options: argparse.Namespace) -> int:
    emit_context(emit)
    started = time.perf_counter()
    ok = False
    try:
        templates = {code: SUGGESTED_TEXTS[kind] for kind, code in CODES.items()}
        with (
            FakeAliyunSms(sign_name=SIGN, templates=templates) as fake,
            throwaway_stack("dispatch-bench-aliyun-sms-", options.keep) as stack,
        ):
            env = aliyun_env(stack, fake, free_port())
            url, process, password = start(stack, env)
            worker = Worker(process.pid, stack.workdir / "worker.log")
            emit("offers_made_by_real_needs", post_needs(url, password), "offers", note=f"{NEEDS} needs posted through the API")
            emit("setup_s", round(time.perf_counter() - started, 1), "s")
            deadline = time.monotonic() + options.budget - (time.perf_counter() - started) - 15
            with bench_app(env):
                offers = real_offers()
                batched = [
                    run_round("offer", n, options.count, offers, fake, worker, deadline) for n in range(1, options.rounds + 1)
                ]
                mixed = [
                    run_round("mixed", n, options.mixed_count, offers, fake, worker, deadline)
                    for n in range(1, options.rounds + 1)
                    if options.mixed_count
                ]
            report("offer", batched, TARGET_PER_SECOND)
            if mixed:
                report("mixed", mixed, None)
            checked = exactly_once(batched + mixed, fake)
            for metric, value in checked.items():
                emit(metric, value, "messages", checked["rows"] if metric in ("rows", "recipients_at_the_fake") else 0)
            ok = checked["rows"] == checked["recipients_at_the_fake"] and not any(
                checked[k] for k in ("sent_twice", "never_sent", "unaccounted")
            )
            ok = ok and all(r.sent == len(r.rows) for r in batched + mixed)
            if not ok:
                log(f"worker log:\n{tail(stack.workdir / 'worker.log')}")
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        ok = False
    finally:
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="offer rows a round")
    parser.add_argument("--mixed-count", type=int, default=1200, help="rows of the six kinds a round (0: none)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of each")
    parser.add_argument("--budget", type=float, default=400.0, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the server and worker logs")
    options = parser.parse_args(argv)
    if options.count < 1 or options.mixed_count < 0 or options.rounds < 1:
        parser.error("--count and --rounds must be positive, --mixed-count at least 0")
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
