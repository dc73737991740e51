"""How every benchmark reports: one JSON line per figure on stdout, progress notes on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable


def figure_printer(bench: str) -> Callable[..., None]:
    """``emit(metric, value, unit, target=None, note=None)`` printing ``{"bench": bench, "metric": ..., ...}``;
    a ``note`` says, for instance, why a value is null."""

    def emit(metric: str, value: float | None, unit: str, target: float | None = None, note: str | None = None) -> None:
        line: dict[str, object] = {"bench": bench, "metric": metric, "value": value, "unit": unit, "target": target}
        if note:
            line["note"] = note
        print(json.dumps(line, ensure_ascii=False), flush=True)

    return emit


def note_printer(name: str) -> Callable[[str], None]:
    """``log(message)``: a progress note on stderr, prefixed with the bench's name."""

    def log(message: str) -> None:
        print(f"[{name}] {message}", file=sys.stderr, flush=True)

    return log
