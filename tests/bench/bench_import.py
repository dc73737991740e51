"""Benchmark of the registry import at province scale, through the real CLI, on PostgreSQL and SQLite.

Run ``python tests/bench/bench_import.py [--preset province|county] [--sqlite-preset county|province] [--scale 0.1]
[--budget 1800] [--keep]`` (or set ``BENCH_SCALE``); prints one JSON line per figure:
{"bench": "import", "metric": ..., "value": ..., "unit": ..., "target": ...}.

The default preset is a province (issue 16; Zhejiang has about 262,000 community social organizations, more than
85,000 grid cells and about 450,000 micro-grids): 500,000 grid cells, 300,000 organizations, 1,000,000 members.
``--preset county`` is issue 1's 100,000 cells, 100,000 organizations, 1,000,000 members; ``--scale`` takes a
fraction of either. The PostgreSQL steps carry issue 16's targets (each under 10 minutes and 2 GB).
Every step is its own ``flask --app wsgi ...`` process, so its time (wall clock, including interpreter start
and app creation) and peak RSS (``ru_maxrss`` of the reaped child, from ``os.wait4``) are that step's alone.
Order: generate; setup, places, organizations and members on PostgreSQL; then SQLite, at the county scale by
default (``--sqlite-preset``) from files generated for it, so the PostgreSQL figures, which carry the targets,
come first if the budget runs out. Nothing touches the developer's instance/:
the SQLite database lives in a temporary DISPATCH_INSTANCE_DIR, and PostgreSQL (127.0.0.1:5432, user postgres)
gets a throwaway database that is dropped afterwards. If PostgreSQL is not reachable its figures are printed
with value null and a "note" saying why. A step that fails prints its stderr tail and the script exits 1;
a step that would overrun the budget is killed and reported (value null, "note") instead of waited for.
Importing this module runs nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.figures import emit_context, figure_printer  # noqa: E402
from tests.services import PERSONAL_DATA_TEST_KEYS  # noqa: E402

PYTHON = sys.executable
PRESETS = {
    "province": {"cells": 500_000, "organizations": 300_000, "members": 1_000_000},
    "county": {"cells": 100_000, "organizations": 100_000, "members": 1_000_000},
}
SEED = 2024
DEFAULT_BUDGET_S = 1800.0
TARGET_STEP_S = 600.0  # issue 16, on PostgreSQL: each step under 10 minutes
TARGET_PEAK_MB = 2048.0  # and under 2 GB
PG_HOST, PG_PORT = "127.0.0.1", 5432


emit = figure_printer("import")


def label(n: int) -> str:
    """100000 -> '100k', 1000000 -> '1m', 12345 -> '12345'."""
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


@dataclass
class StepResult:
    ok: bool
    seconds: float
    max_rss_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False


class Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def run_step(args: list[str], env: dict[str, str], workdir: Path, timeout: float) -> StepResult:
    """Run one command as a child; wall time and the child's own peak RSS (os.wait4), killed at ``timeout``."""
    import subprocess

    out_path, err_path = workdir / "step.out", workdir / "step.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        # Output goes to files, not pipes, so the child never blocks on a full pipe while we poll.
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting again
    return StepResult(
        ok=proc.returncode == 0 and not timed_out,
        seconds=seconds,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
        timed_out=timed_out,
    )


def flask(*command: str) -> list[str]:
    return [PYTHON, "-m", "flask", "--app", "wsgi", *command]


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Bench:
    def __init__(self, sizes: dict[str, dict[str, int]], budget: Budget, workdir: Path) -> None:
        self.sizes, self.budget, self.workdir = sizes, budget, workdir  # sizes by database (pg, sqlite)
        self.failed = False
        self.broken: set[str] = set()  # databases on which a step failed: later steps there are skipped

    def step(self, db: str, name: str, args: list[str], env: dict[str, str]) -> StepResult | None:
        """Run a step unless the database is already broken or the budget is spent; report failures."""
        if db in self.broken:
            return None
        left = self.budget.left()
        if left <= 5:
            self.broken.add(db)
            self.failed = True
            print(f"[bench_import] {db} {name}: skipped, the time budget is spent", file=sys.stderr, flush=True)
            return None
        print(f"[bench_import] {db} {name} (timeout {left:.0f}s)…", file=sys.stderr, flush=True)
        result = run_step(args, env, self.workdir, left)
        print(f"[bench_import] {db} {name}: {result.seconds:.1f}s, {result.max_rss_mb:.0f} MB", file=sys.stderr, flush=True)
        if not result.ok:
            self.broken.add(db)
            self.failed = True
            why = f"killed after {result.seconds:.0f}s (time budget)" if result.timed_out else "failed"
            print(f"[bench_import] {db} {name} {why}; stderr tail:\n{tail(result.stderr)}", file=sys.stderr, flush=True)
            if not result.timed_out:
                return None
        return result

    def skipped_note(self, db: str) -> str:
        return f"skipped: an earlier {db} step failed or the time budget ran out"


def created_count(stdout: str, key: str) -> int | None:
    """The importer's report (last stdout line is JSON like {"organizations": 100000})."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            return int(json.loads(line)[key])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def targets(db: str) -> tuple[float | None, float | None]:
    """(seconds, MB) a step must stay under: issue 16's, on PostgreSQL."""
    return (TARGET_STEP_S, TARGET_PEAK_MB) if db == "pg" else (None, None)


def run_import(bench: Bench, db: str, kind: str, path: Path, env: dict[str, str], report_key: str) -> None:
    """One import step on one database: time, peak RSS and rows/s figures (null with a note if it did not run)."""
    n = bench.sizes[db][kind]
    prefix = f"{kind}_{label(n)}_import_{db}"
    target_s, target_mb = targets(db)
    command = f"import-{'places' if kind == 'cells' else kind}"
    result = bench.step(db, command, flask(command, str(path)), env)
    if result is None or not result.ok:
        note = (
            f"timed out: killed after {result.seconds:.0f}s when the time budget ran out"
            if result is not None
            else bench.skipped_note(db)
        )
        emit(f"{prefix}_s", None, "s", target_s, note=note)
        emit(f"{prefix}_peak_rss_mb", None if result is None else round(result.max_rss_mb, 1), "MB", target_mb, note=note)
        emit(f"{prefix}_rows_per_s", None, "rows/s", note=note)
        return
    created = created_count(result.stdout, report_key)
    if created != n:
        bench.failed = True
        print(f"[bench_import] {db} import-{kind}: expected {n} {report_key}, report says {created}", file=sys.stderr)
    emit(f"{prefix}_s", round(result.seconds, 2), "s", target_s)
    emit(f"{prefix}_peak_rss_mb", round(result.max_rss_mb, 1), "MB", target_mb)
    emit(f"{prefix}_rows_per_s", round(n / result.seconds), "rows/s")


def postgres_database() -> tuple[str | None, str | None]:
    """(URL of a new throwaway database, None) or (None, why PostgreSQL cannot be used)."""
    try:
        import psycopg
    except ImportError:
        return None, "skipped: psycopg is not installed"
    name = f"dispatch_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(
            f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres connect_timeout=5", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        why = " ".join(str(exc).split())[:160]
        return None, f"skipped: PostgreSQL at {PG_HOST}:{PG_PORT} is not reachable ({why})"
    return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{name}", None


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_env(instance_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "FLASK_APP"}}
    env["DISPATCH_INSTANCE_DIR"] = str(instance_dir)
    env["SECRET_KEY"] = "bench-import-not-secret"
    env.update(PERSONAL_DATA_TEST_KEYS)  # production (the PostgreSQL run) refuses to start without them
    env["PYTHONUNBUFFERED"] = "1"
    return env


def sqlite_size_mb(instance_dir: Path) -> float:
    files = [instance_dir / f"dispatch.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    return sum(f.stat().st_size for f in files if f.exists()) / 1e6


def run(sizes: dict[str, dict[str, int]], budget_s: float, keep: bool, presets: dict[str, str]) -> int:
    """``sizes`` and ``presets`` by database: PostgreSQL first, then SQLite (from files of their own when smaller)."""
    emit_context(emit)
    workdir = Path(tempfile.mkdtemp(prefix="dispatch-bench-import-"))
    instance = workdir / "instance"
    instance.mkdir()
    bench = Bench(sizes, Budget(budget_s), workdir)
    started = time.perf_counter()
    for db in ("pg", "sqlite") if sizes["sqlite"] else ("pg",):
        note = f"{presets[db]} preset" + (SQLITE_SMALLER if sizes[db] != sizes["pg"] else "")
        for kind in ("cells", "organizations", "members"):
            emit(f"size_{kind}_{db}", sizes[db][kind], "rows", note=note)

    sqlite_env = base_env(instance)
    pg_url, pg_note = postgres_database()
    pg_env = {**base_env(workdir / "instance-pg"), "DATABASE_URL": pg_url, "SECRET_KEY": "bench-secret"} if pg_url else None
    try:
        data = generate_files(bench, workdir / "data", sizes["pg"], sqlite_env, "")
        if data is None:
            return 1
        if pg_env:
            import_all(bench, "pg", data, pg_env)
            if "pg" not in bench.broken:
                emit("pg_database_mb", round(pg_database_size(pg_url) / 1e6, 1), "MB")
        else:
            emit_skipped(sizes["pg"], "pg", pg_note)
        if sizes["sqlite"]:  # empty with --no-sqlite
            import_sqlite(bench, data, workdir, instance)
    finally:
        if pg_url:
            drop_postgres_database(pg_url)
        if keep:
            print(f"[bench_import] kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
        emit("total_run_s", round(time.perf_counter() - started, 1), "s", budget_s=budget_s)
    return 1 if bench.failed else 0


def import_sqlite(bench: Bench, data: Path, workdir: Path, instance: Path) -> None:
    """The SQLite steps, from files of their own when its sizes are not PostgreSQL's."""
    env = base_env(instance)
    if bench.sizes["sqlite"] != bench.sizes["pg"]:
        shutil.rmtree(data, ignore_errors=True)  # the province's files are done with
        data = generate_files(bench, workdir / "data-sqlite", bench.sizes["sqlite"], env, "sqlite_")
        if data is None:
            emit_skipped(bench.sizes["sqlite"], "sqlite", "its files were not generated")
            return
    import_all(bench, "sqlite", data, env)
    if "sqlite" not in bench.broken:
        emit("sqlite_file_mb", round(sqlite_size_mb(instance), 1), "MB")


SQLITE_SMALLER = (
    "; SQLite (the embedded default) is imported at the county scale as before issue 16, from files of its own, to"
    " keep the run within its budget on a busy 2-core machine: the province's cells and organizations would add"
    " about 2 minutes on a calm one, twice that when busy"
)


def generate_files(bench: Bench, data: Path, sizes: dict[str, int], env: dict[str, str], prefix: str) -> Path | None:
    """``generate-synthetic`` into ``data`` with its figures (metrics prefixed), or None if it failed."""
    counts = [f"--{kind}={n}" for kind, n in sizes.items()]
    command = flask("generate-synthetic", str(data), f"--seed={SEED}", *counts)
    generate = bench.step("data", f"{prefix}generate-synthetic", command, env)
    if generate is None or not generate.ok:
        emit(f"{prefix}generate_s", None, "s", note="generation failed or timed out")
        bench.failed = True
        return None
    emit(f"{prefix}generate_s", round(generate.seconds, 2), "s")
    emit(f"{prefix}generate_peak_rss_mb", round(generate.max_rss_mb, 1), "MB")
    for name in ("cells.geojson", "organizations.csv", "members.csv"):
        emit(f"{prefix}file_{name.replace('.', '_')}_mb", round((data / name).stat().st_size / 1e6, 1), "MB")
    return data


def import_all(bench: Bench, db: str, data: Path, env: dict[str, str]) -> None:
    """setup, then places, organizations and members on one database."""
    setup = bench.step(db, "setup", flask("setup", "--no-demo"), env)
    done = setup is not None and setup.ok
    note = None if done else bench.skipped_note(db)
    emit(f"setup_{db}_s", round(setup.seconds, 2) if done else None, "s", note=note)
    # The app's own footprint (every step loads it): the floor under the import figures below.
    emit(f"setup_{db}_peak_rss_mb", round(setup.max_rss_mb, 1) if done else None, "MB", note=note)
    run_import(bench, db, "cells", data / "cells.geojson", env, "cells")
    run_import(bench, db, "organizations", data / "organizations.csv", env, "organizations")
    run_import(bench, db, "members", data / "members.csv", env, "members")


def emit_skipped(sizes: dict[str, int], db: str, note: str | None) -> None:
    target_s, target_mb = targets(db)
    for kind in ("cells", "organizations", "members"):
        prefix = f"{kind}_{label(sizes[kind])}_import_{db}"
        emit(f"{prefix}_s", None, "s", target_s, note=note)
        emit(f"{prefix}_peak_rss_mb", None, "MB", target_mb, note=note)
        emit(f"{prefix}_rows_per_s", None, "rows/s", note=note)


def pg_database_size(url: str) -> int:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres") as conn:
        return int(conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="province", help="sizes at scale 1 (default province)")
    parser.add_argument(
        "--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")), help="fraction of full size (env BENCH_SCALE)"
    )
    parser.add_argument(
        "--sqlite-preset", choices=sorted(PRESETS), default="county", help="SQLite's sizes at scale 1 (default county)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--budget", type=float, default=DEFAULT_BUDGET_S, help="seconds for the whole run; steps over it are killed"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and SQLite database")
    options = parser.parse_args(argv)
    if not 0 < options.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    presets = {"pg": options.preset, "sqlite": options.sqlite_preset}
    sizes = {
        db: {kind: max(10, round(n * options.scale)) for kind, n in PRESETS[preset].items()} for db, preset in presets.items()
    }
    if options.no_sqlite:
        sizes["sqlite"] = {}
    scaled = {db: preset if options.scale == 1 else f"{preset} × {options.scale}" for db, preset in presets.items()}
    return run(sizes, options.budget, options.keep, scaled)


if __name__ == "__main__":
    sys.exit(main())
