"""A staff member's second factor (the TOTP secret), their one-time recovery codes, and the sessions each person
has open (so they can see and end them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow


class TwoFactor(db.Model):
    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(EncryptedText("two_factor.secret"))  # sealed at rest like the phones
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_step: Mapped[int | None] = mapped_column(Integer)  # the last code's time step: a code is good once


class RecoveryCode(db.Model):
    """Only a keyed hash of each code is kept; each works once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class UserSession(db.Model):
    """One login: the cookie carries its random id; ending the row ends the session wherever the cookie is."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
