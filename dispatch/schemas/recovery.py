"""Recovery tasks and progress reports, as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.recovery import RecoveryState
from dispatch.schemas.common import PointOut, Ref, Strict
from dispatch.schemas.dispatching import NeedIn


class RecoveryTaskIn(NeedIn):
    """A recovery task: what to restore, where, and who with which skills; offered like a need."""

    what: str = Field(min_length=1, max_length=2000, description="what to restore")


class FromNeedIn(Strict):
    what: str | None = Field(None, max_length=2000, description="what is left to do; the need's description when left out")


class ProgressReportIn(Strict):
    percent: int = Field(ge=0, le=100, description="how far the task is, in per cent")
    note: str = Field("", max_length=500)
    people: int = Field(0, ge=0, le=1000, description="people who worked since the last report")
    hours: float = Field(0, ge=0, le=10_000, description="person-hours since the last report")
    client_ref: str | None = Field(
        None, max_length=40, description="the phone's own id for this report: sending it again records it once"
    )


class ConfirmIn(Strict):
    note: str = Field("", max_length=500)


class ProgressOut(BaseModel):
    percent: int
    note: str
    people: int
    hours: float
    organization: Ref
    created_at: datetime


class TaskWorkOut(BaseModel):
    assignment_id: int
    organization: Ref
    state: AssignmentState
    head_count: int


class RecoveryTaskOut(BaseModel):
    id: int
    incident_id: int
    need_id: int
    what: str
    cell: Ref | None
    location: PointOut
    address: str
    state: RecoveryState
    percent: int
    head_count: int
    work: list[TaskWorkOut]
    reports: list[ProgressOut]
    source_need_id: int | None
    confirmed_at: datetime | None
    confirmation_note: str


class LeftoverOut(BaseModel):
    need_id: int
    description: str
    cell: Ref | None
    still_needed: int


class RecoveryBoardOut(BaseModel):
    incident_id: int
    tasks: list[RecoveryTaskOut]
    leftovers: list[LeftoverOut] = Field(description="emergency needs with work left, not yet turned into tasks")
