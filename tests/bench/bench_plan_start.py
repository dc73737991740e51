"""Starting an emergency plan of 50 tasks (issue 17): how long ``POST /api/incidents/<id>/plans/<plan_id>/start``
takes, and whether every start posts all its needs and makes each one's first offers.

Run ``python tests/bench/bench_plan_start.py [--starts 30] [--rounds 3] [--profile FILE]``; prints a context line and one JSON line per
figure: {"bench": "plan_start", "metric": ..., "value": ..., "unit": ..., "target": ...}. About 70 s (more on a busy machine).

Issue 17's target: a start of 50 tasks answers in under 1 s at p99, all needs posted and first offers made. The stack
is ``bench_post_need_work.py``'s: a throwaway PostgreSQL database and a Redis db number of its own, ``flask --app wsgi
setup --demo``, then this process monkey-patches the standard library with gevent, creates the app as production does
and logs in as ``demo-duty`` through the login form with Flask's test client. It keeps one plan of the demo district
through ``POST /api/plans``: 50 tasks, each at a random point inside one of the officer's cells, one uncertified skill
that an active organization of the district offers, 1-5 people; every third task designates one or two of the
organizations that offer its skill, by name. Then, after one warm-up start, each round opens ``--starts`` fresh
incidents (level III, natural disaster) and starts the plan on each, one after the other:

- ``start_50_tasks_p50`` / ``_p99``: wall clock of each start's request through the test client (nearest rank over the
  round's starts: at 30 a round, p99 is its slowest start), median of the rounds; the target applies to p99;
- ``needs_posted_per_start``: needs in the answer's ``posted`` (target 50), the mean over every start, its min and max;
- ``starts_failed`` (not 200, or fewer than 50 needs posted) and ``starts_without_all_offers`` (a posted need with no
  assignment in the answer), summed over the rounds, target 0; ``designated_not_asked_first``: tasks whose first
  offers (by rank) were not their designated organizations in the plan's order (target 0: the demo's organizations
  all have room, so each designated one can answer);
- ``offers_per_start``: the first offers its needs got (about 140 in the demo district);
- ``in_process_cpu_per_start``: this thread's CPU per start (``time.thread_time``) over the start requests, the test
  client included and opening the incidents not; it moves with the live server's CPU but is not it.

Nobody answers and nothing expires (no worker runs), so the offers pile up on the same organizations, about 140 a
start, about 12,300 by the end: each need's candidate query adds up every candidate's past offers, and a round runs on more
of them than the one before (the query took about 4 ms at the second start, 10 ms at the 92nd), so the later rounds
are the harder ones.
"""

from __future__ import annotations

if __name__ == "__main__":
    from gevent import monkey

    monkey.patch_all()  # as wsgi.py does in production, before anything else is imported

import argparse
import cProfile
import os
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from tests.bench.bench_post_need import SEED, demo_password, flask, percentile, throwaway_stack  # noqa: E402
from tests.bench.bench_post_need_work import InProcessHttp, logged_in  # noqa: E402
from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer, note_printer  # noqa: E402
from tests.live_client import cell_polygons, interior_points, paged  # noqa: E402
from tests.services import HARNESS_SETTINGS  # noqa: E402

TASKS = 50
TARGET_P99_MS = 1000
DESIGNATED_EVERY = 3  # every third task names its first organizations, as a plan does for its key tasks
DESIGNATED_MAX = 2  # at most this many a task (under broadcast_k's default of 3, so all are asked at once)
BASE = "http://localhost"

emit = figure_printer("plan_start")
log = note_printer("bench_plan_start")


@dataclass
class Round:
    """One round of starts: each start's wall clock, needs posted, and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    posted: list[int] = field(default_factory=list)
    failed: int = 0
    without_all_offers: int = 0
    designated_not_first: int = 0
    offers: int = 0
    cpu_ms: float = 0.0


def offered_skills(http) -> dict[str, list[str]]:
    """Each uncertified skill that an active organization offers, with the names of those that do (names two
    organizations share are left out: a plan could not designate them)."""
    certified = {s["code"] for s in http.get(f"{BASE}/api/skills").json()["items"] if s["needs_certification"]}
    organizations = paged(http, f"{BASE}/api/organizations", active="true")
    names = [org["name"] for org in organizations]
    offering: dict[str, list[str]] = {}
    for org in organizations:
        if names.count(org["name"]) > 1:
            continue
        for skill in org["skills"]:
            if skill["capacity"] > 0 and skill["code"] not in certified:
                offering.setdefault(skill["code"], []).append(org["name"])
    if not offering:
        raise RuntimeError("no uncertified skill offered by an active organization of the demo district")
    return offering


def plan_text(points: list[tuple[float, float]], offering: dict[str, list[str]], rng: random.Random) -> str:
    """A level III natural-disaster plan with a task at each point, every DESIGNATED_EVERY-th naming its teams."""
    skills = sorted(offering)
    tasks = []
    for number, (lon, lat) in enumerate(points, start=1):
        skill = skills[number % len(skills)]
        task = {
            "name": f"任务 {number:02d}",
            "need": {"skills": [skill], "head_count": rng.randint(1, 5), "description": f"预案基准任务 {number}"},
            "place": {"location": {"lon": lon, "lat": lat}},
        }
        if number % DESIGNATED_EVERY == 0:
            task["designated"] = rng.sample(offering[skill], min(DESIGNATED_MAX, len(offering[skill])))
        tasks.append(task)
    plan = {"title": "基准：五十项任务预案", "category": "natural_disaster", "min_level": "III", "tasks": tasks}
    return yaml.safe_dump(plan, allow_unicode=True, sort_keys=False)


def keep_plan(client, headers: dict, text: str) -> int:
    answer = client.post("/api/plans", json={"text": text}, headers=headers)
    if answer.status_code != 201:
        raise RuntimeError(f"the plan was not kept: {answer.status_code} {answer.get_data(as_text=True)[:2000]}")
    return answer.get_json()["id"]


def open_incident(client, headers: dict, title: str) -> int:
    body = {"title": title, "category": "natural_disaster", "level": "III"}
    answer = client.post("/api/incidents", json=body, headers=headers)
    if answer.status_code != 201:
        raise RuntimeError(f"opening an incident failed: {answer.status_code} {answer.get_data(as_text=True)[:300]}")
    return answer.get_json()["id"]


def start(client, headers: dict, incident_id: int, plan_id: int, designated: list[list[str]], into: Round) -> None:
    """Start the plan on the incident, timing the request, and note what the answer says was done."""
    cpu = time.thread_time()
    began = time.perf_counter()
    answer = client.post(f"/api/incidents/{incident_id}/plans/{plan_id}/start", json={}, headers=headers)
    into.latencies_ms.append((time.perf_counter() - began) * 1e3)
    into.cpu_ms += (time.thread_time() - cpu) * 1e3
    posted = answer.get_json().get("posted", []) if answer.status_code == 200 else []
    into.posted.append(len(posted))
    into.offers += sum(len(need["assignments"]) for need in posted)
    if answer.status_code != 200 or len(posted) != TASKS:
        into.failed += 1
        log(f"start on incident {incident_id}: {answer.status_code}, {len(posted)} posted {answer.get_data(as_text=True)[:300]}")
    if not posted or any(not need["assignments"] for need in posted):
        into.without_all_offers += 1
    into.designated_not_first += sum(
        first_asked(need)[: len(names)] != names for need, names in zip(posted, designated, strict=False) if names
    )


def first_asked(need: dict) -> list[str]:
    """The names of the organizations that got the need's first offers, in the order they were asked."""
    by_rank = sorted(need["assignments"], key=lambda a: a["rank"])
    return [a["organization"]["name"] for a in by_rank]


def run_round(client, headers: dict, plan_id: int, designated: list[list[str]], starts: int, number: int) -> Round:
    incidents = [open_incident(client, headers, f"预案基准 {number}-{i}") for i in range(starts)]
    done = Round()
    for incident_id in incidents:
        start(client, headers, incident_id, plan_id, designated, done)
    done.cpu_ms /= starts
    ordered = sorted(done.latencies_ms)
    log(
        f"round {number}: p50 {percentile(ordered, 50):.0f} ms, p99 {percentile(ordered, 99):.0f} ms, "
        f"max {ordered[-1]:.0f} ms, {done.cpu_ms:.0f} ms of CPU a start, {done.failed} failed, {done.offers} offers made"
    )
    return done


def emit_figures(rounds: list[Round]) -> None:
    def each(pick) -> list[float]:
        return [pick(sorted(r.latencies_ms)) for r in rounds]

    emit_rounds(emit, "start_50_tasks_p50", each(lambda v: percentile(v, 50)), "ms")
    emit_rounds(emit, "start_50_tasks_p99", each(lambda v: percentile(v, 99)), "ms", TARGET_P99_MS)
    posted = [n for r in rounds for n in r.posted]
    emit("needs_posted_per_start", round(sum(posted) / len(posted), 2), "needs", TASKS, min=min(posted), max=max(posted))
    offers = sum(r.offers for r in rounds) / len(posted)
    emit("offers_per_start", round(offers, 1), "offers", note="the first offers of its 50 needs; none is answered")
    emit("starts_failed", sum(r.failed for r in rounds), "starts", 0, note="not 200, or fewer than 50 needs posted")
    emit("starts_without_all_offers", sum(r.without_all_offers for r in rounds), "starts", 0,
         note="a posted need with no assignment in the answer")  # fmt: skip
    emit("designated_not_asked_first", sum(r.designated_not_first for r in rounds), "tasks", 0,
         note="a task's first offers were not its designated organizations, in the plan's order")  # fmt: skip
    emit_rounds(emit, "in_process_cpu_per_start", [r.cpu_ms for r in rounds], "ms", note="this thread, test client included")


def run(starts: int, rounds: int, profile: Path | None = None) -> int:
    emit_context(emit)
    with throwaway_stack("dispatch-bench-plan-start-") as stack:
        env = {
            "DATABASE_URL": stack.pg_url, "REDIS_URL": stack.redis_url, "DISPATCH_INSTANCE_DIR": str(stack.workdir / "instance"),
            "SECRET_KEY": "bench-plan-start-not-secret", "ALLOW_DEMO_LOGINS": "1", **HARNESS_SETTINGS,
            "SOCKETIO_CHANNEL": f"dispatch-socketio-bench-{uuid.uuid4().hex[:8]}", "SESSION_COOKIE_SECURE": "0",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }  # fmt: skip
        os.environ.update(env)
        setup_log = stack.workdir / "setup.log"
        with setup_log.open("wb") as out:
            subprocess.run(
                flask("setup", "--demo"), cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT, check=True
            )

        from dispatch import create_app
        from dispatch.serving import prepare_process

        app = create_app()
        prepare_process()  # as python wsgi.py does before serving: its collector settings
        client, headers = logged_in(app, demo_password(setup_log))
        http = InProcessHttp(client)
        rng = random.Random(SEED)
        points = interior_points(cell_polygons(http, BASE), TASKS, rng)
        text = plan_text(points, offered_skills(http), rng)
        plan_id = keep_plan(client, headers, text)
        designated = [task.get("designated", []) for task in yaml.safe_load(text)["tasks"]]
        log(f"plan {plan_id} kept: {TASKS} tasks, {sum(map(bool, designated))} with designated organizations")

        run_round(client, headers, plan_id, designated, 1, 0)  # warm-up: the first start fills caches and the pool
        emit_figures([run_round(client, headers, plan_id, designated, starts, n + 1) for n in range(rounds)])
        if profile is not None:  # after the timed rounds, so the profiler's own cost is in no figure
            profiler = cProfile.Profile(time.thread_time)  # CPU, not the waits on the database
            profiler.runcall(run_round, client, headers, plan_id, designated, 3, rounds + 1)
            profiler.dump_stats(profile)
            log(f"profile of 3 starts written to {profile} (python -m pstats {profile})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=30, help="starts in each timed round, each on a fresh incident")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds")
    parser.add_argument("--profile", type=Path, help="also write a cProfile of 3 more starts to this file")
    options = parser.parse_args(argv)
    if options.starts < 1 or options.rounds < 1:
        parser.error("--starts and --rounds must be positive")
    return run(options.starts, options.rounds, options.profile)


if __name__ == "__main__":
    sys.exit(main())
