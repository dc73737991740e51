"""Scenario 4 of bench_deployment.py: post-need capacity with 1, 2 and 3 web processes behind nginx.

One deployment of 3 web processes and 2 workers is measured with all three running, then with one and then two of
them stopped by supervisorctl, as an operator scales down (nginx's site still names three: it sends a stopped
process's browsers to a running one, after one refused connection marks it down for 10 s). Bringing up a
deployment for each count would cost a minute each on two cores. For each count, ``--scaling-clients`` officers'
browsers, balanced over the running processes by their route cookie (a browser logs in again until nginx puts it
on the process it is meant for), post needs in a closed loop: each sends its next post when its last is answered.
After a 3 s warm-up, ``--scaling-seconds`` are measured: posts/s, latency, the deployment's CPU per post by part
(web processes, workers, nginx, the database's backends) and how busy the machine was. Offers push over the socket
only (``FAILOVER`` level III: socket), so no count inherits the SMS its predecessor's offers owe 30 s later.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections import Counter
from pathlib import Path

from tests.bench.bench_post_need import Budget, machine_busy, need_bodies
from tests.bench.deployment_checks import DEMO_PASSWORD, cpu_spent, deployment_cpu, emit, log, quantiles
from tests.bench.deployment_faults import Answer, Browsers, open_incident, post_need
from tests.live_client import cell_polygons, interior_points, login, skill_codes

WARMUP_S = 3.0
WEB_COUNTS = (1, 2, 3)


def scaling_scenario(options: argparse.Namespace, root: Path, budget: Budget) -> bool:
    from tests.deploy.arrangement import deployed

    found: dict[int, dict] = {}
    socket_only = {"FAILOVER": '{"III": "socket"}'}  # no SMS 30 s after each unseen offer, landing in the next count
    with deployed(root / "scaling", web=max(WEB_COUNTS), workers=2, extra_settings=socket_only) as d:
        for web in sorted(WEB_COUNTS, reverse=True):
            if budget.left() < options.scaling_seconds + 30:
                log(f"scaling: {web} web processes skipped, {budget.left():.0f} s of the budget left")
                break
            d.ctl("stop", *[f"dispatch:web-{port}" for port in d.web_ports[web:]])
            found[web] = closed_loop(d, d.web_ports[:web], options.scaling_clients, options.scaling_seconds)
            log(f"scaling: {web} web: {found[web]['posts_per_s']:.1f} posts/s, p99 {found[web]['p99']} ms")
    report(found, options)
    return len(found) == len(WEB_COUNTS) and all(r["not_201"] == 0 for r in found.values())


def balanced_logins(d, ports: list[int], clients: int) -> list:
    """``clients`` browsers of demo-duty, spread evenly over the web processes on ``ports``."""
    processes = [f"127.0.0.1:{port}" for port in ports]
    logins = []
    for number in range(clients):
        wanted = processes[number % len(processes)]
        for _ in range(40):
            http = login(d.url, "demo-duty", DEMO_PASSWORD)
            before = len(d.access_log())
            http.get(f"{d.url}/api/me", timeout=10)
            if d.upstreams("/api/me", since=before) == {wanted}:
                break
        logins.append(http)
    return logins


def closed_loop(d, ports: list[int], clients: int, seconds: float) -> dict:
    logins = balanced_logins(d, ports, clients)
    incidents = [open_incident(http, d.url, "容量", "III") for http in logins]
    rng = random.Random(4)
    polygons, skills = cell_polygons(logins[0], d.url), skill_codes(logins[0], d.url)
    bodies = need_bodies(interior_points(polygons, 400, rng), skills, rng)
    browsers, answers, lock = Browsers(logins), [], threading.Lock()
    stop_at = time.perf_counter() + WARMUP_S + seconds

    def client(number: int) -> None:
        url = f"{d.url}/api/incidents/{incidents[number]}/needs"
        for turn in range(10**6):
            if time.perf_counter() >= stop_at:
                return
            answer = post_need(
                browsers, number, url, bodies[(number * 31 + turn) % len(bodies)], Answer(sent=time.perf_counter())
            )
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(WARMUP_S)
    cpu, busy, began = deployment_cpu(d, ports), machine_busy(), time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 40)
    ended = time.perf_counter()
    cpu = cpu_spent(cpu, deployment_cpu(d, ports))
    busy = [a - b for a, b in zip(machine_busy(), busy, strict=True)]
    measured = [a for a in answers if a.sent >= began]
    latencies = sorted(a.ms for a in measured if a.status == 201)
    posts = max(1, len(latencies))
    return {
        "posts_per_s": len(latencies) / (ended - began),
        "p50": quantiles(latencies, 50),
        "p99": quantiles(latencies, 99),
        "not_201": sum(1 for a in measured if a.status != 201),
        "statuses": Counter(str(a.status or a.error[:40]) for a in measured if a.status != 201),
        "cpu_per_post_ms": {part: round(seconds * 1000 / posts, 1) for part, seconds in cpu.items()},
        "web_cpu_share": 100 * cpu["web"] / (ended - began),
        "machine_busy": 100 * busy[0] / max(1, busy[1]),
    }


def report(found: dict[int, dict], options: argparse.Namespace) -> None:
    note = (
        f"closed loop, {options.scaling_clients} officers' browsers, {options.scaling_seconds:g} s after a {WARMUP_S:g} s warm-up"
    )
    for web, r in found.items():
        emit(f"scaling_{web}_web_posts_per_s", round(r["posts_per_s"], 1), "posts/s", note=note)
        emit(f"scaling_{web}_web_p50", r["p50"], "ms")
        emit(f"scaling_{web}_web_p99", r["p99"], "ms", note="a closed loop: latency grows with the clients once saturated")
        emit(
            f"scaling_{web}_web_not_201",
            r["not_201"],
            "posts",
            0,
            note=", ".join(f"{k}: {v}" for k, v in r["statuses"].items()) or None,
        )
        per_post = r["cpu_per_post_ms"]
        emit(
            f"scaling_{web}_cpu_per_post",
            round(sum(per_post.values()), 1),
            "ms",
            note="the deployment's CPU per post",
            **per_post,
        )
        emit(f"scaling_{web}_web_cpu", round(r["web_cpu_share"], 1), "%", note="of one core, all web processes together")
        emit(f"scaling_{web}_machine_busy", round(r["machine_busy"], 1), "%", note="both cores, everything on the machine")
    one = found.get(1, {}).get("posts_per_s")
    for web in (2, 3):
        if one and web in found:
            emit(f"scaling_{web}_over_1", round(found[web]["posts_per_s"] / one, 2), "x", note="posts/s ratio to one web process")
