"""Emergency plans (应急预案): a subdistrict's or the county's, kept as versions; the plans started on incidents.

A plan's text (YAML, ``dispatch/domain/plans/document.py``) is the record of what it says. Editing writes a new
version and moves the plan's ``version`` on; an incident keeps the version it started (``IncidentPlan``), and each
need a plan posted names its version and task, so starting the same plan twice posts no task twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.extensions import db
from dispatch.models.places import Subdistrict, enum_column
from dispatch.models.types import UtcDateTime, utcnow


class Plan(db.Model):
    """A plan: the county's (no subdistrict) or a subdistrict's. Its columns are its latest version's, for finding
    the plans that cover an incident without reading every text."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[IncidentCategory] = mapped_column(enum_column(IncidentCategory))
    min_level: Mapped[IncidentLevel] = mapped_column(enum_column(IncidentLevel))
    auto_start: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)  # the latest version's number
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # a withdrawn plan is kept, never proposed
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    subdistrict: Mapped[Subdistrict | None] = relationship()
    versions: Mapped[list[PlanVersion]] = relationship(back_populates="plan", order_by="PlanVersion.version")


class PlanVersion(db.Model):
    """One version of a plan, as written: never changed once saved."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_plan_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # the plan's YAML, as the document reader writes it
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="versions")


class IncidentPlan(db.Model):
    """A plan version started on an incident: when, by whom (none when it started by itself), its tasks posted."""

    __tablename__ = "incident_plans"
    __table_args__ = (UniqueConstraint("incident_id", "plan_version_id", name="uq_incident_plans_incident_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    plan_version: Mapped[PlanVersion] = relationship()


class NeedDesignation(db.Model):
    """An organization a plan designated for a need's task (预案指定队伍), offered before the ranking, in order."""

    __tablename__ = "need_designations"

    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1: asked first
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
