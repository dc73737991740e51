"""Field types and small models shared by every schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from dispatch.domain.credit_code import InvalidCreditCode, normalize_credit_code
from dispatch.domain.phone import InvalidPhone, to_e164
from geo.coords import CoordSystem


def _credit_code(value: str) -> str:
    try:
        return normalize_credit_code(value)
    except InvalidCreditCode as exc:
        raise PydanticCustomError(f"credit_code.{exc.reason}", "invalid credit code: {reason}", {"reason": exc.reason}) from exc


def _mobile(value: str) -> str:
    try:
        return to_e164(value)
    except InvalidPhone as exc:
        raise PydanticCustomError(f"phone.{exc.reason}", "invalid phone number: {reason}", {"reason": exc.reason}) from exc


CreditCode = Annotated[str, AfterValidator(_credit_code)]
Mobile = Annotated[str, Field(max_length=30), AfterValidator(_mobile)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-.]+$")]


class Strict(BaseModel):
    """Input models refuse unknown fields and trim text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PointIn(Strict):
    lon: float = Field(ge=-180, le=180, description="longitude")
    lat: float = Field(ge=-90, le=90, description="latitude")
    system: CoordSystem = Field(
        CoordSystem.WGS84, description="coordinate system of lon/lat: wgs84, gcj02 (AMap, Tencent) or bd09 (Baidu)"
    )


class PointOut(BaseModel):
    lon: float = Field(description="WGS-84 longitude")
    lat: float = Field(description="WGS-84 latitude")


class Ref(BaseModel):
    id: int
    code: str | None = None
    name: str


class PageQuery(Strict):
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class FieldErrorOut(BaseModel):
    field: str
    code: str
    message: str
    row: int | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    errors: list[FieldErrorOut] = []


class ErrorOut(BaseModel):
    error: ErrorBody


class Timestamps(BaseModel):
    created_at: datetime
    updated_at: datetime
