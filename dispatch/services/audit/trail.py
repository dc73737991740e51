"""Appending to the audit trail and checking its chain.

A record is committed on its own, on the request's connection (a second connection per request would let a burst of
requests take every connection of the pool and wait on each other); so call ``record`` once the action has committed,
or been rolled back, or when the request wrote nothing. Appending locks the one head row, so records join the chain
one at a time across every web process and worker.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import select, update

from dispatch.domain.audit_chain import GENESIS, SEALED_FIELDS, Break, first_break, seal
from dispatch.extensions import db
from dispatch.models import AuditAnchor, AuditHead, AuditRecord, User

BATCH = 1000  # records read at a time when verifying


def audit_key() -> bytes:
    """``AUDIT_KEY``, or a key derived from ``SECRET_KEY`` (one secret fewer to keep, but then never change it)."""
    configured = current_app.config.get("AUDIT_KEY")
    if configured:
        return configured.encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"dispatch audit chain", hashlib.sha256).digest()


def record(
    action: str,
    result: str = "ok",
    *,
    object_type: str = "",
    object_id: object = "",
    detail: dict | None = None,
    actor: User | None = None,
    actor_name: str | None = None,
    county_id: int | None = None,
) -> int:
    """Append one record; the actor is the logged-in user unless given, the county the actor's unless given.
    Returns the record's number."""
    actor = actor if actor is not None else g.get("user") if has_request_context() else None
    content = {
        "at": datetime.now(UTC).replace(microsecond=0),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": (actor_name if actor_name is not None else actor.username if actor is not None else "")[:60],
        "county_id": county_id if county_id is not None else actor.county_id if actor is not None else None,
        "address": (request.remote_addr or "")[:64] if has_request_context() else "",
        "user_agent": request.headers.get("User-Agent", "")[:200] if has_request_context() else "",
        "action": action[:40],
        "object_type": object_type[:40],
        "object_id": str(object_id)[:80],
        "result": result[:20],
        "detail": detail or {},
    }
    key = audit_key()
    session = db.session
    # The UPDATE takes the head row's lock (and SQLite's write lock) before anything is read.
    number, previous = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_id=AuditHead.last_id + 1)
        .returning(AuditHead.last_id, AuditHead.last_seal)
        .execution_options(synchronize_session=False)
    ).one()
    content["id"] = number
    sealed = seal(_as_sealed(content), previous, key)
    session.add(AuditRecord(**content, previous=previous, seal=sealed))
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_seal=sealed).execution_options(synchronize_session=False)
    )
    session.commit()
    return number


def _as_sealed(content: dict) -> dict:
    """The values as they read back from the database (times in UTC, whole seconds), so sealing and checking agree."""
    return {**content, "at": content["at"].astimezone(UTC).isoformat()}


def sealed_view(row: AuditRecord) -> dict:
    return {
        **_as_sealed({name: getattr(row, name) for name in SEALED_FIELDS}),
        "previous": row.previous,
        "seal": row.seal,
    }


def anchor() -> tuple[int, str]:
    """Where the chain in the table starts: after the last archived record, or at the beginning."""
    latest = db.session.scalar(select(AuditAnchor).order_by(AuditAnchor.through_id.desc()).limit(1))
    return (latest.through_id, latest.through_seal) if latest else (0, GENESIS)


def _records_in_order() -> Iterator[dict]:
    after = -1
    while True:
        rows = db.session.scalars(select(AuditRecord).where(AuditRecord.id > after).order_by(AuditRecord.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            yield sealed_view(row)
        after = rows[-1].id
        db.session.expunge_all()


def verify() -> Break | None:
    """The first place the chain does not hold, or None. The head row knows the last number handed out, so records
    cut from the end are missed too, and records added beyond it were not appended through the chain."""
    head = db.session.get(AuditHead, 1)
    return first_break(_records_in_order(), audit_key(), head.last_id, anchor())
