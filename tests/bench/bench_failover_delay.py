"""Failover delay: how late an unacknowledged offer's SMS goes out against its configured delay (socket, sms@5s).

Run ``python tests/bench/bench_failover_delay.py [--needs 40] [--every 0.3] [--acked 6] [--rounds 3] [--keep]``;
prints one JSON line per figure: {"bench": "failover_delay", "metric": ..., "value": ..., "unit": ..., "target": ...},
the first the run's context (``figures.emit_context``). About 80 s on two cores. Importing this module runs nothing.

Issue 15: the socket → SMS failover delay measured against its configured value. Production as deployed, set up as
``bench_sms_recovery.py`` (whose helpers it uses): a throwaway PostgreSQL database, an empty Redis db number,
``flask --app wsgi setup --demo``, one ``python wsgi.py`` and one ``flask --app wsgi worker`` (which runs the deadline
sweeper: a pass every second hands the outbox rows that came due to delivery), the real twilio client pointed at
``tests/fake_twilio.FakeTwilio`` (in this process, no rate cap; the fake Twilio rather than the fake Aliyun because
a message's sid names its row directly, and the two share the outbox and the sweeper), and
``FAILOVER='{"III": "socket, sms@5s"}'``: a level III offer (the incidents the bench opens) is pushed on the socket
and texted 5 s later unless the leader's phone has acknowledged it by then.

In each of ``--rounds`` rounds (3) on the same stack, the duty officer posts ``--needs`` needs through the API, one
every ``--every`` seconds (so the offers fall at every phase of the sweeper's second), each offered to up to three
organizations; no phone of theirs is connected, so none is acknowledged. For each such offer the lateness is (when
its SMS reached the fake, noted with ``time.time()``) − (the offer's ``offered_at`` as the API answered it) − 5 s;
figures, each round's and printed once as the median of the rounds with min, max and the rounds
(``figures.emit_rounds``): p50, p99 (target: the median p99 ≤ 2 s), max and the earliest (an SMS before its 5 s
would be a bug); counts are summed over the rounds: every unacknowledged offer texted exactly once. Meanwhile
``demo-leader`` is logged in with a socket open (python-socketio, as the phone page's socket): ``--acked`` needs are
offered to that leader's organization (``POST /api/needs/<id>/offers``), and the phone answers each ``offer.made``
nudge it hears with ``seen``, as the phone page does. Those offers must get no SMS (0 expected: their rows end
``skipped``, "seen on the phone"); also reported, how soon after the offer the phone's ``seen`` was answered.

No floor is printed. What bounds the lateness is the sweeper's own tick (a pass every second in the worker): the
path measured is that tick and the delivery it hands rows to, and there is no bare version of it to run beside it in
the same run that would not be the sweeper itself (a timer loop alone would only measure ``time.sleep``).

Everything it starts is stopped, the database dropped and the Redis db flushed, even when it fails; ``--keep`` keeps
the logs. It exits 1 when an offer that should have been texted was not, or once was twice, or an acknowledged
offer was texted (not for a missed lateness target).
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_post_need import free_port, percentile, tail, throwaway_stack  # noqa: E402
from tests.bench.bench_sms_recovery import TimedTwilio, production_env, start, wait_until_sent  # noqa: E402
from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes  # noqa: E402

SMS_AFTER_S = 5
TARGET_P99_S = 2.0
BROADCAST_K = 3
OFFER_TIMEOUT_S = 600  # far beyond the SMS step, so the step is planned and the offer is still open when it comes due
SETTLE_S = 30.0  # after the last offer's step came due, how long the bench waits for its SMS
SEED = 55

emit = figure_printer("failover_delay")

log = note_printer("bench_failover_delay")


@dataclass
class Phone:
    """A leader's phone: a socket that answers every offer it hears of with ``seen``, noting when it was answered."""

    url: str
    cookie: str
    heard: dict[int, float] = field(default_factory=dict)  # assignment id -> epoch seconds
    seen: dict[int, float] = field(default_factory=dict)
    answers: dict[int, dict] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    client: object = None

    def connect(self) -> None:
        import socketio

        self.client = client = socketio.Client(reconnection=True)

        @client.on("events")
        def on_events(nudges):
            for nudge in nudges:
                if nudge.get("kind") == "offer.made" and nudge.get("assignment_id"):
                    self._acknowledge(nudge["assignment_id"])

        # Headers as a callable: the engine.io client deletes the Cookie header from the dict it is given.
        client.connect(self.url, headers=lambda: {"Cookie": self.cookie}, transports=["websocket"], wait_timeout=10)

    def _acknowledge(self, assignment_id: int) -> None:
        with self.lock:
            if assignment_id in self.heard:
                return
            self.heard[assignment_id] = time.time()

        def answered(answer=None) -> None:
            with self.lock:
                self.seen[assignment_id], self.answers[assignment_id] = time.time(), answer or {}

        # emit with a callback, not call(): a handler runs on the client's reading thread, which must hear the answer
        self.client.emit("seen", {"assignment_id": assignment_id}, callback=answered)

    def close(self) -> None:
        if self.client is not None:
            self.client.disconnect()


@dataclass(frozen=True)
class Offered:
    id: int
    organization_id: int
    offered_at: float  # epoch seconds, as the API answered


def offers_of(answer: dict) -> list[Offered]:
    return [
        Offered(a["id"], a["organization"]["id"], datetime.fromisoformat(a["offered_at"]).timestamp())
        for a in answer.get("assignments", [])
    ]


def post(http, url: str, incident: int, body: dict) -> dict:
    response = http.post(f"{url}/api/incidents/{incident}/needs", json=body, timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"posting a need failed: {response.status_code} {response.text[:300]}")
    return response.json()


def leader_skill(http, url: str, organization_id: int, uncertified: list[str]) -> str:
    """A skill the leader's organization offers and that needs no certificate."""
    skills = http.get(f"{url}/api/organizations/{organization_id}", timeout=10).json()["skills"]
    offered = [s["code"] for s in skills if s["capacity"] > 0 and s["code"] in uncertified]
    if not offered:
        raise RuntimeError(f"the demo leader's organization offers none of {uncertified}")
    return offered[0]


def post_offers(options: argparse.Namespace, url: str, password: str, phone_org: int, number: int) -> list[Offered]:
    """The needs, one every ``--every`` seconds; every ``needs // acked``-th is also offered to the phone's organization."""
    http = login(url, "demo-duty", password)
    rng = random.Random(SEED + number)
    skills = skill_codes(http, url)
    points = interior_points(cell_polygons(http, url), options.needs, rng)
    own_skill = leader_skill(http, url, phone_org, skills)
    incident = open_incident(http, url, f"故障转移延迟压测 {number}")
    every_acked = max(1, options.needs // max(1, options.acked))
    offered: list[Offered] = []
    t0 = time.perf_counter()
    for i, (lon, lat) in enumerate(points):
        time.sleep(max(0.0, t0 + i * options.every - time.perf_counter()))
        acked = options.acked and i % every_acked == 0 and i // every_acked < options.acked
        body = {"skills": [own_skill if acked else rng.choice(skills)], "head_count": 1, "broadcast_k": 1 if acked else BROADCAST_K,
                "offer_timeout_s": OFFER_TIMEOUT_S, "location": {"lon": lon, "lat": lat}}  # fmt: skip
        answer = post(http, url, incident, body)
        offered.extend(offers_of(answer))
        if acked and all(o.organization_id != phone_org for o in offers_of(answer)):
            response = http.post(f"{url}/api/needs/{answer['id']}/offers", json={"organization_id": phone_org}, timeout=30)
            if response.status_code != 201:
                raise RuntimeError(f"offering to the leader failed: {response.status_code} {response.text[:300]}")
            offered.extend(offers_of({"assignments": [response.json()]}))
    return offered


def sms_rows(pg_url: str) -> dict[int, list[tuple[str, str | None, str]]]:
    """assignment id -> its SMS rows' (status, provider sid, error)."""
    import psycopg

    found: dict[int, list] = {}
    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        query = (
            "SELECT assignment_id, status, provider_sid, error FROM outbox WHERE channel = 'sms' AND assignment_id IS NOT NULL"
        )
        for assignment_id, status, sid, error in conn.execute(query).fetchall():
            found.setdefault(assignment_id, []).append((status, sid, error))
    return found


@dataclass
class Round:
    """One round's offers and what became of them."""

    late: list[float]  # s, each texted-once unacknowledged offer, sorted
    seen_after: list[float]  # s, each acknowledged offer whose seen was answered, sorted
    counts: dict[str, int]


def judge(offered: list[Offered], phone_org: int, phone: Phone, rows: dict, twilio: TimedTwilio) -> Round:
    texted = {o.id: [twilio.received[sid] for _, sid, _ in rows.get(o.id, []) if sid in twilio.received] for o in offered}
    unacked = [o for o in offered if o.organization_id != phone_org]
    acked = [o for o in offered if o.organization_id == phone_org]
    late = sorted(texted[o.id][0] - o.offered_at - SMS_AFTER_S for o in unacked if len(texted[o.id]) == 1)
    counts = {
        "offers_unacknowledged": len(unacked),
        "sent_early": sum(1 for v in late if v < 0),
        "unacknowledged_not_texted": sum(1 for o in unacked if not texted[o.id]),
        "texted_twice": sum(1 for o in unacked if len(texted[o.id]) > 1),
        "offers_acknowledged_on_the_socket": len(acked),
        "acknowledged_ok": sum(1 for o in acked if phone.answers.get(o.id, {}).get("ok")),
        "acknowledged_but_texted": sum(1 for o in acked if texted[o.id]),
        "acknowledged_rows_skipped": sum(
            1 for o in acked for status, _, error in rows.get(o.id, []) if status == "skipped" and "seen" in error
        ),
    }
    seen_after = sorted(phone.seen[o.id] - o.offered_at for o in acked if o.id in phone.seen)
    log(f"lateness, s: {[round(v, 2) for v in late]}")
    return Round(late, seen_after, counts)


def report(rounds: list[Round], rows: dict, twilio: TimedTwilio) -> bool:
    """Timed figures once each, the median of the rounds with min and max; counts summed over the rounds."""
    total = {name: sum(r.counts[name] for r in rounds) for name in rounds[0].counts} if rounds else {}
    emit("rounds", len(rounds), "rounds")
    emit("offers_unacknowledged", total.get("offers_unacknowledged", 0), "offers", note="all rounds")
    emit("configured_delay", SMS_AFTER_S, "s", note='FAILOVER={"III": "socket, sms@5s"}')

    late, seen = [r.late for r in rounds], [r.seen_after for r in rounds]

    def each(lists: list[list[float]], pick) -> list[float | None]:
        """``pick`` of each round's sorted values (None for a round without any)."""
        return [pick(values) if values else None for values in lists]

    emit_rounds(emit, "late_p50", each(late, lambda v: percentile(v, 50)), "s", digits=3)
    emit_rounds(emit, "late_p99", each(late, lambda v: percentile(v, 99)), "s", TARGET_P99_S, digits=3)
    emit_rounds(emit, "late_max", each(late, lambda v: v[-1]), "s", digits=3)
    emit_rounds(emit, "late_min", each(late, lambda v: v[0]), "s", 0.0, "below 0: texted before its delay", 3)
    emit("sent_early", total.get("sent_early", 0), "offers", 0)
    emit("unacknowledged_not_texted", total.get("unacknowledged_not_texted", 0), "offers", 0)
    emit("texted_twice", total.get("texted_twice", 0), "offers", 0)
    recorded = {sid for found in rows.values() for _, sid, _ in found}
    unrecorded = sum(1 for sid in twilio.received if sid not in recorded)
    emit("texted_without_a_row_recording_it", unrecorded, "messages", 0)
    acked = total.get("offers_acknowledged_on_the_socket", 0)
    emit("offers_acknowledged_on_the_socket", acked, "offers")
    emit("acknowledged_ok", total.get("acknowledged_ok", 0), "offers", acked)
    seen_p50 = each(seen, lambda v: percentile(v, 50))
    emit_rounds(emit, "seen_after_offer_p50", seen_p50, "s", note="the phone's seen answered", digits=3)
    emit_rounds(emit, "seen_after_offer_max", each(seen, lambda v: v[-1]), "s", SMS_AFTER_S, digits=3)
    emit("acknowledged_but_texted", total.get("acknowledged_but_texted", 0), "offers", 0)
    emit("acknowledged_rows_skipped", total.get("acknowledged_rows_skipped", 0), "rows", acked, note='"seen on the phone"')
    # No floor line: see the module's docstring (the sweeper's own tick bounds the lateness).
    failed = any(total.get(k) for k in ("unacknowledged_not_texted", "texted_twice", "acknowledged_but_texted"))
    return bool(rounds) and all(r.late for r in rounds) and bool(acked) and not (failed or unrecorded)


def run(options: argparse.Namespace) -> int:
    emit_context(emit)
    started = time.perf_counter()
    ok = False
    try:
        with TimedTwilio() as twilio, throwaway_stack("dispatch-bench-failover-", options.keep) as stack:
            env = production_env(stack, twilio, free_port())
            env["FAILOVER"] = f'{{"III": "socket, sms@{SMS_AFTER_S}s"}}'
            url, _worker, password = start(stack, env)
            leader = login(url, "demo-leader", password)
            phone_org = leader.get(f"{url}/api/me", timeout=10).json()["organization_id"]
            phone = Phone(url, "; ".join(f"{k}={v}" for k, v in leader.cookies.get_dict().items()))
            rounds: list[Round] = []
            try:
                phone.connect()
                emit("setup_s", round(time.perf_counter() - started, 1), "s")
                for number in range(1, options.rounds + 1):
                    offered = post_offers(options, url, password, phone_org, number)
                    time.sleep(SMS_AFTER_S + 2)  # the last offer's step comes due
                    if left := wait_until_sent(stack.pg_url, SETTLE_S):
                        log(f"round {number}: {left} SMS rows still due {SETTLE_S:g} s after the last step came due")
                    rounds.append(judge(offered, phone_org, phone, sms_rows(stack.pg_url), twilio))
            finally:
                phone.close()
            ok = report(rounds, sms_rows(stack.pg_url), twilio)
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
    parser.add_argument("--needs", type=int, default=40, help="needs posted, each offered to up to three organizations")
    parser.add_argument("--every", type=float, default=0.3, help="seconds between posts")
    parser.add_argument("--acked", type=int, default=6, help="of them, offered also to the leader whose phone says seen")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of --needs needs each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the server and worker logs")
    options = parser.parse_args(argv)
    if options.needs < 1 or options.rounds < 1 or options.every < 0 or not 0 <= options.acked <= options.needs:
        parser.error("--needs and --rounds must be positive, --every at least 0, --acked between 0 and --needs")
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
