"""The system watching itself: which background processes are alive, and which one sweeps deadlines now.

Both live in the database, which is the record: a restarted Redis forgets nothing here, and any web process can
tell the truth about the workers from these rows alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.models.types import UtcDateTime, utcnow


class WorkerBeat(db.Model):
    """A process that runs jobs, saying every few seconds that it is alive (one row per process)."""

    __tablename__ = "worker_beats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the process's own random id
    kind: Mapped[str] = mapped_column(String(20))  # worker (production) | web (the embedded default runs jobs in it)
    host: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class SweeperLease(db.Model):
    """One row: the process that sweeps deadlines until ``lease_until`` (renewed on every pass), and when the last
    pass ended. A holder that dies or freezes stops renewing, and another process takes the lease once it runs out."""

    __tablename__ = "sweeper_lease"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(32), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    swept_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
