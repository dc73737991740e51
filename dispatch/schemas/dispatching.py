"""Incidents, needs, offers and the event log, as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, StrictBool

from dispatch.domain.assignments import AssignmentState
from dispatch.domain.incidents import DispatchPolicy, IncidentCategory, IncidentLevel, IncidentStatus, NeedStatus, Priority
from dispatch.domain.recovery import NeedKind
from dispatch.schemas.common import (
    Code,
    Cursor,
    IsoDateTime,
    JsonInt,
    PageQuery,
    PointIn,
    PointOut,
    Ref,
    RowId,
    Strict,
)
from dispatch.schemas.navigation import MapLinkOut


class IncidentIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    category: IncidentCategory
    level: IncidentLevel
    subdistrict_id: RowId | None = Field(None, description="the lead subdistrict; a duty officer's own when left out")
    area: dict[str, Any] | None = Field(
        None, description="GeoJSON Polygon or MultiPolygon (WGS-84); its grid cells are marked affected"
    )
    drill: StrictBool = False


class IncidentQuery(PageQuery):
    status: IncidentStatus | None = None
    drill: bool | None = None
    subdistrict_id: RowId | None = Field(None, description="only those led by this subdistrict (a county admin's board)")


class IncidentStatusIn(Strict):
    status: IncidentStatus


class IncidentOut(BaseModel):
    id: int
    title: str
    category: IncidentCategory
    level: IncidentLevel
    subdistrict: Ref
    status: IncidentStatus
    drill: bool
    escalated: bool
    affected_cells: list[Ref]
    needs: list[int]
    created_at: datetime
    closed_at: datetime | None


class NeedIn(Strict):
    skills: list[Code] = Field(min_length=1, max_length=5)
    head_count: JsonInt = Field(ge=1, le=1000)
    location: PointIn | None = Field(None, description="where: a point (say its coordinate system) or an address")
    address: str | None = Field(None, max_length=200)
    priority: Priority = Priority.NORMAL
    window_start: IsoDateTime | None = None
    window_end: IsoDateTime | None = None
    description: str = Field("", max_length=2000)
    policy: DispatchPolicy = DispatchPolicy.BROADCAST
    broadcast_k: JsonInt = Field(3, ge=1, le=20, description="offers out at once under the broadcast policy")
    offer_timeout_s: JsonInt = Field(600, ge=30, le=86_400, description="seconds a leader has to answer")
    radius_km: float | None = Field(None, gt=0, le=200, description="ask organizations within this distance; none: all")


class CandidateOut(BaseModel):
    organization: Ref
    score: float
    parts: dict[str, float]
    distance_m: float
    free: int
    reason: str
    offered: AssignmentState | None = Field(description="the state of this organization's offer for the need, if any")


class TaskOut(BaseModel):
    """What the offer asks for, as a leader's phone shows it."""

    skills: list[str] = Field(description="skill names in the caller's language")
    still_needed: int
    head_count: int
    priority: Priority
    address: str
    place_name: str = Field(
        description="where, as a local person says it: the address given, or community · grid cell，nearest landmark or road"
    )
    location: PointOut
    description: str
    incident_title: str
    kind: NeedKind = Field(description="response work, or recovery work (the leader logs progress on it)")
    navigation: list[MapLinkOut] = Field(description="导航: the place in each map app, in the coordinates that app reads")


class AssignmentOut(BaseModel):
    id: int
    need_id: int
    incident_id: int
    organization: Ref
    organization_base: PointOut | None = Field(description="where the organization is based (WGS-84), for the map")
    distance_m: float | None = Field(description="metres from the organization's base to the place; none without a base")
    state: AssignmentState
    head_count: int
    short_code: str
    rank: int
    reason: str
    offered_at: datetime
    deadline: datetime
    answered_at: datetime | None
    note: str
    drill: bool
    task: TaskOut


class NeedOut(BaseModel):
    id: int
    incident_id: int
    skills: list[str]
    head_count: int
    accepted: int
    still_needed: int
    priority: Priority
    location: PointOut
    address: str
    place_name: str = Field(
        description="where, as a local person says it: the address given, or community · grid cell，nearest landmark or road"
    )
    cell: Ref | None
    window_start: datetime | None
    window_end: datetime | None
    description: str
    policy: DispatchPolicy
    broadcast_k: int
    offer_timeout_s: int
    radius_km: float | None
    status: NeedStatus
    kind: NeedKind
    assignments: list[AssignmentOut]
    created_at: datetime


class WidenIn(Strict):
    radius_km: float | None = Field(gt=0, le=200, description="the new, larger radius; null asks the whole jurisdiction")


class AcceptIn(Strict):
    head_count: int = Field(ge=1, le=1000)  # the one-tap page's form sends it as text


class ReasonIn(Strict):
    reason: str = Field("", max_length=200)


class ProgressIn(Strict):
    note: str = Field("", max_length=200)
    people: int | None = Field(None, ge=0, le=1000, description="how many came (on completing)")


class OfferIn(Strict):
    organization_id: RowId


class EventQuery(Strict):
    after: Cursor = Field(0, description="the last event id you saw")
    limit: int = Field(200, ge=1, le=500)


class EventOut(BaseModel):
    id: int
    kind: str
    at: datetime
    incident_id: int | None
    need_id: int | None
    assignment_id: int | None
    organization_id: int | None
    drill: bool
    data: dict[str, Any]


class AssignmentQuery(PageQuery):
    state: AssignmentState | None = None
    past: bool | None = Field(
        None, description="true: only those over (completed, declined, expired, withdrawn, aborted, cancelled); false: the rest"
    )
