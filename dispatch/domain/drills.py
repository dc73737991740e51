"""Drills (演练): how a run moves through its scenario, on plain values.

A run knows only when it started and how many steps have run; which step is due next follows from the scenario,
so the drill clock needs no memory and survives any restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import Enum


class DrillMode(str, Enum):
    AUTO = "auto"  # the steps run on the drill's own clock (the sweeper posts them when due)
    MANUAL = "manual"  # the officer steps through by hand


class DrillStatus(str, Enum):
    RUNNING = "running"
    FINISHED = "finished"  # every step has run; the incident stays active until the officer closes it
    STOPPED = "stopped"  # stopped by hand: no more steps


def due_steps(offsets_s: Sequence[int], steps_done: int, started_at: datetime, now: datetime) -> range:
    """The indexes of the steps not yet run whose time has come, in order (steps run in order, never skipped)."""
    due = steps_done
    while due < len(offsets_s) and started_at + timedelta(seconds=offsets_s[due]) <= now:
        due += 1
    return range(steps_done, due)


def status_after(steps_done: int, steps: int) -> DrillStatus:
    return DrillStatus.FINISHED if steps_done >= steps else DrillStatus.RUNNING
