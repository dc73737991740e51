"""Evaluations as the API reads and writes them: figures only, never a person."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from dispatch.domain.registry import OrgStatus
from dispatch.schemas.common import Ref, RowId, Strict


class EvaluationQuery(Strict):
    period: str = Field(description="2026, 2026-H1, 2026-Q3 or 2026-07 (Beijing time)")
    subdistrict_id: RowId | None = Field(None, description="your own when left out (a county admin: the county's first)")


class PublishIn(Strict):
    period: str = Field(description="2026, 2026-H1, 2026-Q3 or 2026-07 (Beijing time)")
    subdistrict_id: RowId | None = Field(None, description="a duty officer's own when left out (a county admin: the first)")


class ResponseFigures(BaseModel):
    """Real incidents or drills, separately."""

    offers: int
    accepted: int
    declined: int
    expired: int
    accepted_share: float | None = Field(description="accepted / offers")
    median_answer_s: float | None = Field(description="offer made → accepted or declined")
    median_arrive_s: float | None = Field(description="accepted → on site")
    completed: int
    completed_share: float | None = Field(description="completed / accepted")
    people: int = Field(description="people who came to completed work")
    hours: float = Field(description="person-hours given")
    incidents: int = Field(description="incidents (or drills) it accepted work in")


class ScorecardFigures(BaseModel):
    real: ResponseFigures
    drill: ResponseFigures
    training_hours: float = Field(description="person-hours of training attended")
    upheld_complaints: int


class SummaryFigures(ScorecardFigures):
    organizations: int
    taking_part: int = Field(description="organizations that accepted work or trained in the period")


class ScorecardOut(BaseModel):
    organization: Ref
    status: OrgStatus
    community: Ref
    figures: ScorecardFigures


class EvaluationOut(BaseModel):
    subdistrict: Ref
    period: str
    starts_on: date
    ends_on: date = Field(description="the first day after the period")
    summary: SummaryFigures
    organizations: list[ScorecardOut] = Field(description="for a leader, only their own")
    published_at: datetime | None = Field(None, description="when this was published (publishing only)")
