"""Training sessions, attendance and expiring certificates, as the API reads and writes them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from dispatch.schemas.common import Code, IsoDate, PageQuery, Ref, RowId, Strict


class TrainingIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    organizer: str = Field(min_length=1, max_length=100, description="the organizing department; it issues the certificates")
    held_on: IsoDate
    hours: float = Field(gt=0, le=200)
    skill: Code | None = Field(None, description="the skill trained")
    certificate_months: int | None = Field(
        None, ge=1, le=120, description="attendees earn a certificate of the skill valid this many months; none: no certificate"
    )
    subdistrict_id: RowId | None = Field(None, description="a duty officer's own when left out")

    @model_validator(mode="after")
    def _certificate_needs_a_skill(self) -> TrainingIn:
        if self.certificate_months is not None and self.skill is None:
            raise PydanticCustomError("training.certificate_without_skill", "a certificate needs the skill it certifies")
        return self


class AttendeesIn(Strict):
    member_ids: list[RowId] = Field(min_length=1, max_length=500)


class AttendeeOut(BaseModel):
    member_id: int
    name: str
    organization: Ref
    certificate_expires_on: date | None


class TrainingOut(BaseModel):
    id: int
    title: str
    organizer: str
    held_on: date
    hours: float
    skill: Ref | None
    certificate_months: int | None
    subdistrict: Ref
    attendees: list[AttendeeOut] = Field(description="for a leader, only their own organization's")


class TrainingQuery(PageQuery):
    pass


class ExpiringQuery(Strict):
    days: int = Field(30, ge=1, le=365)


class ExpiringCertificateOut(BaseModel):
    member_id: int
    member_name: str
    skill: Ref
    expires_on: date
    issuer: str


class ExpiringOut(BaseModel):
    organization: Ref
    certificates: list[ExpiringCertificateOut]


class ReminderOut(BaseModel):
    organization: Ref
    certificates: int
    sent: bool = Field(description="false when a reminder went to the leader earlier today already")
