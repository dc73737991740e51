"""Incidents, needs, assignments (offers) and the event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Float as SqlFloat
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dispatch.domain.assignments import LIVE_STATES, AssignmentState
from dispatch.domain.incidents import DispatchPolicy, IncidentCategory, IncidentLevel, IncidentStatus, NeedStatus, Priority
from dispatch.domain.recovery import NeedKind
from dispatch.extensions import db
from dispatch.models.organizations import Organization
from dispatch.models.places import GridCell, Subdistrict, enum_column
from dispatch.models.skills import Skill
from dispatch.models.types import UtcDateTime, utcnow

LIVE_STATES_SQL = text("state IN (" + ", ".join(sorted(f"'{state.value}'" for state in LIVE_STATES)) + ")")

incident_cells = Table(
    "incident_cells",
    db.metadata,
    Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
    Column("cell_id", ForeignKey("grid_cells.id", ondelete="CASCADE"), primary_key=True, index=True),
)

need_skills = Table(
    "need_skills",
    db.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id"), primary_key=True),
)


class Incident(db.Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[IncidentCategory] = mapped_column(enum_column(IncidentCategory))
    level: Mapped[IncidentLevel] = mapped_column(enum_column(IncidentLevel))
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    area: Mapped[str | None] = mapped_column(Text)  # GeoJSON, WGS-84
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus), default=IncidentStatus.ACTIVE)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    subdistrict: Mapped[Subdistrict] = relationship()
    cells: Mapped[list[GridCell]] = relationship(secondary=incident_cells, order_by=GridCell.id)
    needs: Mapped[list[Need]] = relationship(back_populates="incident", order_by="Need.id")

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


class Need(db.Model):
    """需求信息: people with a skill, at a place, within a time window."""

    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("accepted >= 0 AND accepted <= head_count", name="ck_needs_accepted_within_head_count"),
        CheckConstraint("head_count >= 1", name="ck_needs_head_count_positive"),
        # A plan's task is posted once on an incident, however often the plan is started (dispatch/services/plans).
        UniqueConstraint("incident_id", "plan_version_id", "plan_task", name="uq_needs_incident_plan_task"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    head_count: Mapped[int] = mapped_column(Integer)
    # People on accepted, en-route and on-site assignments, kept by guarded UPDATEs so it never passes head_count.
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority), default=Priority.NORMAL)
    lon: Mapped[float] = mapped_column(SqlFloat)
    lat: Mapped[float] = mapped_column(SqlFloat)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Where, as a local person says it: the address given, or the community, grid cell and nearest landmark or road
    # of a map click. Worked out once when the need is posted, so every SMS, call and card names the same place.
    place_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    place_name_en: Mapped[str] = mapped_column(String(200), default="", server_default="")  # "" when the same
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("grid_cells.id"))
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    policy: Mapped[DispatchPolicy] = mapped_column(enum_column(DispatchPolicy), default=DispatchPolicy.BROADCAST)
    broadcast_k: Mapped[int] = mapped_column(Integer, default=3)
    offer_timeout_s: Mapped[int] = mapped_column(Integer, default=600)
    # How far from the need organizations are asked, in metres; None asks the whole jurisdiction.
    radius_m: Mapped[float | None] = mapped_column(SqlFloat)
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus), default=NeedStatus.OPEN)
    kind: Mapped[NeedKind] = mapped_column(
        enum_column(NeedKind), default=NeedKind.RESPONSE, server_default=NeedKind.RESPONSE.value
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # A need a plan posted: the plan's version and the task's number in it (none for a need typed by hand).
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"))
    plan_task: Mapped[int | None] = mapped_column(Integer)

    incident: Mapped[Incident] = relationship(back_populates="needs")
    skills: Mapped[list[Skill]] = relationship(secondary=need_skills, order_by=Skill.id)
    cell: Mapped[GridCell | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(back_populates="need", order_by="Assignment.id")

    @property
    def still_needed(self) -> int:
        return self.head_count - self.accepted


class Assignment(db.Model):
    """派单: one offer of one need to one organization, and what became of it."""

    __tablename__ = "assignments"
    __table_args__ = (
        # One live offer or job per organization and need; after it ends (declined, expired, withdrawn...) the
        # officer may offer the need to the same organization again.
        Index(
            "uq_assignments_live_need_organization",
            "need_id",
            "organization_id",
            unique=True,
            sqlite_where=LIVE_STATES_SQL,
            postgresql_where=LIVE_STATES_SQL,
        ),
        Index("ix_assignments_open_deadline", "state", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState), default=AssignmentState.OFFERED)
    head_count: Mapped[int] = mapped_column(Integer, default=0)
    short_code: Mapped[str] = mapped_column(String(8), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(SqlFloat)
    reason_zh: Mapped[str] = mapped_column(String(200), default="")
    reason_en: Mapped[str] = mapped_column(String(200), default="")
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When the leader's phone acknowledged the offer over the socket (no SMS is then needed).
    seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    need: Mapped[Need] = relationship(back_populates="assignments")
    organization: Mapped[Organization] = relationship()


class Event(db.Model):
    """The event log: audit trail, timelines, the resync cursor for clients, and the source of evaluations.

    Ids come from ``EventCounter`` inside the writing transaction, so they follow commit order.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_incident", "incident_id", "id"), Index("ix_events_organization", "organization_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    subdistrict_id: Mapped[int | None] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class EventCounter(db.Model):
    """One row: the last event id handed out. Updating it serializes writers, so ids follow commit order."""

    __tablename__ = "event_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyKey(db.Model):
    """A client's ``Idempotency-Key`` for posting a need: the same key from the same user returns the same need."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # What the key was first sent with (the incident and the body): the same key with another request is refused.
    # NULL for keys stored before it was kept: they match any request.
    request_digest: Mapped[str | None] = mapped_column(String(64))
