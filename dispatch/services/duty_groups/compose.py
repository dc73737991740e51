"""Composing: each active group's pending notices become one outbox message (channel ``group``) when its robot's rate
allows (``dispatch/domain/duty_groups.py``: the merge rule), in one transaction with the notices marked composed.

Marking is a guarded UPDATE (``status = 'pending'``): two workers composing at once cannot both take a notice; the
one that finds a notice already taken drops its message and leaves the group for the next pass.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select, update

from dispatch.domain.duty_groups import WINDOW, Limits, Message, NoticeStatus, Pending, next_message
from dispatch.extensions import db
from dispatch.models import DutyGroup, GroupNotice, OutboxMessage

log = logging.getLogger(__name__)


def board_url() -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/board"


def limits_for(platform: str) -> Limits:
    config = current_app.config
    prefix = "DINGTALK" if platform == "dingtalk" else "WECOM"
    return Limits(per_minute=config[f"{prefix}_PER_MINUTE"], max_bytes=config[f"{prefix}_MAX_BYTES"])


def compose_due(now: datetime | None = None) -> int:
    """The sweeper's step: compose what each active group may be sent now. Returns how many messages were queued."""
    now = now or datetime.now(UTC)
    waiting = db.session.scalars(
        select(GroupNotice.duty_group_id)
        .join(DutyGroup, DutyGroup.id == GroupNotice.duty_group_id)
        .where(GroupNotice.status == NoticeStatus.PENDING.value, DutyGroup.active.is_(True))
        .distinct()
    ).all()
    db.session.commit()
    return sum(compose_for(group_id, now) for group_id in sorted(waiting))


def compose_for(group_id: int, now: datetime) -> int:
    """One group's step: queue its next message if its robot may send now (1), else leave the notices waiting (0)."""
    lock_group(group_id)  # a test message pressed meanwhile counts before or after this one, never beside it
    group = db.session.get(DutyGroup, group_id)
    message = next_message(_pending(group_id), sent_at(group_id, now), now, limits_for(group.platform), board_url())
    if message is None:
        db.session.rollback()
        return 0
    row = _outbox_row(group, message)
    if not _mark_composed(message, row.id, now):
        db.session.rollback()  # another worker composed some of them first: its message carries them
        return 0
    db.session.commit()
    return 1


def lock_group(group_id: int) -> None:
    """Take the group's row lock (SQLite's write lock) until the next commit: reading its recent messages and adding
    one happen for one robot at a time."""
    db.session.execute(
        update(DutyGroup).where(DutyGroup.id == group_id).values(active=DutyGroup.active)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def _pending(group_id: int) -> list[Pending]:
    rows = db.session.execute(
        select(GroupNotice.id, GroupNotice.kind, GroupNotice.text)
        .where(GroupNotice.duty_group_id == group_id, GroupNotice.status == NoticeStatus.PENDING.value)
        .order_by(GroupNotice.id)
    ).all()
    return [Pending(*row) for row in rows]


def sent_at(group_id: int, now: datetime) -> list[datetime]:
    """When the group's messages of the last minute were composed (a test message counts as one of its own)."""
    message = func.coalesce(GroupNotice.outbox_id, -GroupNotice.id)
    return list(
        db.session.scalars(
            select(func.max(GroupNotice.composed_at))
            .where(GroupNotice.duty_group_id == group_id, GroupNotice.composed_at > now - WINDOW)
            .group_by(message)
        )
    )


def _outbox_row(group: DutyGroup, message: Message) -> OutboxMessage:
    """The message's row. Its office rides along (``subdistrict_id``, None for a county's group, and ``county_id``):
    the ``group.sent`` and ``group.failed`` events recorded when it goes name them, so the office hears of a robot
    that fails."""
    params = {"text": message.text, "title": message.title, "notices": len(message.notice_ids),
              "subdistrict_id": group.subdistrict_id, "county_id": group.county_id}  # fmt: skip
    row = OutboxMessage(channel="group", template="notice", recipient=str(group.id), params=params)  # due at once
    db.session.add(row)
    db.session.flush()
    return row


def _mark_composed(message: Message, outbox_id: int, now: datetime) -> bool:
    won = db.session.scalars(
        update(GroupNotice)
        .where(GroupNotice.id.in_(message.notice_ids), GroupNotice.status == NoticeStatus.PENDING.value)
        .values(status=NoticeStatus.COMPOSED.value, outbox_id=outbox_id, composed_at=now)
        .returning(GroupNotice.id)
        .execution_options(synchronize_session=False)
    ).all()
    return len(won) == len(message.notice_ids)


def compose_duty_groups(now: datetime | None = None) -> int:
    """The sweeper's step: add the hour's summaries, then queue what each group may be sent. A failure here is
    logged and left for the next pass: it must not hold up the sweeper's deadlines and SMS."""
    from dispatch.services.duty_groups.summaries import summarize_hour

    try:
        summarize_hour(now)
        return compose_due(now)
    except Exception:
        db.session.rollback()
        log.exception("duty groups: could not compose group messages")
        return 0
