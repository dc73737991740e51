"""The phone simulator of the embedded default: what each leader's phone has received, and replies typed there.

Nothing leaves the machine without Twilio settings; the outbox rows are the messages. A reply typed on the
simulator goes through the same parser and the same accept and decline as an SMS from a real phone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from dispatch.domain.scope import Actor, Forbidden, Role
from dispatch.extensions import db
from dispatch.models import InboundMessage, Organization, OutboxMessage
from dispatch.services.errors import NotFound
from dispatch.services.notify import replies
from dispatch.services.registry.organizations import get_organization
from notifications.segments import SmsSize, describe

SIMULATING_ROLES = {Role.ADMIN, Role.DUTY_OFFICER, Role.ORG_LEADER}


@dataclass(frozen=True)
class Line:
    """One entry of the phone's conversation, oldest first."""

    at: datetime
    direction: str  # in (to the phone) | out (typed on the phone)
    channel: str  # sms | voice
    text: str
    outcome: str = ""  # what a typed reply did: accepted, declined, too_many, reply.no_action, … (replies.Answered)
    size: SmsSize | None = None  # what a message sent to the phone cost: its segments and encoding
    outbox_id: int | None = None


def simulated() -> bool:
    return current_app.extensions["dispatch.channels"]["sms"].name == "outbox"


def phone_of(actor: Actor, organization_id: int) -> Organization:
    """The organization whose leader's phone is shown; only in the embedded default, only in scope."""
    if not simulated():
        raise NotFound()
    if actor.role not in SIMULATING_ROLES:
        raise Forbidden()
    return get_organization(actor, organization_id)


def conversation(organization: Organization, limit: int = 100) -> list[Line]:
    sent = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.organization_id == organization.id, OutboxMessage.status == "sent")
        .order_by(OutboxMessage.sent_at.desc())
        .limit(limit)
    ).all()
    typed = db.session.scalars(
        select(InboundMessage)
        .where(InboundMessage.sender_hash == organization.leader_phone_hash)
        .order_by(InboundMessage.received_at.desc())
        .limit(limit)
    ).all()
    lines = [_line_of_sent(message) for message in sent]
    for message in typed:
        lines.append(Line(message.received_at, "out", message.channel, message.body, outcome=message.outcome))
        lines.append(Line(message.received_at, "in", message.channel, message.reply))
    return sorted(lines, key=lambda line: (line.at, line.direction == "in"))


def _line_of_sent(message: OutboxMessage) -> Line:
    size = describe(message.body) if message.channel == "sms" else None
    return Line(message.sent_at, "in", message.channel, message.body, size=size, outbox_id=message.id)


def reply(actor: Actor, organization_id: int, text: str) -> replies.Answered:
    organization = phone_of(actor, organization_id)
    return replies.handle_sms(f"SIM{secrets.token_hex(16)}", organization.leader_phone, text)


def press(actor: Actor, organization_id: int, outbox_id: int, digits: str) -> replies.Answered:
    organization = phone_of(actor, organization_id)
    message = db.session.get(OutboxMessage, outbox_id)
    if message is None or message.organization_id != organization.id or message.channel != "voice":
        raise NotFound()
    return replies.handle_key(f"SIMCALL{message.id}", outbox_id, digits)
