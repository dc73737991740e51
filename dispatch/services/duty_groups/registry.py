"""Registering, testing and deactivating duty group robots: a duty officer (or administrator) of a subdistrict for
its own groups, a county administrator for the county's. Every query is narrowed to the caller's groups.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, select

from dispatch.domain.duty_groups import NewGroup, NoticeStatus, masked
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import DutyGroup, GroupNotice, Subdistrict
from dispatch.services.errors import NotFound
from notifications.channels import Outgoing, PermanentFailure, TemporaryFailure


def scope_clause(actor: Actor) -> ColumnElement[bool]:
    if actor.subdistrict_id is not None:
        return DutyGroup.subdistrict_id == actor.subdistrict_id
    if actor.role is Role.ADMIN and actor.county_id is not None:
        return and_(DutyGroup.subdistrict_id.is_(None), DutyGroup.county_id == actor.county_id)
    return DutyGroup.id.is_(None)


def list_groups(actor: Actor) -> list[DutyGroup]:
    require(actor, Action.READ, Resource.DUTY_GROUP)
    return list(db.session.scalars(select(DutyGroup).where(scope_clause(actor)).order_by(DutyGroup.active.desc(), DutyGroup.id)))


def register(actor: Actor, new: NewGroup) -> DutyGroup:
    require(actor, Action.CREATE, Resource.DUTY_GROUP)
    group = DutyGroup(
        county_id=_county_of(actor), subdistrict_id=actor.subdistrict_id, platform=new.platform.value, name=new.name,
        token=new.token, token_hint=masked(new.token), secret=new.secret, mention_phones=",".join(new.mention_phones),
        active=True, created_by=actor.user_id,
    )  # fmt: skip
    db.session.add(group)
    db.session.commit()
    return group


def _county_of(actor: Actor) -> int:
    if actor.subdistrict_id is None:
        return actor.county_id
    return db.session.scalar(select(Subdistrict.county_id).where(Subdistrict.id == actor.subdistrict_id))


def _own(actor: Actor, group_id: int) -> DutyGroup:
    require(actor, Action.EDIT, Resource.DUTY_GROUP)
    group = db.session.scalar(select(DutyGroup).where(DutyGroup.id == group_id, scope_clause(actor)))
    if group is None:
        raise NotFound("duty_group")
    return group


def deactivate(actor: Actor, group_id: int) -> DutyGroup:
    """The group hears nothing more; what it was owed and not yet sent is dropped with it."""
    group = _own(actor, group_id)
    if group.active:
        group.active, group.deactivated_at = False, datetime.now(UTC)
        db.session.commit()
    return group


def send_test(actor: Actor, group_id: int) -> str:
    """Send the group a test message now, through its robot. Returns "" when it arrived, else the platform's error.
    It counts against the robot's rate like any message (a composed notice of its own)."""
    from dispatch.services.duty_groups.compose import board_url
    from dispatch.services.duty_groups.robots import mentions, robot_for

    group = _own(actor, group_id)
    if not group.active:
        raise NotFound("duty_group")
    now = datetime.now(UTC)
    text = f"**测试消息**：值班群「{group.name}」的机器人已接通。\n\n[打开值班台]({board_url()})"
    notice = GroupNotice(duty_group_id=group.id, key=f"test:{uuid.uuid4().hex}", kind="test", text=text,
                         status=NoticeStatus.COMPOSED.value, composed_at=now)  # fmt: skip
    db.session.add(notice)
    db.session.commit()
    params = {"title": "测试消息", "at_mobiles": mentions(group)}
    try:
        robot_for(group).send(Outgoing(outbox_id=0, kind="notice", to=str(group.id), text=text, params=params))
    except (TemporaryFailure, PermanentFailure) as exc:
        return str(exc)[:200] or type(exc).__name__
    return ""
