"""How every benchmark reports: one JSON line per figure on stdout, progress notes on stderr.

A bench that times something measures it in three rounds and prints each figure once, its median as ``value``
beside ``min``, ``max`` and the ``rounds`` themselves (``emit_rounds``); a path with a floor measured in the same run
prints the floor the same way and the ratio of figure to floor, round by round (``emit_ratio``). Its first line says
where it ran (``emit_context``): the commit, whether tracked files differed from it, the CPUs and the load.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROUNDS = 3  # what a timed figure's median is taken over
ROOT = Path(__file__).resolve().parents[2]


def figure_printer(bench: str) -> Callable[..., None]:
    """``emit(metric, value, unit, target=None, note=None, **extra)`` printing
    ``{"bench": bench, "metric": ..., "value": ..., "unit": ..., "target": ..., **extra}``; a ``note`` says, for
    instance, why a value is null."""

    def emit(
        metric: str, value: float | None, unit: str, target: float | None = None, note: str | None = None, **extra: object
    ) -> None:
        line: dict[str, object] = {"bench": bench, "metric": metric, "value": value, "unit": unit, "target": target}
        line.update(extra)
        if note:
            line["note"] = note
        print(json.dumps(line, ensure_ascii=False), flush=True)

    return emit


def note_printer(name: str) -> Callable[[str], None]:
    """``log(message)``: a progress note on stderr, prefixed with the bench's name."""

    def log(message: str) -> None:
        print(f"[{name}] {message}", file=sys.stderr, flush=True)

    return log


def machine_context() -> dict[str, object]:
    """Where a run happens: the commit (``dirty``: tracked files that differ from it; ``diff``: a digest of those
    differences, so two runs of the same uncommitted code can be told apart from others), CPUs, their model, the load."""
    changed = _git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": len(changed),
        "diff": hashlib.sha256(_git("diff", "HEAD").encode()).hexdigest()[:10] if changed else None,
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "started_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def emit_context(emit: Callable[..., None]) -> None:
    """The first line of a bench: ``{"metric": "context", "commit": ..., "cpus": ..., "cpu_model": ..., ...}``."""
    emit("context", None, "", note="where these figures came from; dirty: tracked files differing from the commit",
         **machine_context())  # fmt: skip


def emit_rounds(
    emit: Callable[..., None],
    metric: str,
    values: Sequence[float | None],
    unit: str,
    target: float | None = None,
    note: str | None = None,
    digits: int = 1,
) -> float | None:
    """One figure measured in several rounds: ``value`` is the median (the target applies to it), with ``min``,
    ``max`` and every round's value. Rounds that measured nothing (None) are left out of the three. Returns the median."""
    known = [v for v in values if v is not None]
    rounded = [None if v is None else round(v, digits) for v in values]
    if not known:
        emit(metric, None, unit, target, note or "no round measured it", rounds=rounded)
        return None
    median = statistics.median(known)
    emit(metric, round(median, digits), unit, target, note, min=round(min(known), digits), max=round(max(known), digits),
         rounds=rounded)  # fmt: skip
    return median


def emit_ratio(
    emit: Callable[..., None],
    metric: str,
    figures: Sequence[float | None],
    floors: Sequence[float | None],
    note: str,
) -> None:
    """Figure ÷ floor, round by round (each floor measured beside its figure), as ``emit_rounds`` prints them."""
    ratios = [f / g if f is not None and g else None for f, g in zip(figures, floors, strict=True)]
    emit_rounds(emit, metric, ratios, "x", note=note, digits=2)


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        found = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
    except OSError:
        return platform.processor()
    return found[0].split(":", 1)[1].strip() if found else platform.processor()
