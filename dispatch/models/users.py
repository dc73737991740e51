"""Users and the jurisdiction each one works in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from dispatch.domain.scope import Actor, Role
from dispatch.extensions import db
from dispatch.models.places import GridCell, enum_column
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow
from dispatch.personal_data.keys import phone_hash

user_cells = Table(
    "user_cells",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("cell_id", ForeignKey("grid_cells.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistricts.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("users.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # a leader logs in by SMS code with it
    language: Mapped[str] = mapped_column(String(5), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # An account handed over by someone else is changed at first login; expiry counts from password_changed_at.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=utcnow)
    # Copied into the session cookie at login; raising it ends every session that holds an older one (dispatch/auth.py).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    cells: Mapped[list[GridCell]] = relationship(secondary=user_cells, order_by=GridCell.id)

    @validates("phone")
    def _hash_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_hash = phone_hash(phone)
        return phone

    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            role=self.role,
            county_id=self.county_id,
            subdistrict_id=self.subdistrict_id,
            organization_id=self.organization_id,
            # Only a grid worker's scope is their cells; loading them for everyone would cost a query per request.
            cell_ids=frozenset(cell.id for cell in self.cells) if self.role is Role.GRID_WORKER else frozenset(),
        )


class LoginCode(db.Model):
    """A one-time code texted to a leader's phone: logging in without a password, from the phone itself.

    Only its keyed hash is kept; it runs out after a few minutes and after a few wrong tries, and works once."""

    __tablename__ = "login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PasswordHistory(db.Model):
    """A password an account had before its current one, as its hash: a new password may not be one of them."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    replaced_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
