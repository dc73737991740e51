"""Field types and small models shared by every schema."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
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
PersonName = Annotated[str, Field(min_length=1, max_length=50)]  # the length of the name columns of people
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-.]+$")]
CellCode = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-.]+$")]

FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")


def _written_as(pattern: re.Pattern[str], code: str):
    """JSON has no dates, only text in RFC 3339 form: pydantic alone would also read ``0`` as 1970-01-01."""

    def check(value: Any) -> Any:
        if isinstance(value, date) or (isinstance(value, str) and pattern.fullmatch(value)):
            return value
        raise PydanticCustomError(code, "must be written as RFC 3339 text")

    return check


IsoDate = Annotated[date, BeforeValidator(_written_as(FULL_DATE, "date_type"))]


def _in_range(value: datetime) -> datetime:
    """A time whose UTC falls outside the years 1–9999 (9999-12-31T23:59:59-12:00) cannot be stored or compared."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is a time out of range") from None
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_written_as(DATE_TIME, "datetime_type")), AfterValidator(_in_range)]


def _a_number(code: str):
    """JSON has numbers: ``"5"`` is text and ``true`` a truth, which pydantic alone would read as 5 and 1. An integer
    written ``500.0`` is still a number (JSON Schema's integers include it)."""

    def check(value: Any) -> Any:
        if isinstance(value, bool | str):
            raise PydanticCustomError(code, "must be a number")
        return value

    return check


JsonInt = Annotated[int, BeforeValidator(_a_number("int_type"))]

ROW_ID_MAX = 2**31 - 1
"""Rows are numbered in PostgreSQL ``integer`` columns: a larger number names no row, and PostgreSQL would refuse it."""
RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
Cursor = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]


class KeyedHeaders(BaseModel):
    """The headers of a request an ``Idempotency-Key`` makes safe to send again (a double click, a retry)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def idempotency_key_header(does: str) -> Any:
    """The ``Idempotency-Key`` header's field: the same key ``does`` (``"posts one need"``) once, however often sent."""
    return Field(
        None,
        alias="Idempotency-Key",
        max_length=100,
        pattern=r"^[ -~]+$",  # printable ASCII, as any client's keys (UUIDs, random tokens) are
        description=f"the same key {does}, however often it is sent",
    )


class Strict(BaseModel):
    """Input models refuse unknown fields, trim text, and refuse text no database can store."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if not storable(value):
            raise PydanticCustomError("text.unstorable", "text with NUL or an unpaired surrogate cannot be stored")
        if turns_text_around(value):
            raise PydanticCustomError("text.direction_control", "text with a bidirectional override cannot be shown safely")
        return value


# Embeddings, overrides and isolates of the Unicode bidirectional algorithm: one of them in a description turns the rest
# of an SMS, a voice script or a page around ("…abc反。2按请绝拒"), so text carrying them is refused.
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def turns_text_around(value: Any) -> bool:
    """True when some text in the value (nested lists and objects, keys too) holds a bidirectional control character."""
    if isinstance(value, str):
        return not value.isascii() and not DIRECTION_CONTROLS.isdisjoint(value)
    if isinstance(value, dict):
        return any(turns_text_around(key) or turns_text_around(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(turns_text_around(item) for item in value)
    return False


def storable(value: Any) -> bool:
    """False when some text in the value (nested lists and objects, keys too) holds NUL, which PostgreSQL refuses,
    or an unpaired surrogate, which is no UTF-8."""
    if isinstance(value, str):
        return "\x00" not in value and (value.isascii() or _utf8(value))
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return all(storable(item) for item in value)
    return True


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _null_only_where_taken(schema: dict[str, Any], model: type[Patch]) -> None:
    """The document offers ``null`` only to the fields that take it: the others refuse it (``_no_null_for_required``)."""
    for name, field_schema in schema.get("properties", {}).items():
        if name in model.nullable or "anyOf" not in field_schema:
            continue
        kept = [branch for branch in field_schema.pop("anyOf") if branch != {"type": "null"}]
        field_schema.update(kept[0] if len(kept) == 1 else {"anyOf": kept})
        if field_schema.get("default", 0) is None:
            del field_schema["default"]


class Patch(Strict):
    """A partial update: a field left out stays as it is; ``null`` is refused for fields that cannot be empty."""

    model_config = ConfigDict(json_schema_extra=_null_only_where_taken)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Patch:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None and name not in self.nullable]
        if nulls:
            raise PydanticCustomError("null_not_allowed", "{fields} cannot be null", {"fields": ", ".join(sorted(nulls))})
        return self


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


class PhonesQuery(Strict):
    phones: Literal["full"] | None = Field(
        None,
        description="full: phone numbers in full for whoever may see them (recorded in the security audit); masked otherwise",
    )


class PageQuery(Strict):
    page: int = Field(1, ge=1, le=ROW_ID_MAX)
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
