"""Evaluations as the API reads and writes them: figures only, never a person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field
from pydantic_core import PydanticCustomError

from dispatch.domain.evaluation import PERIOD_PATTERN, InvalidPeriod, period_bounds
from dispatch.domain.registry import OrgStatus
from dispatch.schemas.common import Ref, RowId, Strict


def _period(label: str) -> str:
    try:
        period_bounds(label)
    except InvalidPeriod as exc:
        raise PydanticCustomError("period.format", "no period: {value}", {"value": label}) from exc
    return label


# Checked by the domain's own rule, so the message names the forms a period takes; the document shows its pattern.
Period = Annotated[
    str,
    AfterValidator(_period),
    Field(description="2026, 2026-H1, 2026-Q3 or 2026-07 (Beijing time)", json_schema_extra={"pattern": PERIOD_PATTERN}),
]


class EvaluationQuery(Strict):
    period: Period
    subdistrict_id: RowId | None = Field(None, description="your own when left out (a county admin: the county's first)")


class CountyEvaluationQuery(Strict):
    period: Period | None = Field(None, description="the current quarter when left out")


class PublishIn(Strict):
    period: Period
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


class StandbyFigures(BaseModel):
    """What it did when a warning asked how many people it could send (备勤); warnings are never drills."""

    polls: int = Field(description="teams and warnings asked (asking the same team again is the same poll)")
    answered: int = Field(description="polls answered")
    answered_share: float | None = Field(description="answered / polls")
    median_answer_s: float | None = Field(description="first ask → first answer")
    ready: int = Field(description="people said ready: each answered poll's last answer, summed")


class ScorecardFigures(BaseModel):
    real: ResponseFigures
    drill: ResponseFigures
    training_hours: float = Field(description="person-hours of training attended")
    upheld_complaints: int
    standby: StandbyFigures | None = Field(None, description="none in a copy published before standby was evaluated")
    answered_share: float | None = Field(
        None, description="real offers answered (accepted or declined) and standby polls answered, over both"
    )


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


class SubdistrictSummaryOut(BaseModel):
    subdistrict: Ref
    summary: SummaryFigures


class CountyEvaluationOut(BaseModel):
    """A county administrator's view: each subdistrict's summary beside the others, and the county's."""

    period: str
    starts_on: date
    ends_on: date = Field(description="the first day after the period")
    summary: SummaryFigures = Field(description="the county's organizations taken together")
    subdistricts: list[SubdistrictSummaryOut]
