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
    steps: int = Field(description="how many steps the scenario has")
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


class DrillReportOut(BaseModel):
    drill: DrillOut
    steps: list[StepReportOut]
    offers: list[OfferReportOut]
    organizations: list[OrganizationReportOut]
    headline: HeadlineOut
    previous: DrillOut | None = Field(description="the subdistrict's drill before this one")
    comparison: list[ChangeOut] = Field(description="the headline figures beside the previous drill's; empty for a first drill")
