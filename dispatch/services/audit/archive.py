"""Moving records past the retention period out of the table, into a file that keeps the chain.

The file holds the records as they were sealed, one JSON object a line, after a first line naming where its part
of the chain starts (the anchor it continues). The table keeps an anchor at the last archived record, so the
chain in the table can still be verified, and the files can be verified on their own. Nothing younger than the
retention period leaves the table; the database refuses that too.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from dispatch.domain.audit_chain import first_break
from dispatch.extensions import db
from dispatch.models import AuditAnchor, AuditRecord
from dispatch.models.audit import RETENTION_DAYS
from dispatch.services.audit.trail import anchor, audit_key, sealed_view


class ArchiveRefused(Exception):
    """The archive would break a promise: records kept too briefly, or a chain that does not hold."""


def archive(older_than_days: int = RETENTION_DAYS, now: datetime | None = None) -> Path | None:
    """Write the records older than ``older_than_days`` (never fewer than the retention period) to a file and
    remove them from the table; the file's path, or None when there was nothing that old."""
    if older_than_days < RETENTION_DAYS:
        raise ArchiveRefused(f"audit records are kept at least {RETENTION_DAYS} days")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    start = anchor()
    rows = db.session.scalars(select(AuditRecord).where(AuditRecord.at < cutoff).order_by(AuditRecord.id)).all()
    if not rows:
        return None
    records = [sealed_view(row) for row in rows]
    found = first_break(records, audit_key(), records[-1]["id"], start)
    if found is not None:
        raise ArchiveRefused(f"the chain does not hold: {found.describe()}")
    folder = Path(current_app.config["AUDIT_ARCHIVE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{records[0]['id']:09d}-{records[-1]['id']:09d}.jsonl"
    with path.open("x", encoding="utf-8") as file:
        file.write(json.dumps({"continues": {"id": start[0], "seal": start[1]}}) + "\n")
        for line in records:
            file.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    path.chmod(0o400)
    db.session.add(AuditAnchor(through_id=records[-1]["id"], through_seal=records[-1]["seal"], file_name=path.name))
    db.session.execute(delete(AuditRecord).where(AuditRecord.id <= records[-1]["id"]))
    db.session.commit()
    return path


def verify_file(path: Path) -> str | None:
    """What is wrong with an archive file's chain, or None."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = json.loads(lines[0])["continues"]
    records = [json.loads(line) for line in lines[1:]]
    last = records[-1]["id"] if records else start["id"]
    found = first_break(records, audit_key(), last, (start["id"], start["seal"]))
    return found.describe() if found else None
