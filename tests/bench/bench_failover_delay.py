"""Failover delay: how late an unacknowledged offer's SMS goes out against its configured delay (socket, sms@5s).

Run ``python tests/bench/bench_failover_delay.py [--needs 40] [--every 0.3] [--acked 6] [--keep]``; prints one JSON
line per figure: {"bench": "failover_delay", "metric": ..., "value": ..., "unit": ..., "target": ...}. About 40 s
on two cores. Importing this module runs nothing.

Issue 15: the socket → SMS failover delay measured against its configured value. Production as deployed, set up as
``bench_sms_recovery.py`` (whose helpers it uses): a throwaway PostgreSQL database, an empty Redis db number,
``flask --app wsgi setup --demo``, one ``python wsgi.py`` and one ``flask --app wsgi worker`` (which runs the deadline
sweeper: a pass every second hands the outbox rows that came due to delivery), the real twilio client pointed at
``tests/fake_twilio.FakeTwilio`` (in this process, no rate cap; the fake Twilio rather than the fake Aliyun because
a message's sid names its row directly, and the two share the outbox and the sweeper), and
``FAILOVER='{"III": "socket, sms@5s"}'``: a level III offer (the incidents the bench opens) is pushed on the socket
and texted 5 s later unless the leader's phone has acknowledged it by then.

The duty officer posts ``--needs`` needs through the API, one every ``--every`` seconds (so the offers fall at every
phase of the sweeper's second), each offered to up to three organizations; no phone of theirs is connected, so none
is acknowledged. For each such offer the lateness is (when its SMS reached the fake, noted with ``time.time()``) −
(the offer's ``offered_at`` as the API answered it) − 5 s; figures: p50, p99 and max (target: p99 ≤ 2 s), the
earliest (an SMS before its 5 s would be a bug), and every unacknowledged offer texted exactly once. Meanwhile
``demo-leader`` is logged in with a socket open (python-socketio, as the phone page's socket): ``--acked`` needs are
offered to that leader's organization (``POST /api/needs/<id>/offers``), and the phone answers each ``offer.made``
nudge it hears with ``seen``, as the phone page does. Those offers must get no SMS (0 expected: their rows end
``skipped``, "seen on the phone"); also reported, how soon after the offer the phone's ``seen`` was answered.

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
from tests.bench.figures import figure_printer, note_printer  # noqa: E402
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


def post_offers(options: argparse.Namespace, url: str, password: str, phone_org: int) -> list[Offered]:
    """The needs, one every ``--every`` seconds; every ``needs // acked``-th is also offered to the phone's organization."""
    http = login(url, "demo-duty", password)
    rng = random.Random(SEED)
    skills = skill_codes(http, url)
    points = interior_points(cell_polygons(http, url), options.needs, rng)
    own_skill = leader_skill(http, url, phone_org, skills)
    incident = open_incident(http, url, "故障转移延迟压测")
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


def report(offered: list[Offered], phone_org: int, phone: Phone, rows: dict, twilio: TimedTwilio) -> bool:
    texted = {o.id: [twilio.received[sid] for _, sid, _ in rows.get(o.id, []) if sid in twilio.received] for o in offered}
    unacked = [o for o in offered if o.organization_id != phone_org]
    acked = [o for o in offered if o.organization_id == phone_org]
    late = sorted(texted[o.id][0] - o.offered_at - SMS_AFTER_S for o in unacked if len(texted[o.id]) == 1)
    emit("offers_unacknowledged", len(unacked), "offers")
    emit("configured_delay", SMS_AFTER_S, "s", note='FAILOVER={"III": "socket, sms@5s"}')
    for q in (50, 99):
        emit(f"late_p{q}", round(percentile(late, q), 3) if late else None, "s", TARGET_P99_S if q == 99 else None)
    emit("late_max", round(late[-1], 3) if late else None, "s")
    emit("late_min", round(late[0], 3) if late else None, "s", 0.0, note="below 0: texted before its delay")
    emit("sent_early", sum(1 for v in late if v < 0), "offers", 0)
    not_texted = sum(1 for o in unacked if not texted[o.id])
    twice = sum(1 for o in unacked if len(texted[o.id]) > 1)
    recorded = {sid for found in rows.values() for _, sid, _ in found}
    emit("unacknowledged_not_texted", not_texted, "offers", 0)
    emit("texted_twice", twice, "offers", 0)
    unrecorded = sum(1 for sid in twilio.received if sid not in recorded)
    emit("texted_without_a_row_recording_it", unrecorded, "messages", 0)
    seen_after = sorted(phone.seen[o.id] - o.offered_at for o in acked if o.id in phone.seen)
    acked_texted = sum(1 for o in acked if texted[o.id])
    skipped = sum(1 for o in acked for status, _, error in rows.get(o.id, []) if status == "skipped" and "seen" in error)
    emit("offers_acknowledged_on_the_socket", len(acked), "offers")
    emit("acknowledged_ok", sum(1 for o in acked if phone.answers.get(o.id, {}).get("ok")), "offers", len(acked))
    emit(
        "seen_after_offer_p50",
        round(percentile(seen_after, 50), 3) if seen_after else None,
        "s",
        note="the phone's seen answered",
    )
    emit("seen_after_offer_max", round(seen_after[-1], 3) if seen_after else None, "s", SMS_AFTER_S)
    emit("acknowledged_but_texted", acked_texted, "offers", 0)
    emit("acknowledged_rows_skipped", skipped, "rows", len(acked), note='"seen on the phone"')
    log(f"lateness, s: {[round(v, 2) for v in late]}")
    return bool(late) and bool(acked) and not (not_texted or twice or unrecorded or acked_texted)


def run(options: argparse.Namespace) -> int:
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
            try:
                phone.connect()
                emit("setup_s", round(time.perf_counter() - started, 1), "s")
                offered = post_offers(options, url, password, phone_org)
                time.sleep(SMS_AFTER_S + 2)  # the last offer's step comes due
                if left := wait_until_sent(stack.pg_url, SETTLE_S):
                    log(f"{left} SMS rows still due {SETTLE_S:g} s after the last step came due")
            finally:
                phone.close()
            ok = report(offered, phone_org, phone, sms_rows(stack.pg_url), twilio)
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
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the server and worker logs")
    options = parser.parse_args(argv)
    if options.needs < 1 or options.every < 0 or not 0 <= options.acked <= options.needs:
        parser.error("--needs must be positive, --every at least 0, --acked between 0 and --needs")
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
