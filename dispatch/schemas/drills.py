"""Drills as the API reads and writes them: a scenario to start, the run, and its report."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dispatch.domain.drill_scenario import MAX_CHARS
from dispatch.domain.drills import DrillMode, DrillStatus
from dispatch.schemas.common import Ref, RowId, Strict


class DrillIn(Strict):
    # The scenario is kept exactly as written: trimming leading blank lines would shift every line an error names.
    model_config = ConfigDict(str_strip_whitespace=False)

    scenario: str = Field(min_length=1, max_length=MAX_CHARS, description="the scenario, as YAML text (docs/drills/)")
    mode: DrillMode = Field(DrillMode.AUTO, description="auto: the steps run on the drill's clock; manual: stepped by hand")
    subdistrict_id: RowId | None = Field(None, description="the drilling subdistrict; a duty officer's own when left out")


class DrillOut(BaseModel):
    id: int
    title: str
    incident_id: int
    subdistrict: Ref
    mode: DrillMode
    status: DrillStatus
    started_at: datetime
    steps: int = Field(description="how many steps the scenario has, counting the start of the plan it rehearses as one")
    steps_done: int
    next_step_at: datetime | None = Field(description="when an auto drill runs its next step; null when none will")


class DrillDetailOut(DrillOut):
    scenario: str


class WhyOut(BaseModel):
    code: str
    message: str = Field(description="in the caller's language")


class StepReportOut(BaseModel):
    step: int
    at_s: int = Field(description="the step's offset from the start, in seconds")
    ran_at: datetime | None
    skills: list[str]
    head_count: int
    need_id: int | None
    accepted: int = Field(description="people on accepted work now")
    outcome: str = Field(
        description="filled, open (offers still out), unfilled, failed (its need could not be posted) or not_run"
    )
    why: list[WhyOut] = Field(description="why the need was not filled, or why the step failed")


class OfferReportOut(BaseModel):
    assignment_id: int
    need_id: int | None
    step: int | None
    organization: Ref | None
    offered_at: datetime
    answer: str | None = Field(description="accepted, declined, expired or withdrawn; null while still open")
    answer_s: float | None = Field(description="seconds from the offer to accepting or declining it")
    head_count: int
    reason: str


class OrganizationReportOut(BaseModel):
    organization: Ref
    offers: int
    accepted: int
    declined: int
    expired: int
    people: int
    median_answer_s: float | None
    median_arrive_s: float | None


class HeadlineOut(BaseModel):
    median_answer_s: float | None
    accepted_share: float | None = Field(description="accepted offers / offers made")
    filled_share: float | None = Field(description="needs filled / needs posted")
    median_arrive_s: float | None = Field(description="accepted → on site")


class ChangeOut(BaseModel):
    figure: str
    this: float | None
    previous: float | None
    change: float | None
    better: bool | None


class DesignatedAnswerOut(BaseModel):
    organization: Ref
    position: int = Field(description="1: asked first")
    answer: str = Field(
        description="accepted, declined, expired (the offer ran out), open (not answered yet), withdrawn, or not_offered "
        "(the ranking judged it could not go)"
    )
    reason: str = Field(description="a decline's reason")


class PlanTaskReportOut(BaseModel):
    task: int = Field(description="the task's number in the plan")
    name: str
    head_count: int
    posted: bool
    need_id: int | None
    accepted: int = Field(description="people on accepted work now")
    filled: bool
    elapsed_s: float | None = Field(
        description="seconds from the plan's start to the task filled; for a task not filled, to now or to the drill "
        "incident's close; null while the plan has not started"
    )
    designated: list[DesignatedAnswerOut] = Field(description="the plan's designated organizations, in the order asked")
    not_answered: list[Ref] = Field(description="designated organizations offered the task that did not answer")
    declined: list[Ref] = Field(description="designated organizations that declined it")


class RehearsalOut(BaseModel):
    plan: Ref = Field(description="the plan rehearsed, with its title as name")
    version: int = Field(description="the version started (the current one while the plan has not started)")
    started_at: datetime | None = Field(description="when the drill started the plan; null when it has not")
    posted: int
    filled: int
    tasks: list[PlanTaskReportOut]
    why: list[WhyOut] = Field(description="why the drill could not start the plan, when it could not")


class DrillReportOut(BaseModel):
    drill: DrillOut
    steps: list[StepReportOut]
    offers: list[OfferReportOut]
    organizations: list[OrganizationReportOut]
    headline: HeadlineOut
    previous: DrillOut | None = Field(description="the subdistrict's drill before this one")
    comparison: list[ChangeOut] = Field(description="the headline figures beside the previous drill's; empty for a first drill")
    rehearsal: RehearsalOut | None = Field(None, description="the plan beside what happened, when the drill rehearses one")
