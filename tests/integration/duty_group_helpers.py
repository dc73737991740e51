"""Shared steps for the duty group tests: the two platform fakes wired into the app, robots registered as their
offices would, and the sweeper's and drain's steps run until the groups have heard everything."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.domain.duty_groups import NewGroup, Platform
from dispatch.domain.scope import Actor
from dispatch.extensions import db
from dispatch.models import DutyGroup, GroupNotice, OutboxMessage
from dispatch.services.duty_groups.compose import compose_due
from dispatch.services.duty_groups.registry import register
from dispatch.services.notify import delivery
from tests.fake_dingtalk import FakeDingTalk
from tests.fake_wecom import FakeWeCom

TOKEN, SECRET = "d" * 64, "SEC" + "9f2b7c1e" * 8
KEY = "693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"
OFFICER_PHONE = "+8613800001111"
PUBLIC = "https://dispatch.example.cn"
SETTINGS = ("DINGTALK_API_BASE", "WECOM_API_BASE", "PUBLIC_URL", "ROBOT_TIMEOUT_S")


@contextmanager
def robots_at_fakes(app):
    """(the DingTalk fake, the WeCom fake), with the app's robots pointed at them (each test module's fixture)."""
    saved = {name: app.config[name] for name in SETTINGS}
    with FakeDingTalk(robots={TOKEN: SECRET}) as dingtalk, FakeWeCom(keys={KEY}) as wecom:
        app.config.update(DINGTALK_API_BASE=dingtalk.url, WECOM_API_BASE=wecom.url, PUBLIC_URL=PUBLIC, ROBOT_TIMEOUT_S=3)
        yield dingtalk, wecom
    app.config.update(saved)


def actor_of(user) -> Actor:
    return Actor(user.id, user.role, county_id=user.county_id, subdistrict_id=user.subdistrict_id)


def dingtalk_group(user, token: str = TOKEN, secret: str = SECRET) -> DutyGroup:
    robot = NewGroup(Platform.DINGTALK, "街道值班群", token, secret, [OFFICER_PHONE])
    return register(actor_of(user), robot)


def wecom_group(user, key: str = KEY) -> DutyGroup:
    return register(actor_of(user), NewGroup(Platform.WECOM, "区县应急值班群", key, None, []))


def deliver_everything(start: datetime | None = None, step_s: float = 3.0, rounds: int = 200) -> datetime:
    """Compose and send until no notice is pending, the composer's clock stepping ``step_s`` each round (the robots'
    pacing), the real drain of the groups sending what was composed. Returns the composer's clock at the end."""
    now = start or datetime.now(UTC)
    for _ in range(rounds):
        compose_due(now)
        delivery.drain_groups()
        if not pending_notices():
            return now
        now += timedelta(seconds=step_s)
    raise AssertionError("notices still pending")


def pending_notices() -> list[GroupNotice]:
    db.session.expire_all()
    return list(db.session.scalars(select(GroupNotice).where(GroupNotice.status == "pending")))


def group_rows(group: DutyGroup) -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "group").order_by(OutboxMessage.id))
    return [row for row in rows if row.recipient == str(group.id)]
