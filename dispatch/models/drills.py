"""Drill runs (演练): a scenario being played on a drill incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.drills import DrillMode, DrillStatus
from dispatch.extensions import db
from dispatch.models.incidents import Incident
from dispatch.models.places import Subdistrict, enum_column
from dispatch.models.types import UtcDateTime, utcnow


class DrillRun(db.Model):
    """One run of a scenario. The scenario text is the record of what it will post; ``steps_done`` says how far it
    got, advanced only by a guarded UPDATE, so two sweepers (or a retry) never run a step twice."""

    __tablename__ = "drill_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), unique=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text)  # the YAML as written
    mode: Mapped[DrillMode] = mapped_column(enum_column(DrillMode))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[DrillStatus] = mapped_column(enum_column(DrillStatus), default=DrillStatus.RUNNING, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    incident: Mapped[Incident] = relationship()
    subdistrict: Mapped[Subdistrict] = relationship()
