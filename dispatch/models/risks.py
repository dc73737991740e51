"""Risks reported from the ground (风险隐患): a place, a category, a note; the subdistrict's inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.risks import RiskCategory, RiskStatus
from dispatch.extensions import db
from dispatch.models.places import GridCell, Subdistrict, enum_column
from dispatch.models.types import UtcDateTime, utcnow


class RiskReport(db.Model):
    __tablename__ = "risk_reports"
    __table_args__ = (Index("ix_risk_reports_subdistrict_status", "subdistrict_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"))
    cell_id: Mapped[int] = mapped_column(ForeignKey("grid_cells.id"), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[RiskCategory] = mapped_column(enum_column(RiskCategory))
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))  # when a leader reported it
    status: Mapped[RiskStatus] = mapped_column(enum_column(RiskStatus), default=RiskStatus.OPEN)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_note: Mapped[str] = mapped_column(Text, default="")
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    subdistrict: Mapped[Subdistrict] = relationship()
    cell: Mapped[GridCell] = relationship()
