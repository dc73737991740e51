"""Complaints about organizations (投诉) and the managing body's decision on each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.complaints import ComplaintStatus
from dispatch.domain.registry import ManagingBody
from dispatch.extensions import db
from dispatch.models.organizations import Organization
from dispatch.models.places import enum_column
from dispatch.models.types import UtcDateTime, utcnow


class Complaint(db.Model):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Who decides, fixed when it is filed (the organization's status may change later).
    managing_body: Mapped[ManagingBody] = mapped_column(enum_column(ManagingBody))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    summary: Mapped[str] = mapped_column(Text)
    # The complainant: a user, and how to reach them for the outcome (personal data: never published).
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[ComplaintStatus] = mapped_column(enum_column(ComplaintStatus), default=ComplaintStatus.OPEN)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organization: Mapped[Organization] = relationship()
