"""Recovery tasks (恢复重建任务) and the progress leaders log on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.extensions import db
from dispatch.models.incidents import Assignment, Need
from dispatch.models.places import GridCell
from dispatch.models.types import UtcDateTime, utcnow


class RecoveryTask(db.Model):
    """What to restore in a cell or at a place. It is offered as its own need (``need``), so organizations are
    asked, accept and report through the same assignments as in the emergency."""

    __tablename__ = "recovery_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"), index=True)
    what: Mapped[str] = mapped_column(Text)  # what to restore
    # The emergency need left unfinished that this task carries on (one task per such need).
    source_need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), unique=True)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmation_note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    need: Mapped[Need] = relationship(foreign_keys=[need_id])
    cell: Mapped[GridCell | None] = relationship()
    reports: Mapped[list[ProgressReport]] = relationship(back_populates="task", order_by="ProgressReport.id")

    @property
    def percent(self) -> int:
        """The latest progress any organization on it reported (0 before the first)."""
        return self.reports[-1].percent if self.reports else 0


class ProgressReport(db.Model):
    """A leader's progress on recovery work: how far, what, how many people and hours since the last report."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="ck_progress_reports_percent"),
        CheckConstraint("people >= 0 AND hours >= 0", name="ck_progress_reports_people_hours"),
        # A phone sends a report again when it is not sure the first one arrived: the same reference is one report.
        UniqueConstraint("assignment_id", "client_ref", name="uq_progress_reports_client_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("recovery_tasks.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    percent: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    people: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Float, default=0)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_ref: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    task: Mapped[RecoveryTask] = relationship(back_populates="reports")
    assignment: Mapped[Assignment] = relationship()
