"""Messages to and from leaders' phones: the outbox (SMS and voice calls to send) and what came back.

An outbox row is written in the transaction that caused it and is the record of the message: a job sends it
(``notifications/delivery.py``), the provider's id and delivery state are written back on it, and a crash between
sending and recording is reconciled from the provider, never guessed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from dispatch.extensions import db
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow
from dispatch.personal_data.keys import phone_hash


class OutboxMessage(db.Model):
    """One SMS or voice call to send, once its time has come (``due_at``: the failover step it belongs to)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        UniqueConstraint("provider_sid", name="uq_outbox_provider_sid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | voice
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    recipient: Mapped[str] = mapped_column(EncryptedText("outbox.recipient"), default="")
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending → sending → sent | failed | skipped (the offer was answered or seen before this step came due)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str] = mapped_column(String(32), default="")  # the sending process (its WorkerBeat id)
    body: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(Integer, default=0)
    provider: Mapped[str] = mapped_column(String(10), default="")  # twilio | outbox
    provider_sid: Mapped[str | None] = mapped_column(String(40))
    delivery: Mapped[str] = mapped_column(String(20), default="")  # the provider's: queued → sent → delivered …
    error: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class InboundMessage(db.Model):
    """An SMS reply or a key pressed in a call, kept once per provider id so a replayed webhook changes nothing."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("sid", name="uq_inbound_messages_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # sms | voice
    sender: Mapped[str] = mapped_column(EncryptedText("inbound_messages.sender"))
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)  # the phone simulator finds a leader's replies
    body: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(40), default="")
    reply: Mapped[str] = mapped_column(Text, default="")  # what was answered, so a replay answers the same
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @validates("sender")
    def _hash_sender(self, _key: str, phone: str) -> str:
        self.sender_hash = phone_hash(phone)
        return phone
