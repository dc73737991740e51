"""What bench_deployment.py and its scenario modules share: the printer, the event log and process checks."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from dispatch.demo.seed import DEMO_PASSWORD
from tests.bench.bench_post_need import percentile
from tests.bench.figures import figure_printer, note_printer

__all__ = [
    "DEMO_PASSWORD",
    "connections_to",
    "deployment_cpu",
    "emit",
    "latest_event_id",
    "log",
    "offer_events",
    "psycopg_dsn",
    "quantiles",
]

emit = figure_printer("deployment")

log = note_printer("bench_deployment")


def psycopg_dsn(database_url: str) -> str:
    """The app's SQLAlchemy URL as psycopg reads it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def latest_event_id(database_url: str) -> int:
    import psycopg

    with psycopg.connect(psycopg_dsn(database_url), connect_timeout=5) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]


def offer_events(database_url: str, after: int) -> dict[int, set[int]]:
    """The event log's ``offer.made`` ids after ``after``, by organization: what each leader's phone must handle."""
    import psycopg

    found: dict[int, set[int]] = defaultdict(set)
    with psycopg.connect(psycopg_dsn(database_url), connect_timeout=5) as conn:
        query = "SELECT organization_id, id FROM events WHERE kind = 'offer.made' AND id > %s"
        for organization_id, event_id in conn.execute(query, (after,)):
            found[organization_id].add(event_id)
    return found


def quantiles(sorted_values: list[float], q: float) -> float | None:
    return round(percentile(sorted_values, q), 1) if sorted_values else None


def connections_to(port: int) -> int:
    """Established TCP connections to 127.0.0.1:``port`` (nginx's to one web process), from /proc/net/tcp."""
    wanted = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        return sum(1 for line in table.readlines()[1:] if line.split()[1] == wanted and line.split()[3] == "01")


def wait_restarted(deployment, name: str, old_pid: int, since: float, seconds: float = 60) -> float | None:
    """Seconds from ``since`` until supervisord's new ``name`` process is up: a web process answering /healthz on its
    port (the killed one cannot), a worker RUNNING under a new pid; None if not in time."""
    import requests

    port = int(name.rsplit("-", 1)[1]) if name.startswith("web-") else None
    while time.perf_counter() - since < seconds:
        if port is None:
            if deployment.pids().get(name, old_pid) != old_pid:
                return time.perf_counter() - since
        else:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in {200, 503}:
                    return time.perf_counter() - since
            except requests.RequestException:
                pass
        time.sleep(0.1)
    return None


def deployment_cpu(deployment, ports: list[int]) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the deployment's parts, by process: the web processes on ``ports``, the workers (with the
    children they reaped), nginx's workers and the PostgreSQL backends serving its database."""
    from tests.bench.bench_post_need import cpu_seconds

    pids = deployment.pids()
    web = [pids[f"web-{port}"] for port in ports if f"web-{port}" in pids]
    workers = [pid for name, pid in pids.items() if name.startswith("worker-")]
    parts = {"web": web, "workers": workers, "nginx": _nginx_workers(deployment), "postgres": _backends(deployment)}
    return {name: {pid: _cpu_or_zero(cpu_seconds, pid) for pid in found} for name, found in parts.items()}


def cpu_spent(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each part spent between two readings of ``deployment_cpu``. A process that ended in between (a
    database backend closed by its pool) is missed, so each part is a lower bound."""
    return {part: sum(cpu - before[part].get(pid, 0.0) for pid, cpu in found.items()) for part, found in after.items()}


def _cpu_or_zero(cpu_seconds, pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except OSError:  # gone between listing and reading
        return 0.0


def _nginx_workers(deployment) -> list[int]:
    conf = str(deployment.etc / "nginx.conf").encode()
    masters, parents = set(), {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if conf in (entry / "cmdline").read_bytes():
                masters.add(int(entry.name))
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
    return [pid for pid, parent in parents.items() if parent in masters]


def _backends(deployment) -> list[int]:
    import psycopg

    url = deployment.env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(psycopg_dsn(url).rsplit("/", 1)[0] + "/postgres", connect_timeout=5) as conn:
        return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]
