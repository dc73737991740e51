"""Liveness in the database: processes that run jobs beat every few seconds, one of them holds the sweeper's lease,
and the health check reads both.

Why a lease row and not a lock in Redis or a PostgreSQL advisory lock: a lock that lives as long as its holder's
connection survives a holder that is frozen (stopped, swapping, stuck in a call) but not dead, and a lock in Redis
(RQ's scheduler lock) outlives a killed process by its timeout and vanishes with a restarted Redis. A lease runs
out on its own: the holder renews it on every pass (every second), and once it has not for ``LEASE_S``, whatever the
reason, the next process that looks takes it over. Two sweepers overlapping for a moment (a frozen holder waking
up) is harmless: every expiry, drill step and send is a guarded transition, done once whoever tries.

Times are the processes' own clocks, as for the deadlines themselves: the hosts must keep time (NTP).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.domain.health import WORKER_STALE_S, Facts
from dispatch.extensions import db
from dispatch.models import OutboxMessage, SweeperLease, WorkerBeat

LEASE_S = 4.0  # four missed renewals (one a second): a dead or frozen sweeper is replaced within seconds
FORGET_AFTER = timedelta(days=1)  # rows of processes gone this long are deleted
_ids: dict[int, str] = {}


def process_id() -> str:
    """This process's random id (a forked child gets its own)."""
    return _ids.setdefault(os.getpid(), uuid.uuid4().hex)


def beat(kind: str, now: datetime | None = None) -> None:
    """Say this process is alive (and, now and then, forget processes long gone)."""
    now = now or datetime.now(UTC)
    mine = db.session.get(WorkerBeat, process_id())
    if mine is None:
        host, pid = socket.gethostname()[:100], os.getpid()
        db.session.add(WorkerBeat(id=process_id(), kind=kind, host=host, pid=pid, started_at=now, beat_at=now))
        db.session.execute(delete(WorkerBeat).where(WorkerBeat.beat_at < now - FORGET_AFTER))
    else:
        mine.beat_at = now
    db.session.commit()


def stop_beating() -> None:
    """A clean exit: this process no longer counts as a worker, and gives up the sweeper's lease at once."""
    db.session.execute(delete(WorkerBeat).where(WorkerBeat.id == process_id()))
    db.session.execute(update(SweeperLease).where(SweeperLease.holder == process_id()).values(holder="", lease_until=None))
    db.session.commit()


def dead_processes(now: datetime):
    """The ids of processes that beat once and then stopped: killed, frozen or cut off."""
    return select(WorkerBeat.id).where(WorkerBeat.beat_at < now - timedelta(seconds=WORKER_STALE_S))


def lead_sweep(now: datetime | None = None) -> bool:
    """Take or renew the sweeper's lease; True while this process holds it."""
    now = now or datetime.now(UTC)
    free_or_mine = or_(SweeperLease.holder == process_id(), SweeperLease.lease_until.is_(None), SweeperLease.lease_until < now)
    values = {"holder": process_id(), "lease_until": now + timedelta(seconds=LEASE_S)}
    return _write_lease(free_or_mine, values)


def swept(now: datetime | None = None) -> None:
    """Record that a sweep pass ended (the health check's sweeper lag counts from here)."""
    _write_lease(True, {"swept_at": now or datetime.now(UTC)})


def _write_lease(condition, values: dict) -> bool:
    """Update the lease row where ``condition`` holds; a database with no row yet gets one. True when written."""
    written = db.session.execute(update(SweeperLease).where(SweeperLease.id == 1, condition).values(**values)).rowcount
    db.session.commit()
    if written or db.session.get(SweeperLease, 1) is not None:
        return written == 1
    db.session.add(SweeperLease(id=1, **values))
    try:
        db.session.commit()
    except IntegrityError:  # another process wrote the first row an instant before: its lease stands
        db.session.rollback()
        return False
    return True


def facts(counts_workers: bool, now: datetime | None = None) -> Facts:
    """What the health verdict needs; ``counts_workers`` is False where jobs run inside the web process."""
    now = now or datetime.now(UTC)
    alive = None
    if counts_workers:
        fresh = WorkerBeat.beat_at >= now - timedelta(seconds=WORKER_STALE_S)
        alive = db.session.scalar(select(func.count()).select_from(WorkerBeat).where(WorkerBeat.kind == "worker", fresh))
    swept_at = db.session.scalar(select(SweeperLease.swept_at).where(SweeperLease.id == 1))
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
    )
    db.session.commit()
    return Facts(alive, _seconds_since(swept_at, now), _seconds_since(oldest, now))


def sweeper_holder() -> str:
    """The host and pid of the process holding the sweeper's lease, for the health page ("" when nobody)."""
    row = db.session.execute(
        select(WorkerBeat.host, WorkerBeat.pid).join(SweeperLease, SweeperLease.holder == WorkerBeat.id)
    ).first()
    return f"{row.host}:{row.pid}" if row else ""


def _seconds_since(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max(0.0, (now - moment).total_seconds()), 1)
