"""Training (培训, Article 7): sessions a department holds, who attended, and the certificates they earned."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.models.organizations import Certification, Member, Organization
from dispatch.models.places import Subdistrict
from dispatch.models.skills import Skill
from dispatch.models.types import UtcDateTime, utcnow


class TrainingSession(db.Model):
    """One training: what, by whom, when and how long; with a skill, attending may earn a certificate."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("hours > 0", name="ck_training_sessions_hours_positive"),
        CheckConstraint("certificate_months IS NULL OR skill_id IS NOT NULL", name="ck_training_sessions_certificate_skill"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    organizer: Mapped[str] = mapped_column(String(100))  # the organizing department (also the certificate's issuer)
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"))
    # Attendees get a certificate of the skill valid this many months from the day; None: no certificate.
    certificate_months: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    subdistrict: Mapped[Subdistrict] = relationship()
    skill: Mapped[Skill | None] = relationship()
    attendances: Mapped[list[TrainingAttendance]] = relationship(back_populates="session", order_by="TrainingAttendance.id")


class TrainingAttendance(db.Model):
    __tablename__ = "training_attendances"
    __table_args__ = (UniqueConstraint("session_id", "member_id", name="uq_training_attendances_session_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="attendances")
    member: Mapped[Member] = relationship()
    organization: Mapped[Organization] = relationship()
    certification: Mapped[Certification | None] = relationship()
