"""How late the deadline sweeper runs after a fault: a worker or Redis killed, the sweeping worker killed or frozen.

Run ``python tests/bench/bench_faults.py [--rounds 3] [--keep]``; prints a context line (commit, CPUs) and one JSON
line per figure: {"bench": "faults", "metric": ..., "value": ..., "unit": ..., "target": ..., "min": ..., "max": ...,
"rounds": [...]}. About 7.5 minutes on two cores with the default three rounds a fault (each round waits out a 30 s
offer, so a round costs about 32 s). Importing this module runs nothing.

The rounds are ``tests/e2e/chaos.py``'s, the ones ``tests/e2e/test_chaos.py`` asserts on: production as deployed
(``python wsgi.py``, ``flask --app wsgi worker``, a throwaway PostgreSQL database, a Redis of the bench's own on a
free port that it can kill, a fake Twilio), all on 127.0.0.1. A round posts a sequential need whose first offer runs
out after 30 s and a need whose failover SMS comes due at the same moment, injects its fault 2 s before that
moment, and reads from the event log how late the offer expired, the need passed on to the next organization and
the SMS went out. The faults, in this order, each for ``--rounds`` rounds:

- ``worker_restarted``: the only worker killed -9 and started again 1 s later, as a supervisor would;
- ``redis_restarted``: Redis killed -9 and started again, empty;
- ``sweeper_killed``: the worker holding the sweeper's lease killed -9, with a second worker standing by;
- ``sweeper_frozen``: the worker holding the lease frozen (SIGSTOP) with a second standing by (SIGCONT after the
  round).

Per fault: the lateness of the expiry, the pass-on and the SMS over the rounds (median as the value, min, max and
each round), against the promise of 10 s, which every round must keep. Then, three times, every worker is killed:
seconds until /healthz says degraded (``no_worker``), and, one worker started again, seconds until it says ok (target
15 s each). The floor, ``--faults no_fault,...`` (not in the default list: 1.6 minutes more): the same rounds with
nothing injected, the lateness the sweeper's own pace gives (a pass every second) when nothing fails. Everything it starts is stopped and the database dropped, even when
it fails; ``--keep`` keeps the logs. It exits 1 when a round did not finish or a promise was broken (what
``test_chaos.py`` asserts: 10 s late, 15 s for /healthz).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.figures import ROUNDS, emit_context, emit_rounds, figure_printer, note_printer  # noqa: E402

HEALTH_TARGET_S = 15.0
HEALTH_GIVE_UP_S = 60.0
POLL_S = 0.2

emit = figure_printer("faults")

log = note_printer("bench_faults")


class TempDirs:
    """What ``serve()`` needs of pytest's ``tmp_path_factory``: ``mktemp(name)``, a fresh folder, here under one root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, basename: str, numbered: bool = True) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{basename}-", dir=self.root))


# --- the faults -----------------------------------------------------------------------------------------


def alive_workers(server) -> list[subprocess.Popen]:
    return [p for p in server.workers if p.poll() is None]


def two_workers(server) -> None:
    """A second worker standing by, if there is not one already."""
    from tests.e2e.chaos import standing_by

    if len(alive_workers(server)) < 2:
        standing_by(server)


@contextlib.contextmanager
def no_fault(_server, _redis) -> Iterator[Callable[[], None]]:
    yield lambda: None


@contextlib.contextmanager
def worker_restarted(server, _redis) -> Iterator[Callable[[], None]]:
    from tests.e2e.chaos import kill

    for extra in alive_workers(server)[1:]:  # the only worker
        kill(extra)

    def inject() -> None:
        kill(alive_workers(server)[0])
        time.sleep(1)  # a supervisor starts it again
        server.start_worker()

    yield inject


@contextlib.contextmanager
def redis_restarted(_server, redis) -> Iterator[Callable[[], None]]:
    yield redis.restart_empty


@contextlib.contextmanager
def sweeper_killed(server, _redis) -> Iterator[Callable[[], None]]:
    from tests.e2e.chaos import holder_pid, kill, worker_with_pid

    two_workers(server)
    yield lambda: kill(worker_with_pid(server, holder_pid(server)))


@contextlib.contextmanager
def sweeper_frozen(server, _redis) -> Iterator[Callable[[], None]]:
    from tests.e2e.chaos import holder_pid, worker_with_pid

    two_workers(server)
    frozen = worker_with_pid(server, holder_pid(server))
    try:
        yield lambda: frozen.send_signal(signal.SIGSTOP)
    finally:
        frozen.send_signal(signal.SIGCONT)


FAULTS = {
    "no_fault": ("nothing injected (the floor)", no_fault),
    "worker_restarted": ("worker kill -9, restarted after 1 s", worker_restarted),
    "redis_restarted": ("Redis kill -9, restarted empty", redis_restarted),
    "sweeper_killed": ("sweeping worker kill -9, another standing by", sweeper_killed),
    "sweeper_frozen": ("sweeping worker frozen (SIGSTOP), another standing by", sweeper_frozen),
}


# --- measuring ------------------------------------------------------------------------------------------


def run_fault(key: str, server, redis, rounds, count: int) -> bool:
    """``count`` rounds of one fault; emits its figures. True when every round kept the 10 s promise."""
    from tests.e2e.chaos import PROMISE_S

    label, fault = FAULTS[key]
    found = []
    for number in range(1, count + 1):
        try:
            with fault(server, redis) as inject:
                lateness = rounds.run(label, inject)
        except Exception as exc:  # a round that never saw its events: reported, and the next round tried
            log(f"{key} round {number}: failed: {type(exc).__name__}: {exc}")
            show_logs(server)
            continue
        found.append(lateness)
        log(
            f"{key} round {number}: expired +{lateness.expired_s} s, passed on +{lateness.passed_on_s} s, SMS +{lateness.sms_s} s"
        )
        if lateness.worst_s > PROMISE_S:
            log(f"{key} round {number}: later than the {PROMISE_S:g} s promise")
            show_logs(server)
    emit(f"{key}_rounds", len(found), "rounds", count)
    for what, attribute in (("expiry", "expired_s"), ("pass_on", "passed_on_s"), ("sms", "sms_s")):
        values = [getattr(lateness, attribute) for lateness in found]
        note = f"every round within {PROMISE_S:g} s (max)" if values else "no round finished"
        emit_rounds(emit, f"{key}_{what}_late", values, "s", PROMISE_S, note, digits=2)
    return len(found) == count and all(lateness.worst_s <= PROMISE_S for lateness in found)


def health(server) -> dict:
    import requests

    try:
        return requests.get(f"{server.url}/healthz", timeout=5).json()
    except (requests.RequestException, ValueError):
        return {"status": "unreachable", "problems": []}


def seconds_until(server, wanted: Callable[[dict], bool], since: float) -> float | None:
    """Seconds from ``since`` (monotonic) until /healthz answers as ``wanted``; None after HEALTH_GIVE_UP_S."""
    while time.monotonic() - since < HEALTH_GIVE_UP_S:
        if wanted(health(server)):
            return round(time.monotonic() - since, 2)
        time.sleep(POLL_S)
    return None


def measure_health(server, count: int) -> bool:
    """``count`` times: every worker killed, how soon /healthz says so; one started again, how soon it says ok."""
    found = [health_round(server) for _ in range(count)]
    note = f"a round's null: not within {HEALTH_GIVE_UP_S:g} s"
    for number, metric in enumerate(("healthz_degraded_after_every_worker_killed", "healthz_ok_after_a_worker_started")):
        emit_rounds(emit, metric, [pair[number] for pair in found], "s", HEALTH_TARGET_S, note, digits=2)
    return all(None not in pair and max(pair) <= HEALTH_TARGET_S for pair in found)


def health_round(server) -> tuple[float | None, float | None]:
    from tests.e2e.chaos import kill

    if seconds_until(server, lambda body: body["status"] == "ok", time.monotonic()) is None:
        log(f"/healthz was not ok before the workers were killed: {health(server)}")
    for worker in alive_workers(server):
        kill(worker)
    killed = time.monotonic()
    degraded = seconds_until(server, lambda body: "no_worker" in body["problems"], killed)
    log(f"/healthz after the kills: {health(server)}")
    server.start_worker()
    started = time.monotonic()
    return degraded, seconds_until(server, lambda body: body["status"] == "ok", started)


def show_logs(server, lines: int = 25) -> None:
    from tests.bench.bench_post_need import tail

    for path in sorted(server.logs.glob("*.log")):
        log(f"--- {path.name} (last {lines} lines)\n{tail(path, lines)}")


def stop_everything(server) -> None:
    """Thaw and stop every process of the stack (serve() gives each only 10 s, then skips dropping the database)."""
    from tests.e2e.chaos import kill

    running = [p for p in server.processes if p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGCONT)
        process.terminate()
    for process in running:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log(f"pid {process.pid} did not stop on SIGTERM; killing it")
            kill(process)


# --- the run --------------------------------------------------------------------------------------------


def run(count: int, only: list[str], keep: bool) -> int:
    from tests import services
    from tests.e2e.chaos import Rounds, chaos_stack

    emit_context(emit)
    started = time.perf_counter()
    ok = False
    root = Path(tempfile.mkdtemp(prefix="dispatch-bench-faults-"))
    database = ""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so a SIGTERM still runs the cleanup
    try:
        with chaos_stack(TempDirs(root)) as (server, redis):
            database = server.env["DATABASE_URL"]
            try:
                emit("setup_s", round(time.perf_counter() - started, 1), "s")
                rounds = Rounds(server)
                ok = all([run_fault(key, server, redis, rounds, count) for key in only])
                ok = measure_health(server, count) and ok
            finally:
                stop_everything(server)
    except Exception as exc:
        log(f"failed: {type(exc).__name__}: {exc}")
        ok = False
    finally:
        if database:
            with contextlib.suppress(Exception):  # serve() drops it; this is in case its clean-up was cut short
                services.drop_database(database)
        if keep:
            log(f"kept the logs in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of each fault (each waits out a 30 s offer)")
    default = ",".join(key for key in FAULTS if key != "no_fault")
    parser.add_argument("--faults", default=default, help=f"comma-separated, in this order; of {', '.join(FAULTS)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the server and worker logs")
    options = parser.parse_args(argv)
    only = [key.strip() for key in options.faults.split(",") if key.strip()]
    if options.rounds < 1 or not only or any(key not in FAULTS for key in only):
        parser.error(f"--rounds must be at least 1 and --faults name some of {', '.join(FAULTS)}")
    return run(options.rounds, only, options.keep)


if __name__ == "__main__":
    sys.exit(main())
