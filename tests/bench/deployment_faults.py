"""Scenarios 2 and 3 of bench_deployment.py: a worker killed among queued offer SMS, PostgreSQL restarted under load."""

from __future__ import annotations

import argparse
import os
import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.bench.bench_post_need import Budget, need_bodies, run_open_loop
from tests.bench.bench_sockets import Officer, RoutedPoster, routed_bodies
from tests.bench.deployment_checks import DEMO_PASSWORD, emit, log, psycopg_dsn, quantiles, wait_restarted
from tests.live_client import cell_polygons, interior_points, login, skill_codes

SMS_GIVE_UP_S = 240.0  # a killed worker's rows are reconciled once its beat is stale: well within this
HANG_S = 5.0  # an answer slower than this during the outage is a hang, not failing fast
PG_RATE = 10.0  # needs posted per second in scenario 3
PG_BEFORE_S, PG_AFTER_S = 10.0, 20.0


# --- scenario 2: a worker killed among queued SMS ---------------------------------------------------------------


def sms_scenario(d, twilio, users: dict, sessions: dict, options: argparse.Namespace) -> bool:
    """Offer SMS queued with the workers stopped; started, one killed half-way. True when each was sent once."""
    dsn = psycopg_dsn(d.env["DATABASE_URL"])
    workers = sorted(name for name in d.pids() if name.startswith("worker-"))
    d.ctl("stop", *[f"dispatch:{name}" for name in workers])
    mark, fake_before = _scalar(dsn, "SELECT coalesce(max(id), 0) FROM outbox"), len(twilio.messages)
    queued = queue_offer_sms(d, dsn, users, sessions, mark, options.sms)
    emit("sms_queued", queued, "messages", options.sms, note="offer SMS of level I needs, waiting with the workers stopped")
    d.ctl("start", *[f"dispatch:{name}" for name in workers])
    began = time.perf_counter()
    sent = 0
    while sent < queued / 2 and time.perf_counter() - began < 60:
        sent = _scalar(dsn, "SELECT count(*) FROM outbox WHERE id > %s AND status = 'sent'", mark)
        time.sleep(0.05)
    victim = workers[0]
    pid = d.pids()[victim]
    os.kill(pid, signal.SIGKILL)
    killed = time.perf_counter()
    in_hand = _scalar(dsn, "SELECT count(*) FROM outbox WHERE id > %s AND status = 'sending'", mark)
    log(f"killed {victim} (pid {pid}) at {sent} of {queued} sent; {in_hand} rows were being sent")
    restarted = wait_restarted(d, victim, pid, killed)
    done = wait_all_done(dsn, mark, queued, killed + SMS_GIVE_UP_S)
    emit("sms_sent_at_kill", sent, "messages", note=f"of {queued}; the killed worker held {in_hand} rows being sent")
    emit(
        "sms_worker_restarted_after_s",
        round(restarted, 2) if restarted else None,
        "s",
        note="RUNNING under supervisord (startsecs 3)",
    )
    emit("sms_all_sent_s", round(done - began, 2) if done else None, "s", note="workers started → every row sent")
    emit("sms_last_after_kill_s", round(done - killed, 2) if done else None, "s", note="the killed worker's rows reconciled")
    return exactly_once(dsn, twilio.messages[fake_before:], mark, queued)


def queue_offer_sms(d, dsn: str, users: dict, sessions: dict, mark: int, wanted: int) -> int:
    """Post level I needs (each offer texts at once) until ``wanted`` SMS rows wait; how many do."""
    officers = []
    for name in users["officers"]:
        http = sessions[name]
        from tests.bench.bench_post_need import Poster

        poster = Poster([d.url], http.cookies.get_dict(), {"X-CSRFToken": http.headers["X-CSRFToken"]})
        incident = open_incident(http, d.url, "短信压测", "I")
        officers.append(Officer(poster, incident, cell_polygons(http, d.url), skill_codes(http, d.url)))
    poster, rng = RoutedPoster(officers), random.Random(7)
    count = "SELECT count(*) FROM outbox WHERE id > %s AND channel = 'sms'"
    queued = _scalar(dsn, count, mark)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(40):
            if queued >= wanted:
                break
            batch = max(10, min(200, (wanted - queued) // 3 + 5))
            outcomes, _span = run_open_loop(poster, 0, routed_bodies(officers, batch, 3, rng), 60, pool, 60)
            statuses = Counter(o.status for o in outcomes)
            if statuses.get(201, 0) < batch:
                log(f"posting level I needs: {dict(statuses)}")
            queued = _scalar(dsn, count, mark)
    return queued


def wait_all_done(dsn: str, mark: int, queued: int, deadline: float) -> float | None:
    """When every row after ``mark`` is sent or failed (perf_counter), or None at the deadline."""
    query = "SELECT count(*) FROM outbox WHERE id > %s AND channel = 'sms' AND status IN ('sent', 'failed')"
    while time.perf_counter() < deadline:
        if _scalar(dsn, query, mark) >= queued:
            return time.perf_counter()
        time.sleep(0.1)
    return None


def exactly_once(dsn: str, messages: list, mark: int, queued: int) -> bool:
    """Each row against the fake Twilio's messages: sent once, by its Twilio id and by (To, Body)."""
    import psycopg

    with psycopg.connect(dsn, connect_timeout=5) as conn:
        query = "SELECT status, provider_sid, body FROM outbox WHERE id > %s AND channel = 'sms'"
        rows = conn.execute(query, (mark,)).fetchall()
    by_sid = {m.sid: m for m in messages}
    twice = sum(n - 1 for n in Counter((m.to, m.body) for m in messages).values())
    sent = sum(1 for status, _sid, _body in rows if status == "sent")
    unmatched = sum(1 for status, sid, body in rows if status == "sent" and (sid not in by_sid or by_sid[sid].body != body))
    recorded = {sid for _status, sid, _body in rows}
    emit("sms_rows", len(rows), "messages", queued)
    emit("sms_sent", sent, "messages", len(rows), note=f"failed: {sum(1 for r in rows if r[0] == 'failed')}")
    emit("sms_never_sent", len(rows) - sent, "messages", 0)
    emit("sms_sent_twice", twice, "messages", 0, note="the fake Twilio's messages with the same To and Body")
    emit("sms_twilio_requests", len(messages), "messages", len(rows), note="messages the fake Twilio accepted")
    emit("sms_sid_not_matching", unmatched, "messages", 0, note="a sent row whose Twilio id the fake does not hold with its body")
    emit(
        "sms_sent_unrecorded",
        sum(1 for m in messages if m.sid not in recorded),
        "messages",
        0,
        note="accepted by Twilio, on no row",
    )
    return sent == len(rows) == len(messages) and twice == unmatched == 0


def open_incident(http, url: str, title: str, level: str) -> int:
    body = {"title": title, "category": "natural_disaster", "level": level}
    response = http.post(f"{url}/api/incidents", json=body, timeout=10)
    if response.status_code != 201:
        raise RuntimeError(f"opening an incident failed: {response.status_code} {response.text[:300]}")
    return response.json()["id"]


def _scalar(dsn: str, query: str, *params):
    import psycopg

    with psycopg.connect(dsn, connect_timeout=5) as conn:
        return conn.execute(query, params).fetchone()[0]


# --- scenario 3: PostgreSQL restarted under load -------------------------------------------------------------------


@dataclass
class Answer:
    sent: float
    finished: float = 0.0
    status: int | None = None
    code: str = ""
    retry_after: str | None = None
    json: bool = False
    need_id: int | None = None
    error: str = ""

    @property
    def ms(self) -> float:
        return (self.finished - self.sent) * 1000


@dataclass
class Browsers:
    """Officers' logged-in browsers, copied per thread (a requests session is not shared between threads)."""

    logins: list
    local: threading.local = field(default_factory=threading.local)

    def session(self, number: int):
        import requests

        found = getattr(self.local, "sessions", None)
        if found is None:
            found = self.local.sessions = {}
        if number not in found:
            http = found[number] = requests.Session()
            http.cookies.update(self.logins[number].cookies.get_dict())
            http.headers.update({"X-CSRFToken": self.logins[number].headers["X-CSRFToken"]})
        return found[number]


def post_need(browsers: Browsers, number: int, url: str, body: dict, answer: Answer) -> Answer:
    import uuid

    try:
        response = browsers.session(number).post(url, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30)
        answer.finished, answer.status = time.perf_counter(), response.status_code
        answer.retry_after = response.headers.get("Retry-After")
        answer.json = response.headers.get("Content-Type", "").startswith("application/json")
        payload = response.json() if answer.json else {}
        answer.code = (payload.get("error") or {}).get("code", "") if isinstance(payload, dict) else ""
        answer.need_id = payload.get("id") if response.status_code == 201 else None
    except Exception as exc:  # a timeout or a dropped connection is an answer to count, not a crash
        answer.finished, answer.error = time.perf_counter(), f"{type(exc).__name__}: {exc}"[:200]
    return answer


def postgres_scenario(options: argparse.Namespace, root: Path, budget: Budget) -> bool:
    from tests.bench.private_postgres import private_postgres
    from tests.deploy.arrangement import deployed

    with private_postgres() as pg, deployed(root / "postgres", web=3, workers=2, database_url=pg.url) as d:
        logins = [login(d.url, "demo-duty", DEMO_PASSWORD) for _ in range(4)]
        incidents = [open_incident(http, d.url, "数据库重启", "III") for http in logins]
        rng = random.Random(16)
        count = round(PG_RATE * (PG_BEFORE_S + options.outage + PG_AFTER_S))
        bodies = need_bodies(interior_points(cell_polygons(logins[0], d.url), count, rng), skill_codes(logins[0], d.url), rng)
        pids_before = d.pids()
        times: dict[str, float] = {}
        outage = threading.Thread(target=restart_postgres, args=(pg, d, options.outage, times), daemon=True)
        browsers = Browsers(logins)
        answers: list = []
        t0 = time.perf_counter() + 0.05
        with ThreadPoolExecutor(max_workers=48) as pool:
            for i, body in enumerate(bodies):
                due = t0 + i / PG_RATE
                if i == round(PG_BEFORE_S * PG_RATE):
                    outage.start()
                time.sleep(max(0.0, due - time.perf_counter()))
                url = f"{d.url}/api/incidents/{incidents[i % 4]}/needs"
                answers.append(pool.submit(post_need, browsers, i % 4, url, body, Answer(sent=time.perf_counter())))
            answers = [future.result() for future in answers]
        outage.join(timeout=90)
        restarted = sum(1 for name, pid in d.pids().items() if pids_before.get(name) != pid)
        return report_outage(answers, times, pg.dsn, restarted)


def restart_postgres(pg, d, outage_s: float, times: dict[str, float]) -> None:
    import requests

    times["stopping"] = time.perf_counter()
    pg.stop("fast")
    times["down"] = time.perf_counter()
    log(f"PostgreSQL stopped in {times['down'] - times['stopping']:.2f} s; down for {outage_s:g} s")
    time.sleep(outage_s)
    pg.start()
    times["up"] = time.perf_counter()
    while time.perf_counter() - times["up"] < 60:
        try:
            if requests.get(f"{d.url}/healthz", timeout=5).status_code == 200:
                times["healthz_ok"] = time.perf_counter()
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)


def report_outage(answers: list[Answer], times: dict[str, float], dsn: str, restarted: int) -> bool:
    """The outage's answers, the recovery and what was acknowledged; True when every outage answer was a clean 503,
    none hung, none was a 500 and nothing acknowledged was lost."""
    down = [a for a in answers if times["stopping"] <= a.sent <= times["up"]]
    clean = [a for a in down if a.status == 503 and a.json and a.code == "database_unavailable" and a.retry_after]
    served = [a for a in down if a.status == 201]
    other = [a for a in down if a not in clean and a not in served]
    statuses = Counter(str(a.status or "error") for a in down)
    slowest = max((a.ms for a in down), default=None)
    emit("pg_outage_s", round(times["up"] - times["stopping"], 2), "s", note="pg_ctl stop -m fast → pg_ctl start returned")
    emit("pg_outage_requests", len(down), "requests", note="posts sent during the outage", **statuses)
    emit("pg_outage_clean_503", len(clean), "requests", note="JSON database_unavailable with Retry-After")
    emit("pg_outage_served_201", len(served), "requests", note="answered before the server went down")
    emit(
        "pg_outage_not_clean",
        len(other),
        "requests",
        0,
        note="; ".join(f"{a.status} {a.code or a.error}"[:80] for a in other[:3]) or None,
    )
    emit("pg_outage_500", sum(1 for a in answers if a.status == 500), "requests", 0, note="over the whole run")
    emit(
        "pg_outage_longest_answer",
        round(slowest, 1) if slowest is not None else None,
        "ms",
        note=f"over {HANG_S:g} s counts as a hang",
    )
    emit("pg_outage_answer_p50", quantiles(sorted(a.ms for a in down), 50), "ms")
    after = [a for a in answers if a.sent > times["up"]]
    first = min((a.finished for a in after if a.status == 201), default=None)
    last_bad = max((a.finished for a in after if a.status != 201), default=None)
    emit(
        "pg_first_201_after_restart_s", round(first - times["up"], 2) if first else None, "s", note="from pg_ctl start returning"
    )
    emit("pg_all_201_after_restart_s", round(max(0.0, last_bad - times["up"]) if last_bad else 0.0, 2), "s",
         note=f"the last post not answered 201 after the restart; {sum(1 for a in after if a.status != 201)} of {len(after)}")  # fmt: skip
    healthy = times.get("healthz_ok")
    emit("pg_healthz_ok_after_restart_s", round(healthy - times["up"], 2) if healthy else None, "s")
    emit("pg_processes_restarted", restarted, "processes", note="web processes and workers supervisord restarted")
    acknowledged = [a.need_id for a in answers if a.need_id is not None]
    lost = acknowledged_missing(dsn, acknowledged)
    before = sum(1 for a in answers if a.need_id is not None and a.sent < times["stopping"])
    emit("pg_acknowledged", len(acknowledged), "needs", note=f"answered 201; {before} before the stop")
    emit("pg_acknowledged_lost", len(lost), "needs", 0, note="answered 201 but not in the database after the restart")
    return not other and not lost and (slowest or 0) < HANG_S * 1000 and all(a.status != 500 for a in answers)


def acknowledged_missing(dsn: str, ids: list[int]) -> set[int]:
    import psycopg

    with psycopg.connect(dsn, connect_timeout=5) as conn:
        found = {row[0] for row in conn.execute("SELECT id FROM needs WHERE id = ANY(%s)", (ids,))}
    return set(ids) - found
