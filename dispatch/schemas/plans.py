"""Emergency plans (应急预案) as the API reads and writes them. ``EmergencyPlan*`` names, because ``PlanOut`` is
the first hour's allocation advice (``/api/incidents/<id>/plan``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.document import MAX_CHARS, MAX_TASKS, NAME_MAX
from dispatch.schemas.common import Ref, RowId, Strict
from dispatch.schemas.dispatching import CandidateOut, NeedOut


class EmergencyPlanIn(Strict):
    # The text is kept exactly as written: trimming leading blank lines would shift every line an error names.
    model_config = ConfigDict(str_strip_whitespace=False)

    text: str = Field(min_length=1, max_length=MAX_CHARS, description="the plan, as YAML (docs/example-plan.yaml)")
    subdistrict_id: RowId | None = Field(
        None, description="a new plan's subdistrict (an administrator's choice; none: a county plan); ignored on edit"
    )
    based_on: RowId | None = Field(
        None,
        description="on edit, the version the change was made from: 409 when someone saved a newer one meanwhile",
    )


class EmergencyPlanTaskOut(BaseModel):
    number: int
    name: str
    skills: list[str]
    head_count: int
    place: str = Field(description="where, as written: 'cell: code', 'community: code', 'landmark: name', an address or a point")
    designated: list[str] = Field(description="organizations asked first, in order (预案指定队伍)")


class EmergencyPlanOut(BaseModel):
    id: int
    title: str
    category: IncidentCategory
    min_level: IncidentLevel = Field(description="the plan covers incidents of this level and graver ones")
    auto_start: bool
    subdistrict: Ref | None = Field(description="none: a county plan")
    version: int
    active: bool
    updated_at: datetime


class EmergencyPlanDetailOut(EmergencyPlanOut):
    text: str = Field(description="the latest version's YAML, as written")
    tasks: list[EmergencyPlanTaskOut]


class EmergencyPlanList(BaseModel):
    items: list[EmergencyPlanOut]


class EmergencyPlanVersionOut(BaseModel):
    plan_id: int
    version: int
    text: str
    created_at: datetime


class TaskPreviewOut(BaseModel):
    task: EmergencyPlanTaskOut
    candidates: list[CandidateOut] = Field(description="who would be asked now, first first: the designated, then the ranking")
    problems: list[str] = Field(description="why the task could not be posted now, in the caller's language")


class EmergencyPlanPreviewOut(BaseModel):
    plan: EmergencyPlanOut
    tasks: list[TaskPreviewOut]


class ProposalOut(BaseModel):
    plan: EmergencyPlanOut
    started_tasks: list[str] = Field(description="tasks already posted on this incident")
    starts_by_itself: bool


class ProposalList(BaseModel):
    items: list[ProposalOut]


TaskNumber = Annotated[int, Field(ge=1, le=MAX_TASKS)]
TaskName = Annotated[str, Field(min_length=1, max_length=NAME_MAX)]


class PlanStartIn(Strict):
    tasks: list[TaskName | TaskNumber] | None = Field(
        None, max_length=100, description="the tasks to start, by name or number; none: every task"
    )


class PlanStartOut(BaseModel):
    plan: EmergencyPlanOut
    version: int
    posted: list[NeedOut] = Field(description="the needs this start posted, with their first offers")
    already_posted: list[str] = Field(description="tasks left out because they were posted on this incident before")
