"""Early warnings (预警): typhoon, rainstorm, flood…, with a colour, an area (its grid cells) and a validity; entered by
an officer or read from CAP files (every CAP alert applied to a warning is kept, so an Update or a Cancel finds it,
and the same file read twice changes nothing)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.extensions import db
from dispatch.models.places import GridCell, enum_column
from dispatch.models.types import UtcDateTime, utcnow

warning_cells = Table(
    "warning_cells",
    db.metadata,
    Column("warning_id", ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
    Column("cell_id", ForeignKey("grid_cells.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class EarlyWarning(db.Model):
    """A warning of a county: in force from ``effective_at`` until ``expires_at``, unless lifted before. ``ended_at``
    is set when its end is written to the event log (``warning.ended``), once: lifted, cancelled, or expired (the
    sweeper finds those)."""

    __tablename__ = "warnings"
    # An officer's Idempotency-Key: the same key from the same user enters one warning, however often it is sent.
    __table_args__ = (UniqueConstraint("created_by", "idempotency_key", name="uq_warnings_creator_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # dispatch.domain.plans.warning_types.WarningKind
    colour: Mapped[str | None] = mapped_column(String(10))  # WarningColour; none when the source did not say
    category: Mapped[IncidentCategory] = mapped_column(enum_column(IncidentCategory))
    level: Mapped[IncidentLevel | None] = mapped_column(enum_column(IncidentLevel))
    headline: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(10))  # officer | cap
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    area: Mapped[str | None] = mapped_column(Text)  # GeoJSON, WGS-84; none when named by places only
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_digest: Mapped[str | None] = mapped_column(String(64))  # what the key was first sent with
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    cells: Mapped[list[GridCell]] = relationship(secondary=warning_cells, order_by=GridCell.id)

    def in_force(self, now: datetime) -> bool:
        return self.lifted_at is None and self.effective_at <= now < self.expires_at


class WarningAlert(db.Model):
    """A CAP alert applied to a warning (its first Alert, each Update, the Cancel): found again by its sender and
    identifier."""

    __tablename__ = "warning_alerts"
    __table_args__ = (UniqueConstraint("county_id", "sender", "identifier", name="uq_warning_alerts_county_sender_identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    sender: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))
    msg_type: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class StandbyPoll(db.Model):
    """A team asked, once per warning, how many people it could send (备勤); its answer holds while the warning
    stands. Answering again changes the count."""

    __tablename__ = "standby_polls"
    __table_args__ = (UniqueConstraint("warning_id", "organization_id", name="uq_standby_polls_warning_organization"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    asked_again_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ready: Mapped[int | None] = mapped_column(Integer)
    answered_via: Mapped[str | None] = mapped_column(String(10))  # phone | sms | officer
    # The earlier poll (another warning's, unanswered) whose SMS asked this one too: its one answer counts for both,
    # so the team was not texted again. None: this poll's own SMS asked it.
    shared_poll_id: Mapped[int | None] = mapped_column(ForeignKey("standby_polls.id"))

    warning: Mapped[EarlyWarning] = relationship()
