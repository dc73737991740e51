"""Proofs under faults through nginx, on the deployment operators run (deploy/, brought up by tests/deploy/arrangement):
leader sockets while a web process is killed, a worker killed among queued SMS, PostgreSQL restarted under load, and
post-need throughput with 1, 2 and 3 web processes.

Run ``python tests/bench/bench_deployment.py [--sockets 3000] [--seconds 60] [--rate 20] [--sms 2000]
[--scenarios sockets,sms,postgres,scaling] [--budget 840] [--keep]``; prints a context line (commit, CPUs, load) and one
JSON line per figure: {"bench": "deployment", "metric": ..., "value": ..., "unit": ..., "target": ...}. 7 to 11 minutes
on two busy cores. Importing this module runs nothing.

1. ``sockets`` (issue 16): nginx in front of 3 web processes and 2 workers. ``--sockets`` leader sockets, each a
   browser of its own (its own ``dispatch_route`` cookie, so nginx's cookie hash spreads them; the session cookie of
   one of the bench's leaders, one per active organization of the demo district's 12 subdistricts), keeping the resync
   protocol (tests/bench/deployment_phones.py). Needs are posted at ``--rate`` for ``--seconds`` by 12 duty officers;
   at half time one web process is killed with SIGKILL and supervisord starts it again; its sockets reconnect through
   nginx with their cursor. At the end every socket must have handled exactly the event log's ``offer.made`` events
   of its organization since the start: missed, extra and handled-twice counts (target 0). Post → offer latency (POST
   sent → the nudge handled on a socket of the offered organization, live or by resync) p50/p99 before the kill,
   during the 10 s after it, and after.
2. ``sms``: the same deployment with the Twilio channel pointed at tests/fake_twilio.py and level I offers texting at
   once. The workers are stopped while needs are posted until ``--sms`` offer SMS wait in the outbox; they are
   started, and one is killed with SIGKILL when half are sent. Every row must be sent once: sent, never sent, sent
   twice (by To and Body at the fake), and each row's Twilio id among the fake's.
3. ``postgres``: a deployment on a PostgreSQL cluster of the bench's own (tests/bench/private_postgres.py; the
   machine's shared one is never touched). Needs posted at 10/s; the cluster is stopped (``pg_ctl stop -m fast``)
   for ``--outage`` seconds and started again. Answers during the outage: statuses, the longest answer, those that
   are not a JSON 503 ``database_unavailable`` with Retry-After (target 0); seconds after the restart until posts are
   answered 201 again; needs answered 201 that are missing afterwards (target 0).
4. ``scaling``: 3, 2 and 1 web processes behind nginx (one deployment; supervisorctl stops one, then another);
   ``--scaling-clients`` officers (each a browser, balanced over the running processes by their route cookie) post
   needs in a closed loop for ``--scaling-seconds``: posts/s, p50/p99, CPU, and the ratios to one process.

Everything it starts (deployments, client processes, the private cluster, the fake Twilio) is stopped and the
databases dropped, even on failure or SIGTERM; ``--budget`` bounds the run and a scenario that would not fit is
skipped and said so. It exits 1 when a scenario failed or lost, duplicated or wrongly answered anything.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_post_need import Budget, machine_busy, run_open_loop  # noqa: E402
from tests.bench.bench_sockets import (  # noqa: E402
    RoutedPoster,
    log_in_all,
    make_users,
    prepare_officers,
    raise_fd_limit,
    routed_bodies,
)
from tests.bench.deployment_checks import (  # noqa: E402
    DEMO_PASSWORD,
    connections_to,
    emit,
    latest_event_id,
    log,
    offer_events,
    quantiles,
    wait_restarted,
)
from tests.bench.deployment_phones import PhonePool  # noqa: E402
from tests.bench.figures import emit_context  # noqa: E402

SEED = 2026
SUBDISTRICTS = 12
DURING_S = 10.0  # "during the kill": posts sent in the 10 s after it
SETTLE_S = 5.0  # after the last post, for late nudges
SCENARIOS = ("sockets", "sms", "postgres", "scaling")
# level III incidents (scenario 1) push over the socket only; level I incidents (scenario 2) text every offer at once
FAILOVER = '{"III": "socket", "I": "socket, sms@0s"}'
NEEDED_S = {"sockets": 150, "sms": 60, "postgres": 90, "scaling": 120}  # the least a scenario needs, besides posting


def sockets_scenario(d, options: argparse.Namespace, users: dict, sessions: dict, budget: Budget) -> bool:
    """Scenario 1. True when every socket ended with exactly its organization's offers."""
    officers = prepare_officers(d.url, sessions, users["officers"])
    rng = random.Random(SEED)
    poster = RoutedPoster(officers)
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="post") as pool:
        run_open_loop(poster, 0, routed_bodies(officers, 24, 3, rng), 12, pool, 20)  # warm-up
        poster.answers.clear()
        start = latest_event_id(d.env["DATABASE_URL"])
        leaders = users["leaders"]
        sockets = options.sockets
        specs = [(i, browser_cookie(sessions[leaders[i % len(leaders)][0]]), start) for i in range(sockets)]
        phones = PhonePool(d.url, options.clients)
        try:
            began = time.perf_counter()
            connected, errors = phones.connect(specs, max(30.0, min(180.0, budget.left() - 120)))
            emit(
                "sockets",
                sockets,
                "sockets",
                3000,
                note=f"{len(leaders)} organizations' leaders, {options.clients} client processes",
            )
            emit("sockets_connect_all_s", round(time.perf_counter() - began, 2), "s", note="through nginx")
            emit(
                "sockets_connect_failed",
                sockets - connected,
                "sockets",
                0,
                note=", ".join(f"{n} x {e}" for e, n in errors.most_common(3)) or None,
            )
            spread = {port: connections_to(port) for port in d.web_ports}
            emit(
                "sockets_spread",
                list(spread.values()),
                "connections",
                note="nginx → each web process (TCP, includes idle keep-alive)",
            )
            time.sleep(2.0)
            return post_and_kill(d, options, poster, phones, rng, start, leaders, budget)
        finally:
            phones.stop()


def browser_cookie(http) -> str:
    """The leader's session in a browser of its own: a route key of its own, as nginx gives a new browser."""
    cookies = {k: v for k, v in http.cookies.get_dict().items() if k != "dispatch_route"}
    cookies["dispatch_route"] = uuid.uuid4().hex
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def post_and_kill(d, options, poster, phones: PhonePool, rng, start: int, leaders: list, budget: Budget) -> bool:
    count = max(1, round(options.rate * options.seconds))
    items = routed_bodies(poster.officers, count, 3, rng)
    victim = f"web-{d.web_ports[0]}"
    killed: dict[str, float] = {}

    def kill() -> None:
        pid = d.pids()[victim]
        killed["at"] = time.perf_counter()
        os.kill(pid, signal.SIGKILL)
        log(f"killed {victim} (pid {pid}) with SIGKILL")
        killed["restart_s"] = wait_restarted(d, victim, pid, killed["at"])

    log(f"{count} posts at {options.rate:g}/s; {victim} killed at {options.seconds / 2:g} s…")
    timer = threading.Timer(options.seconds / 2, kill)
    busy_before = machine_busy()
    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="post") as pool:
        timer.start()
        outcomes, span = run_open_loop(poster, 0, items, options.rate, pool, min(60.0, max(5.0, budget.left() - 60)))
    timer.join()
    busy_after = machine_busy()
    time.sleep(SETTLE_S)
    back = phones.back_since(killed.get("at", time.perf_counter()), max(10.0, min(90.0, budget.left() - 40)))
    time.sleep(2.0)
    emit("posts", len(outcomes), "posts", note=f"{options.rate:g}/s for {options.seconds:g} s")
    emit("posts_achieved_rate", round(sum(1 for o in outcomes if o.status) / span, 2), "posts/s", options.rate)
    emit(
        "post_statuses",
        None,
        "",
        note="status: count",
        **{str(k): v for k, v in Counter(o.status or "error" for o in outcomes).items()},
    )
    emit(
        "machine_busy",
        round(100 * (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]), 1),
        "%",
        note="while posting",
    )
    report_kill(killed, back)
    return report_deliveries(d, poster, phones.report(), start, leaders, killed.get("at"))


def report_kill(killed: dict, back: dict) -> None:
    restart = killed.get("restart_s")
    emit(
        "web_restarted_after_s",
        round(restart, 2) if restart else None,
        "s",
        note="SIGKILL to supervisord's new process answering /healthz",
    )
    emit("sockets_dropped", back["dropped"], "sockets", note="those on the killed process")
    last = (back["back"][-1] - killed["at"]) if back["back"] and "at" in killed else None
    emit(
        "sockets_all_back_s",
        round(last, 2) if last else None,
        "s",
        note="from the kill until every dropped socket reconnected through nginx",
    )
    emit("sockets_not_back", back["down"], "sockets", 0)


def report_deliveries(d, poster, report: dict[int, dict], start: int, leaders: list, killed_at: float | None) -> bool:
    """Each socket's handled offers against the event log; latency by phase. True when none missed or doubled."""
    truth = offer_events(d.env["DATABASE_URL"], start)
    posted = {a_id: (answer.outcome.started, org) for answer in poster.answers for a_id, org in answer.offers}
    missed = extra = twice = heard_twice = missing_sockets = 0
    missed_by: Counter = Counter()  # by what the socket went through
    latencies: dict[str, list[float]] = defaultdict(list)
    by_resync: Counter = Counter()
    first: dict[tuple[str, int], float] = {}
    for index, socket in report.items():
        org = leaders[index % len(leaders)][1]
        handled = [event_id for event_id, *_ in socket["offers"]]
        expected = truth.get(org, set())
        missed += len(expected - set(handled))
        history = "never connected" if not socket["connects"] else "reconnected" if socket["connects"] > 1 else "stayed connected"
        missed_by[history] += len(expected - set(handled))
        missing_sockets += bool(expected - set(handled))
        extra += len(set(handled) - expected)
        twice += len(handled) - len(set(handled))
        heard_twice += socket["heard_twice"]
        for _event_id, assignment_id, at, how in socket["offers"]:
            if assignment_id in posted:
                sent = posted[assignment_id][0]
                phase = phase_of(sent, killed_at)
                latencies[phase].append((at - sent) * 1000)
                by_resync[phase] += how == "resync"
                first[(phase, assignment_id)] = min(first.get((phase, assignment_id), 1e12), (at - sent) * 1000)
    emit("offers_in_event_log", sum(len(v) for v in truth.values()), "offers", note="offer.made since the start")
    emit("offer_deliveries_expected", sum(len(truth.get(leaders[i % len(leaders)][1], ())) for i in report), "deliveries")
    by = ", ".join(f"{n} on sockets that {how}" for how, n in missed_by.items() if n)
    emit("offers_missed", missed, "deliveries", 0, note=f"(socket, offer) pairs; on {missing_sockets} sockets; {by}")
    emit("offers_extra", extra, "deliveries", 0, note="handled but not the organization's in the event log")
    emit("offers_handled_twice", twice, "deliveries", 0)
    emit("nudges_heard_twice", heard_twice, "nudges", note="live and in a resync both: dropped by id, as the page does")
    for phase in ("before", "during", "after"):
        values = sorted(latencies[phase])
        firsts = sorted(v for (p, _a), v in first.items() if p == phase)
        for q, target in ((50, None), (99, None)):
            note = f"{len(values)} deliveries, {by_resync[phase]} of them by resync after a reconnect"
            emit(f"post_to_offer_{phase}_p{q}", quantiles(values, q), "ms", target, note=note)
            emit(f"post_to_first_socket_{phase}_p{q}", quantiles(firsts, q), "ms", note=f"{len(firsts)} offers")
        emit(f"post_to_offer_{phase}_max", round(values[-1], 1) if values else None, "ms")
    return missed == extra == twice == 0


def phase_of(sent: float, killed_at: float | None) -> str:
    if killed_at is None or sent < killed_at:
        return "before"
    return "during" if sent < killed_at + DURING_S else "after"


def sockets_and_sms(options: argparse.Namespace, root: Path, budget: Budget) -> bool:
    """Scenarios 1 and 2 share one deployment (3 web processes, 2 workers, a fake Twilio)."""
    from tests.bench.deployment_faults import sms_scenario
    from tests.deploy.arrangement import deployed
    from tests.fake_twilio import FakeTwilio

    wanted = [s for s in ("sockets", "sms") if s in options.scenarios]
    ok = True
    with FakeTwilio() as twilio:
        settings = {
            "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": "+15005550006",
            "TWILIO_API_BASE": twilio.url, "SMS_PER_SECOND": "0", "FAILOVER": FAILOVER, "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        began = time.perf_counter()
        with deployed(root / "faults", web=3, workers=2, extra_settings=settings) as d:
            emit("deployment_up_s", round(time.perf_counter() - began, 1), "s", note="setup --demo, 3 web, 2 workers, nginx")
            began = time.perf_counter()
            users = make_users(d.env, SUBDISTRICTS, DEMO_PASSWORD, 300)
            sessions = log_in_all(d.url, users["officers"] + [name for name, _org in users["leaders"]], DEMO_PASSWORD)
            emit("users_and_logins_s", round(time.perf_counter() - began, 1), "s", note=f"{len(sessions)} logins through nginx")
            for scenario, run_one in (("sockets", sockets_scenario), ("sms", sms_scenario)):
                if scenario not in wanted:
                    continue
                extra = options.seconds + 30 if scenario == "sockets" else 0
                if budget.left() < NEEDED_S[scenario] + extra:
                    log(f"{scenario}: skipped, {budget.left():.0f} s of the budget left")
                    emit(f"{scenario}_skipped", 1, "scenario", 0, note="the time budget was spent")
                    ok = False
                    continue
                args = (d, options, users, sessions, budget) if scenario == "sockets" else (d, twilio, users, sessions, options)
                ok = guarded(scenario, run_one, *args) and ok
    return ok


def guarded(name: str, function, *args) -> bool:
    """Run one scenario; a failure is logged and counted, and the next scenario still runs."""
    started = time.perf_counter()
    try:
        ok = bool(function(*args))
    except Exception as exc:
        log(f"{name} failed: {type(exc).__name__}: {exc}")
        ok = False
    emit(f"{name}_run_s", round(time.perf_counter() - started, 1), "s", note="ok" if ok else "failed or lost something")
    return ok


def run(options: argparse.Namespace) -> int:
    from tests.bench.deployment_faults import postgres_scenario
    from tests.bench.deployment_scaling import scaling_scenario

    emit_context(emit)
    budget = Budget(options.budget)
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="dispatch-bench-deployment-"))
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a SIGTERM still runs the clean-up
    ok = True
    try:
        raise_fd_limit()  # before supervisord starts, whose web processes inherit it
        if {"sockets", "sms"} & set(options.scenarios):
            ok = guarded("sockets_and_sms", sockets_and_sms, options, root, budget) and ok
        for name, function in (("postgres", postgres_scenario), ("scaling", scaling_scenario)):
            if name not in options.scenarios:
                continue
            if budget.left() < NEEDED_S[name]:
                log(f"{name}: skipped, {budget.left():.0f} s of the budget left")
                emit(f"{name}_skipped", 1, "scenario", 0, note="the time budget was spent")
                ok = False
                continue
            ok = guarded(name, function, options, root, budget) and ok
    finally:
        if options.keep:
            log(f"kept the logs in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=3000, help="leader sockets through nginx (scenario 1)")
    parser.add_argument("--clients", type=int, default=3, help="client processes holding the sockets")
    parser.add_argument("--rate", type=float, default=20.0, help="needs posted per second (scenario 1)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of posting; the web process dies at half")
    parser.add_argument("--sms", type=int, default=2000, help="offer SMS queued when the workers start (scenario 2)")
    parser.add_argument("--outage", type=float, default=8.0, help="seconds PostgreSQL stays down (scenario 3)")
    parser.add_argument("--scaling-clients", type=int, default=12, help="closed-loop officers (scenario 4)")
    parser.add_argument("--scaling-seconds", type=float, default=20.0, help="seconds measured per web count (scenario 4)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--budget", type=float, default=840.0, help="seconds for the whole run")
    parser.add_argument("--keep", action="store_true", help="keep the deployments' logs")
    options = parser.parse_args(argv)
    options.scenarios = [s.strip() for s in options.scenarios.split(",") if s.strip()]
    if any(s not in SCENARIOS for s in options.scenarios) or min(options.sockets, options.clients, options.sms) < 1:
        parser.error(f"--scenarios names some of {', '.join(SCENARIOS)}; counts must be positive")
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
