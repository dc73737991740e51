"""Published evaluations (评价结果公开, Article 12): a subdistrict's scorecards for a period, frozen when published."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.models.organizations import Organization
from dispatch.models.places import Subdistrict
from dispatch.models.types import UtcDateTime, utcnow


class Evaluation(db.Model):
    """One subdistrict, one period: its summary (for the grassroots safety assessment) and one row per organization."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("subdistrict_id", "period", name="uq_evaluations_subdistrict_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"))
    period: Mapped[str] = mapped_column(String(10))  # 2026, 2026-H1, 2026-Q3, 2026-07
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the first day after the period
    summary: Mapped[dict] = mapped_column(JSON)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    subdistrict: Mapped[Subdistrict] = relationship()
    rows: Mapped[list[EvaluationRow]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationRow.organization_id"
    )


class EvaluationRow(db.Model):
    """An organization's published scorecard: figures only, no people (no names, no phones)."""

    __tablename__ = "evaluation_rows"
    __table_args__ = (UniqueConstraint("evaluation_id", "organization_id", name="uq_evaluation_rows_organization"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    figures: Mapped[dict] = mapped_column(JSON)

    evaluation: Mapped[Evaluation] = relationship(back_populates="rows")
    organization: Mapped[Organization] = relationship()
