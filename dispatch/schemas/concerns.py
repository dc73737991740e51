"""Complaints about organizations and risks reported from the ground, as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dispatch.domain.complaints import ComplaintStatus
from dispatch.domain.registry import ManagingBody
from dispatch.domain.risks import RiskCategory, RiskStatus
from dispatch.schemas.common import PageQuery, PointIn, PointOut, Ref, RowId, Strict
from dispatch.schemas.dispatching import NeedIn


class ComplaintIn(Strict):
    organization_id: RowId = Field(description="the organization complained about")
    summary: str = Field(min_length=1, max_length=2000, description="what happened")
    incident_id: RowId | None = Field(None, description="the incident it happened in, if any")
    contact: str = Field("", max_length=100, description="how to reach the complainant with the outcome (never published)")


class DecisionIn(Strict):
    outcome: Literal[ComplaintStatus.UPHELD, ComplaintStatus.DISMISSED]
    note: str = Field("", max_length=2000)


class ComplaintQuery(PageQuery):
    status: ComplaintStatus | None = None


class ComplaintOut(BaseModel):
    id: int
    organization: Ref
    managing_body: ManagingBody
    incident_id: int | None
    summary: str
    contact: str | None = Field(description="for the managing body only")
    status: ComplaintStatus
    outcome_note: str
    decided_at: datetime | None
    created_at: datetime


class RiskIn(Strict):
    category: RiskCategory
    location: PointIn | None = Field(None, description="where: a point (say its coordinate system) or an address")
    address: str | None = Field(None, max_length=200)
    note: str = Field("", max_length=2000)


class RiskQuery(PageQuery):
    status: RiskStatus | None = None


class RiskOut(BaseModel):
    id: int
    category: RiskCategory
    location: PointOut
    address: str
    cell: Ref
    subdistrict: Ref
    note: str
    status: RiskStatus
    incident_id: int | None
    need_id: int | None
    handled_note: str
    created_at: datetime


class RiskNeedIn(NeedIn):
    """Post a need for the risk, at its place unless another is given."""

    incident_id: RowId


class DismissIn(Strict):
    note: str = Field("", max_length=2000)
