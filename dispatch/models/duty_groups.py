"""Duty groups: a subdistrict's or county's DingTalk or WeCom group robot, and the notices its group is owed.

A ``GroupNotice`` is written in the transaction of the event it tells of (``dispatch/services/duty_groups/``), so an
event is never without its notices; composing turns pending notices into outbox rows (channel ``group``), merged
when the robot's rate demands it (``dispatch/domain/duty_groups.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow


class DutyGroup(db.Model):
    """A group robot: the county's (no subdistrict) or a subdistrict's. Its credentials are sealed at rest."""

    __tablename__ = "duty_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    platform: Mapped[str] = mapped_column(String(10))  # dingtalk | wecom
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(EncryptedText("duty_groups.token"))  # DingTalk's access_token, WeCom's key
    token_hint: Mapped[str] = mapped_column(String(12), default="")  # what the page shows of it
    secret: Mapped[str | None] = mapped_column(EncryptedText("duty_groups.secret"))  # DingTalk's signing secret
    mention_phones: Mapped[str | None] = mapped_column(EncryptedText("duty_groups.mention_phones"))  # E.164, commas
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.mention_phones or "").split(",") if p]


class GroupNotice(db.Model):
    """One thing a duty group must hear: pending until composed into an outbox message (its ``outbox_id``)."""

    __tablename__ = "group_notices"
    __table_args__ = (
        UniqueConstraint("duty_group_id", "key", name="uq_group_notices_group_key"),
        Index("ix_group_notices_group_status", "duty_group_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_group_id: Mapped[int] = mapped_column(ForeignKey("duty_groups.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    key: Mapped[str] = mapped_column(String(60))  # event:<id>, summary:<incident>:<hour>, test:<uuid>
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | composed
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    composed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
