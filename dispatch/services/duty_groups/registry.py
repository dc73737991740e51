"""Registering, testing and deactivating duty group robots: a duty officer (or administrator) of a subdistrict for
its own groups, a county administrator for the county's. Every query is narrowed to the caller's groups.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, select

from dispatch.domain.duty_groups import NewGroup, NoticeStatus, check_message_text, masked, wait_for_room
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import DutyGroup, GroupNotice, Subdistrict
from dispatch.services import audit
from dispatch.services.errors import Conflict, FieldError, NotFound, ServiceError
from notifications.channels import Outgoing, PermanentFailure, TemporaryFailure
from notifications.channels.robot_http import RobotTimedOut, RobotUnreachable


class OverBudget(ServiceError):
    """The robot's messages of the last minute have spent its budget: a test now would be refused by the platform."""

    code = "duty_group.over_budget"

    def __init__(self, wait_s: int) -> None:
        super().__init__(f"wait {wait_s} s")
        self.wait_s = wait_s


@dataclass(frozen=True)
class TestOutcome:
    """How a test message went: ``sent``, ``timeout`` (it may have arrived), ``unreachable`` or ``answered`` (the
    platform refused it; ``error`` is its code and words)."""

    __test__ = False  # not a pytest class

    outcome: str
    error: str = ""


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
    """Register a robot, audited by its id, platform and token ends. A robot already registered and active (here or
    by any office) is refused without saying whose it is: each notice would reach its group twice."""
    require(actor, Action.CREATE, Resource.DUTY_GROUP)
    if _registered(new):
        raise Conflict([FieldError("webhook", "duty_group.taken")])
    group = DutyGroup(
        county_id=_county_of(actor), subdistrict_id=actor.subdistrict_id, platform=new.platform.value, name=new.name,
        token=new.token, token_hint=masked(new.token), secret=new.secret, mention_phones=",".join(new.mention_phones),
        active=True, created_by=actor.user_id,
    )  # fmt: skip
    db.session.add(group)
    db.session.flush()
    detail = {"platform": group.platform, "token": group.token_hint}
    audit.record("duty_group.registered", object_type="duty_group", object_id=group.id, detail=detail)  # commits
    return group


def _registered(new: NewGroup) -> bool:
    """Whether an active group of the platform has this token. Tokens are sealed at rest, so the few active groups of
    the platform are opened and compared."""
    tokens = db.session.scalars(
        select(DutyGroup.token).where(DutyGroup.platform == new.platform.value, DutyGroup.active.is_(True))
    )
    return any(token == new.token for token in tokens)


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


def send_test(actor: Actor, group_id: int) -> TestOutcome:
    """Send the group a test message now, through its robot, and audit it. It counts against the robot's rate like
    any message (a composed notice of its own); with the minute's budget spent it is refused (``OverBudget``)."""
    from dispatch.services.duty_groups.compose import board_url, limits_for, lock_group, sent_at

    group = _own(actor, group_id)
    if not group.active:
        raise NotFound("duty_group")
    lock_group(group.id)  # tests of one robot pressed at once count one after another
    now = datetime.now(UTC)
    if wait := wait_for_room(sent_at(group.id, now), now, limits_for(group.platform)):
        audit.record("duty_group.tested", "refused", object_type="duty_group", object_id=group.id,
                     detail={"outcome": "over_budget"})  # fmt: skip
        raise OverBudget(max(1, math.ceil(wait.total_seconds())))
    text = check_message_text(group.name, board_url())
    db.session.add(GroupNotice(duty_group_id=group.id, key=f"test:{uuid.uuid4().hex}", kind="test", text=text,
                               status=NoticeStatus.COMPOSED.value, composed_at=now))  # fmt: skip
    db.session.commit()
    outcome = _try(group, text)
    audit.record("duty_group.tested", "ok" if outcome.outcome == "sent" else "failed", object_type="duty_group",
                 object_id=group.id, detail={"outcome": outcome.outcome, "error": outcome.error})  # fmt: skip
    return outcome


def _try(group: DutyGroup, text: str) -> TestOutcome:
    from dispatch.services.duty_groups.robots import mentions, robot_for

    params = {"title": "测试消息", "at_mobiles": mentions(group)}
    try:
        robot_for(group).send(Outgoing(outbox_id=0, kind="notice", to=str(group.id), text=text, params=params))
    except RobotTimedOut:
        return TestOutcome("timeout")
    except RobotUnreachable:
        return TestOutcome("unreachable")
    except (TemporaryFailure, PermanentFailure) as exc:
        return TestOutcome("answered", str(exc)[:200] or type(exc).__name__)
    return TestOutcome("sent")
