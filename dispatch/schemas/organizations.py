"""Organizations and their members, as the API and the CSV import read and write them."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from dispatch.domain.registry import ManagingBody, OrgStatus
from dispatch.schemas.common import (
    Code,
    CreditCode,
    IsoDate,
    IsoDateTime,
    Mobile,
    Name,
    PageQuery,
    Patch,
    PersonName,
    PhonesQuery,
    PointIn,
    PointOut,
    Ref,
    RowId,
    Strict,
)


class SkillCapacityIn(Strict):
    code: Code
    capacity: int = Field(ge=1, le=10_000, description="people the organization can send for this skill")


class OrganizationIn(Strict):
    name: Name
    status: OrgStatus
    credit_code: CreditCode | None = Field(None, description="统一社会信用代码, required when registered")
    community_id: RowId
    cell_ids: list[RowId] = Field(default_factory=list, max_length=500, description="grid cells it serves")
    base: PointIn | None = None
    skills: list[SkillCapacityIn] = Field(min_length=1, max_length=40)
    leader_name: PersonName
    leader_phone: Mobile
    active: StrictBool = True


class OrganizationPatch(Patch):
    nullable = frozenset({"credit_code"})

    name: Name | None = None
    status: OrgStatus | None = None
    credit_code: CreditCode | None = None
    community_id: RowId | None = None
    cell_ids: list[RowId] | None = Field(None, max_length=500)
    base: PointIn | None = None
    skills: list[SkillCapacityIn] | None = Field(None, min_length=1, max_length=40)
    leader_name: PersonName | None = None
    leader_phone: Mobile | None = None


class OrganizationQuery(PageQuery, PhonesQuery):
    status: OrgStatus | None = None
    skill: Code | None = None
    community_id: RowId | None = None
    subdistrict_id: RowId | None = None
    active: bool | None = None
    q: str | None = Field(None, max_length=50, description="part of the name")


class SkillCapacityOut(BaseModel):
    code: str
    label: str
    capacity: int


class OrganizationOut(BaseModel):
    id: int
    name: str
    status: OrgStatus
    managing_body: ManagingBody
    credit_code: str | None
    community: Ref
    subdistrict: Ref
    cells: list[Ref]
    base: PointOut | None
    skills: list[SkillCapacityOut]
    leader_name: str
    leader_phone: str = Field(description="E.164, masked (138****1234) for viewers who do not need it")
    active: bool
    member_count: int
    created_at: datetime
    updated_at: datetime


class CertificationIn(Strict):
    skill: Code
    expires_on: IsoDate
    issued_on: IsoDate | None = None
    issuer: str = Field("", max_length=100)

    @model_validator(mode="after")
    def _expires_after_issue(self) -> CertificationIn:
        if self.issued_on is not None and self.expires_on <= self.issued_on:
            raise PydanticCustomError(
                "certification.expires_before_issued",
                "expires {expires_on} before it is issued {issued_on}",
                {"expires_on": self.expires_on.isoformat(), "issued_on": self.issued_on.isoformat()},
            )
        return self


class MemberIn(Strict):
    name: PersonName
    phone: Mobile
    skills: list[Code] = Field(default_factory=list, max_length=40)
    certifications: list[CertificationIn] = Field(default_factory=list, max_length=40)


class MemberPatch(Patch):
    name: PersonName | None = None
    phone: Mobile | None = None
    skills: list[Code] | None = Field(None, max_length=40)
    certifications: list[CertificationIn] | None = Field(None, max_length=40)


class CertificationOut(BaseModel):
    skill: str
    issuer: str
    issued_on: date | None
    expires_on: date
    valid: bool


class MemberOut(BaseModel):
    id: int
    organization_id: int
    name: str
    phone: str
    skills: list[str]
    certifications: list[CertificationOut]


class MemberDutyIn(Strict):
    member_ids: list[RowId] = Field(min_length=1, max_length=500, description="members of the organization")
    on_duty: StrictBool = Field(description="true: on duty (在岗); false: off duty (休息)")
    until: IsoDateTime | None = Field(
        None, description="off duty only until then (a future time); without it, until stood on again"
    )

    @model_validator(mode="after")
    def _until_only_off_duty(self) -> MemberDutyIn:
        if self.on_duty and self.until is not None:
            raise PydanticCustomError("duty.until_on_duty", "until is for members going off duty")
        return self


class MemberDutyOut(BaseModel):
    id: int
    name: str
    on_duty: bool = Field(description="on duty now: stood on, or off only until a time that has passed")
    off_until: datetime | None = Field(description="when an off-duty member is back on duty by themselves")
    duty_changed_at: datetime | None
