"""How each robot has been doing, read from its outbox rows (channel ``group``): its last message that went and its
last that failed, so the office sees a robot that went silent. The rows are found through the notices they carry
(the recipient column is sealed at rest and cannot be searched)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import DutyGroup, GroupNotice, OutboxMessage


@dataclass(frozen=True)
class RobotHealth:
    last_sent_at: datetime | None = None
    last_failed_at: datetime | None = None  # when the failed try began
    last_error: str = ""


def robot_health(groups: list[DutyGroup]) -> dict[int, RobotHealth]:
    """Group id → its last send and last failure (a failure since followed by a send of the same row is forgotten:
    the row keeps only its latest error)."""
    ids = [group.id for group in groups]
    sent = dict(
        db.session.execute(
            select(GroupNotice.duty_group_id, func.max(OutboxMessage.sent_at))
            .join(OutboxMessage, OutboxMessage.id == GroupNotice.outbox_id)
            .where(GroupNotice.duty_group_id.in_(ids), OutboxMessage.status == "sent")
            .group_by(GroupNotice.duty_group_id)
        ).all()
    )
    return {gid: RobotHealth(sent.get(gid), *_last_failure(gid)) for gid in ids}


def _last_failure(group_id: int) -> tuple[datetime | None, str]:
    row = db.session.execute(
        select(OutboxMessage.claimed_at, OutboxMessage.error)
        .join(GroupNotice, GroupNotice.outbox_id == OutboxMessage.id)
        .where(GroupNotice.duty_group_id == group_id, OutboxMessage.error != "", OutboxMessage.status.in_(("pending", "failed")))
        .order_by(OutboxMessage.claimed_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return (row.claimed_at, row.error) if row else (None, "")
