"""A standby poll (备勤, issue 17) to 5,000 leaders: how long ``POST /api/warnings`` takes to ask every team the
covering plans designate (one ``StandbyPoll``, one ``standby.asked`` event and one outbox SMS each, one transaction),
and how fast one worker then texts them.

Run ``python tests/bench/bench_standby.py [--organizations 5000] [--rounds 3] [--no-drain] [--profile FILE]``;
prints a context line and one JSON line per figure: {"bench": "standby", "metric": ..., "value": ..., "unit": ...,
"target": ...}. About 3 minutes (more on a busy machine).

Issue 17's target: a standby poll to 5,000 leaders all queued in under 5 s. The stack is ``bench_plan_start.py``'s
(``bench_post_need_work.py``'s): a throwaway PostgreSQL database and a Redis db number of its own, ``flask --app wsgi
setup --demo``; this process monkey-patches the standard library with gevent, creates the app as production does and
logs in as ``demo-admin`` through the login form with Flask's test client. Then:

- 5,000 organizations, distinct names and leader phones, spread over the demo county's communities, each offering one
  uncertified skill, go in through the real importer (``flask --app wsgi import-organizations``, a CSV in the
  columns ``dispatch/services/registry/synthetic.py`` writes);
- county plans (``POST /api/plans``, no ``subdistrict_id``; ``natural_disaster``, ``min_level: IV``, so they cover
  any natural-disaster warning) of 100 tasks × 10 designated names each designate all of them: 5 plans for 5,000;
- one RQ worker (``flask --app wsgi worker``) sends SMS through ``tests/fake_twilio.FakeTwilio`` (in this process,
  served by gevent's patched threads) with no rate cap, as ``bench_sms.py`` runs it.

Each round issues a fresh county-wide orange warning (``POST /api/warnings``, a different kind each round, so every
SMS text differs from the other rounds' and each warning asks all 5,000 again: the round's warning is lifted after
it, as a team with a question still open is not texted for another warning) and times the request: the polls,
events and outbox rows committed is what "queued" means. The worker is idle until that commit nudges it; then the
bench waits until the round's SMS are all sent and, beside it, runs ``tests/bench/sms_floor.py`` (the bare twilio
client in a loop against the same fake, ``--floor-count`` messages). Figures:

- ``ask_5000_s``: wall clock of the request (target 5 s), median of the rounds with min, max and each round;
- ``polls_per_warning`` / ``outbox_per_warning``: the warning's ``standby_polls`` rows and its ``standby.asked``
  events' outbox rows (target 5,000 each), ``asked_twice`` (a team with two polls or two SMS for one warning, 0);
- ``in_process_cpu_per_ask``: this process's CPU over the request (``time.process_time``: the test client included,
  the idle fake too); ``statements_per_ask``: SQL statements the request sent (BEGIN/COMMIT not counted) and
  ``sql_time_per_ask``, the wall clock inside them; ``standby_ask_phase`` and ``commit_phase``: the wall clock of
  ``standby.ask`` and of the closing ``events.commit`` (the events and outbox rows written, COMMIT, socket nudges),
  wrapped in this process for the run (no file changes), so a miss says where its time went without a profiler;
- ``sms_per_second_one_worker``: the round's SMS over the time from the request's end to the last one sent;
  ``worker_cpu_per_sms``; ``floor_per_second`` and ``sms_per_second_over_floor``; ``sms_sent`` (5,000 a round),
  ``sms_sent_twice`` and ``distinct_twilio_ids`` over the rounds (what the fake received, against the rows).

``--profile FILE`` stops the worker, then runs one more warning under cProfile (untimed, not counted in the figures;
the profiler roughly triples its time) and writes the profile to FILE and its top functions to FILE.txt.
"""

from __future__ import annotations

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()  # as wsgi.py does in production, before anything else is imported

import argparse
import csv
import os
import random
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.bench.bench_post_need import (  # noqa: E402
    SEED,
    cpu_seconds,
    demo_password,
    flask,
    tail,
    throwaway_stack,
    wait_for_worker,
)
from tests.bench.figures import ROUNDS, emit_context, emit_ratio, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.bench.sms_floor import FLOOR_BODY, extra_options, measure_floor  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

ORGANIZATIONS = 5_000
TASKS_PER_PLAN = 100  # the plan format's most (dispatch/domain/plans/document.py MAX_TASKS)
NAMES_PER_TASK = 10  # its most designated a task (MAX_DESIGNATED)
TARGET_ASK_S = 5.0
TARGET_SMS_PER_SECOND = 200.0  # bench_sms.py's (issue 18)
SENDER = "+15005550006"
KINDS = ("typhoon", "rainstorm", "flood", "gale", "thunderstorm", "geological")  # one a round: texts differ
BASE = "http://localhost"

emit = figure_printer("standby")
log = note_printer("bench_standby")


@dataclass
class Ask:
    """One warning: the request's wall clock and this process's CPU, what it wrote, and how its SMS went out."""

    seconds: float = 0.0
    cpu_ms: float = 0.0
    statements: int = 0
    sql_s: float = 0.0
    ask_s: float = 0.0
    commit_s: float = 0.0
    polls: int = 0
    outbox: int = 0
    twice: int = 0
    sms_per_second: float | None = None
    worker_cpu_ms: float | None = None
    floor_per_second: float | None = None


class Phases:
    """Where an ask's time goes, without a profiler: SQL statements and the time spent in them
    (``before_``/``after_cursor_execute``), and the wall clock of ``standby.ask`` and of the closing
    ``events.commit`` (events and outbox rows written, commit, socket nudges), wrapped for the run where
    ``issue_warning`` looks them up (module attributes; no file changes)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        from dispatch.services import events
        from dispatch.services.plans import standby

        self.engine, self.started = engine, 0.0
        self.reset()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        self.undo = [(standby, "ask", standby.ask), (events, "commit", events.commit)]
        standby.ask = self._timed(standby.ask, "ask_s")
        events.commit = self._timed(events.commit, "commit_s")

    def reset(self) -> None:
        self.statements, self.sql_s, self.ask_s, self.commit_s = 0, 0.0, 0.0, 0.0

    def _before(self, *_args) -> None:
        self.statements += 1
        self.started = time.perf_counter()

    def _after(self, *_args) -> None:
        self.sql_s += time.perf_counter() - self.started

    def _timed(self, function, into: str):
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                setattr(self, into, getattr(self, into) + time.perf_counter() - began)

        return timed

    def remove(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        for module, name, function in self.undo:
            setattr(module, name, function)


def logged_in_as(app, username: str, password: str):
    """A test client logged in through the login form, and the headers an API write needs (bench_post_need_work's
    ``logged_in``, for another user)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": username, "password": password}
    answer = client.post("/login", data=form, headers={"Referer": f"{BASE}/login"})
    if answer.status_code != 302:
        raise RuntimeError(f"login as {username} failed: {answer.status_code}")
    return client, {"X-CSRFToken": client.get("/api/csrf").get_json()["csrf_token"]}


def write_organizations_csv(path: Path, count: int, communities: list[str], skill: str) -> list[tuple[str, str]]:
    """``count`` organizations in the importer's columns (as synthetic.py writes them): distinct names and leader
    phones, round-robin over the communities; returns (name, community code) of each."""
    written = []
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "status", "credit_code", "community_code", "cell_codes", "base_lon", "base_lat", "skills",
                         "leader_name", "leader_phone"])  # fmt: skip
        for n in range(count):
            name, community = f"备勤基准志愿队{n + 1:05d}", communities[n % len(communities)]
            writer.writerow([name, "filed", "", community, "", "", "", f"{skill}:10", f"队长{n + 1}", f"1870{n:07d}"])
            written.append((name, community))
    return written


def plan_texts(organizations: list[tuple[str, str]], skill: str, rng: random.Random) -> list[str]:
    """County plans covering any natural-disaster warning whose tasks designate every organization once."""
    per_plan = TASKS_PER_PLAN * NAMES_PER_TASK
    texts = []
    for number, first in enumerate(range(0, len(organizations), per_plan), start=1):
        chunk = organizations[first : first + per_plan]
        tasks = []
        for t, at in enumerate(range(0, len(chunk), NAMES_PER_TASK), start=1):
            named = chunk[at : at + NAMES_PER_TASK]
            tasks.append({
                "name": f"备勤任务 {t:03d}",
                "need": {"skills": [skill], "head_count": rng.randint(1, 5), "description": f"备勤基准 {number}-{t}"},
                "place": {"community": named[0][1]},
                "designated": [name for name, _ in named],
            })  # fmt: skip
        plan = {"title": f"基准：备勤预案 {number}", "category": "natural_disaster", "min_level": "IV", "tasks": tasks}
        texts.append(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False))
    return texts


def uncertified_skill(client) -> str:
    skills = client.get("/api/skills").get_json()["items"]
    found = [s["code"] for s in skills if not s["needs_certification"]]
    if not found:
        raise RuntimeError("no uncertified skill")
    return found[0]


def import_organizations(path: Path, workdir: Path) -> float:
    started = time.perf_counter()
    out = workdir / "import.log"
    with out.open("wb") as handle:
        done = subprocess.run(flask("import-organizations", str(path)), cwd=ROOT, env=dict(os.environ), stdout=handle,
                              stderr=subprocess.STDOUT, timeout=300)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"import-organizations failed:\n{tail(out)}")
    return time.perf_counter() - started


def written_by(pg_url: str, warning_id: int) -> tuple[int, int, int]:
    """(polls, outbox rows of its standby.asked events, teams with more than one poll or SMS) for the warning."""
    import psycopg

    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        polls, twice_polled = conn.execute(
            "SELECT count(*), count(*) - count(DISTINCT organization_id) FROM standby_polls WHERE warning_id = %s",
            (warning_id,),
        ).fetchone()
        outbox, twice_texted = conn.execute(
            "SELECT count(*), count(*) - count(DISTINCT o.organization_id) FROM outbox o JOIN events e ON e.id = o.event_id"
            " WHERE e.kind = 'standby.asked' AND (e.data ->> 'warning_id')::int = %s AND o.template = 'standby'",
            (warning_id,),
        ).fetchone()
    return polls, outbox, twice_polled + twice_texted


def standby_sms(pg_url: str) -> tuple[int, int, int]:
    """(sent, failed, distinct Twilio ids) over every standby SMS row so far."""
    import psycopg

    with psycopg.connect(pg_url, connect_timeout=5) as conn:
        return conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),"
            " count(DISTINCT provider_sid) FROM outbox WHERE template = 'standby'"
        ).fetchone()


def wait_sent(pg_url: str, total: int, deadline: float) -> tuple[int, int]:
    sent = failed = 0
    while time.monotonic() < deadline:
        sent, failed, _ = standby_sms(pg_url)
        if sent + failed >= total:
            break
        time.sleep(0.25)
    return sent, failed


def issue(client, headers: dict, kind: str, number: int) -> tuple[object, float, float]:
    body = {"kind": kind, "colour": "orange", "headline": f"备勤基准 {number}：{kind}", "hours": 6}
    cpu, began = time.process_time(), time.perf_counter()
    answer = client.post("/api/warnings", json=body, headers=headers)
    seconds, cpu_ms = time.perf_counter() - began, (time.process_time() - cpu) * 1e3
    if answer.status_code != 201:
        raise RuntimeError(f"POST /api/warnings answered {answer.status_code}: {answer.get_data(as_text=True)[:500]}")
    return answer.get_json()["id"], seconds, cpu_ms


def lift(client, headers: dict, warning_id: object) -> None:
    answer = client.post(f"/api/warnings/{warning_id}/lift", headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"lifting warning {warning_id} answered {answer.status_code}: {answer.get_data(as_text=True)[:500]}")


def run(count: int, rounds: int, drain: bool, floor_count: int, profile: Path | None, budget_s: float) -> int:
    emit_context(emit)
    started = time.perf_counter()
    deadline = time.monotonic() + budget_s
    ok = False
    try:
        with FakeTwilio() as twilio, throwaway_stack("dispatch-bench-standby-") as stack:
            env = {
                "DATABASE_URL": stack.pg_url, "REDIS_URL": stack.redis_url, "DISPATCH_INSTANCE_DIR": str(stack.workdir / "instance"),
                "SECRET_KEY": "bench-standby-not-secret", "ALLOW_DEMO_LOGINS": "1", **HARNESS_SETTINGS,
                "SOCKETIO_CHANNEL": f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}", "SESSION_COOKIE_SECURE": "0",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RQ_QUEUE": "dispatch", "PYTHONUNBUFFERED": "1",
                "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": SENDER,
                "TWILIO_API_BASE": twilio.url, "PUBLIC_URL": "http://127.0.0.1:9", "SMS_PER_SECOND": "0",
            }  # fmt: skip
            os.environ.update(env)
            setup_log = stack.workdir / "setup.log"
            with setup_log.open("wb") as out:
                subprocess.run(
                    flask("setup", "--demo"), cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, check=True
                )
            log(f"setup --demo: {time.perf_counter() - started:.1f} s")

            from dispatch import create_app
            from dispatch.extensions import db

            app = create_app()
            client, headers = logged_in_as(app, "demo-admin", demo_password(setup_log))
            communities = [c["code"] for c in client.get("/api/communities").get_json()["items"]]
            skill = uncertified_skill(client)
            organizations = write_organizations_csv(stack.workdir / "organizations.csv", count, communities, skill)
            seconds = import_organizations(stack.workdir / "organizations.csv", stack.workdir)
            emit("import_organizations_s", round(seconds, 1), "s", note=f"{count} through flask import-organizations, "
                 "interpreter start and app creation included")  # fmt: skip
            for text in plan_texts(organizations, skill, random.Random(SEED)):
                answer = client.post("/api/plans", json={"text": text}, headers=headers)
                if answer.status_code != 201:
                    raise RuntimeError(f"a plan was not kept: {answer.status_code} {answer.get_data(as_text=True)[:2000]}")
            log(f"{count} organizations in {len(communities)} communities, designated by "
                f"{-(-count // (TASKS_PER_PLAN * NAMES_PER_TASK))} county plans; {time.perf_counter() - started:.0f} s so far")  # fmt: skip

            worker = None
            if drain:
                worker_log = stack.workdir / "worker.log"
                worker = stack.processes.start("worker", flask("worker"), dict(os.environ), worker_log)
                wait_for_worker(stack.redis_url, "dispatch", worker, worker_log, 30)

            with app.app_context():
                engine = db.engine
            phases = Phases(engine)
            asks: list[Ask] = []
            for number in range(rounds):
                phases.reset()
                warning_id, seconds, cpu_ms = issue(client, headers, KINDS[number % len(KINDS)], number + 1)
                done = Ask(seconds, cpu_ms, phases.statements, phases.sql_s, phases.ask_s, phases.commit_s)
                asks.append(done)
                done.polls, done.outbox, done.twice = written_by(stack.pg_url, warning_id)
                log(f"round {number + 1}: warning {warning_id} asked {done.polls} teams in {seconds:.2f} s (standby.ask "
                    f"{done.ask_s:.2f} s, commit {done.commit_s:.2f} s, SQL {done.sql_s:.2f} s), {cpu_ms:.0f} ms CPU, "
                    f"{done.statements} statements, {done.outbox} SMS queued")  # fmt: skip
                if worker is not None:
                    drained(stack, twilio, worker, done, count * (number + 1), count, floor_count, deadline)
                lift(client, headers, warning_id)  # untimed; else the next round's teams have this question open
            phases.remove()
            ok = report(asks, count, twilio, stack.pg_url if drain else None, floor_count)
            if profile is not None:
                stack.processes.stop_all()  # the profiled warning's SMS are not sent
                profiled(client, headers, profile)
            if not ok and worker is not None:
                log(f"worker log:\n{tail(stack.workdir / 'worker.log')}")
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
    finally:
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def drained(stack, twilio: FakeTwilio, worker, done: Ask, total: int, count: int, floor_count: int, deadline: float) -> None:
    """Wait for the round's SMS (the worker was nudged at the ask's commit); then the floor beside it."""
    cpu_before, t0 = cpu_seconds(worker.pid), time.perf_counter()
    sent, failed = wait_sent(stack.pg_url, total, deadline)
    span, cpu = time.perf_counter() - t0, cpu_seconds(worker.pid) - cpu_before
    finished = sent + failed - (total - count)
    done.sms_per_second, done.worker_cpu_ms = finished / span, cpu * 1e3 / max(1, finished)
    if sent + failed < total:
        log(f"only {finished} of {count} SMS done before the budget ran out")
        return
    form = next(m.form for m in reversed(twilio.messages) if not (m.body or "").startswith(FLOOR_BODY))
    floor = measure_floor(twilio.url, twilio.account_sid, twilio.auth_token, SENDER, floor_count, extra_options(form))
    done.floor_per_second = floor.per_second
    log(f"  {finished} SMS in {span:.1f} s: {done.sms_per_second:.0f}/s, {done.worker_cpu_ms:.2f} ms worker CPU each "
        f"({failed} failed); floor {floor.per_second:.0f}/s")  # fmt: skip


def report(asks: list[Ask], count: int, twilio: FakeTwilio, pg_url: str | None, floor_count: int) -> bool:
    emit("organizations", count, "teams", note="designated by the county plans, each asked once a warning")
    emit_rounds(emit, "ask_5000_s", [a.seconds for a in asks], "s", TARGET_ASK_S, digits=2,
                note="POST /api/warnings: polls, events and outbox rows committed")  # fmt: skip
    emit_rounds(emit, "polls_per_warning", [a.polls for a in asks], "polls", count, digits=0)
    emit_rounds(emit, "outbox_per_warning", [a.outbox for a in asks], "rows", count, digits=0)
    emit("asked_twice", sum(a.twice for a in asks), "teams", 0, note="two polls or two SMS for one warning, all rounds")
    emit_rounds(emit, "in_process_cpu_per_ask", [a.cpu_ms for a in asks], "ms", note="this process, test client included")
    emit_rounds(emit, "statements_per_ask", [a.statements for a in asks], "statements", digits=0,
                note="BEGIN and COMMIT not counted")  # fmt: skip
    emit_rounds(emit, "sql_time_per_ask", [a.sql_s for a in asks], "s", digits=2,
                note="wall clock inside the request's statements (round trips to PostgreSQL, waits included)")  # fmt: skip
    emit_rounds(emit, "standby_ask_phase", [a.ask_s for a in asks], "s", digits=2,
                note="standby.ask: plans read, teams found, a poll flushed and its SMS noted per team")  # fmt: skip
    emit_rounds(emit, "commit_phase", [a.commit_s for a in asks], "s", digits=2,
                note="events.commit: events and outbox rows in one statement, COMMIT, socket nudges")  # fmt: skip
    queued_ok = all(a.polls == a.outbox == count for a in asks) and not any(a.twice for a in asks)
    if pg_url is None:
        emit("sms_per_second_one_worker", None, "messages/s", TARGET_SMS_PER_SECOND,
             note="--no-drain: see bench_sms.py, the same outbox drained by the same worker")  # fmt: skip
        return queued_ok
    rates = [a.sms_per_second for a in asks]
    floors = [a.floor_per_second for a in asks]
    emit_rounds(emit, "sms_per_second_one_worker", rates, "messages/s", TARGET_SMS_PER_SECOND,
                note="from the ask's answer to its last SMS sent, one worker, the fake Twilio")  # fmt: skip
    emit_rounds(emit, "worker_cpu_per_sms", [a.worker_cpu_ms for a in asks], "ms", digits=2)
    emit_rounds(emit, "floor_per_second", floors, "messages/s",
                note=f"sms_floor.py: the bare twilio client, one thread, {floor_count} messages against the same fake")  # fmt: skip
    emit_ratio(emit, "sms_per_second_over_floor", rates, floors, "sms_per_second_one_worker / floor_per_second")
    sent, failed, sids = standby_sms(pg_url)
    bodies = [(m.to, m.body) for m in twilio.messages if not (m.body or "").startswith(FLOOR_BODY)]
    total = count * len(asks)
    emit("sms_sent", sent, "messages", total, failed=failed)
    emit("sms_twilio_requests", len(bodies), "requests", total, note="besides the floor's")
    emit("sms_sent_twice", len(bodies) - len(set(bodies)), "messages", 0, note="the same text to the same number")
    emit("distinct_twilio_ids", sids, "ids", total)
    return queued_ok and sent == total == len(bodies) == len(set(bodies)) == sids


def profiled(client, headers: dict, path: Path) -> None:
    """One more warning under cProfile (untimed): the profile to ``path``, the top by cumulative time to path.txt."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    warning_id, seconds, _ = issue(client, headers, "other", 0)
    profiler.disable()
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
    stats.print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    Path(f"{path}.txt").write_text(text.getvalue())
    log(f"profiled warning {warning_id}: {seconds:.2f} s under cProfile; {path}, {path}.txt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organizations", type=int, default=ORGANIZATIONS, help="teams designated, and asked a warning")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="warnings timed, each asking every team")
    parser.add_argument("--no-drain", action="store_true", help="no worker: time the asks only")
    parser.add_argument("--floor-count", type=int, default=1_000, help="messages of the bare client's floor a round")
    parser.add_argument("--profile", type=Path, help="one more ask under cProfile, written here")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds for the whole run")
    options = parser.parse_args(argv)
    if min(options.organizations, options.rounds, options.floor_count) < 1:
        parser.error("--organizations, --rounds and --floor-count must be positive")
    return run(options.organizations, options.rounds, not options.no_drain, options.floor_count, options.profile,
               options.budget)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
