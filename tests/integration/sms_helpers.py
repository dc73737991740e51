"""Shared steps for the SMS and voice tests: the fake Twilio's settings, an offer and its outbox rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from dispatch.extensions import db
from dispatch.models import OutboxMessage
from tests.integration.dispatch_helpers import posted_need

SENDER = "+15005550006"
PUBLIC_URL = "https://dispatch.example.org"  # what Twilio calls: the public address, behind a proxy


def outbox(assignment_id: int, channel: str = "sms") -> OutboxMessage:
    db.session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.assignment_id == assignment_id, OutboxMessage.channel == channel)
    return db.session.scalars(query).one()


def make_due(outbox_id: int) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(due_at=datetime.now(UTC)))
    db.session.commit()


def first_offer(world, browser, **fields) -> dict:
    need = posted_need(browser(world.duty), world.cell_a1, broadcast_k=1, **fields)
    return need["assignments"][0]
