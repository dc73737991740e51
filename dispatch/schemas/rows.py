"""CSV rows of the registry, with the Chinese column names and values Excel users write."""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dispatch.domain.registry import OrgStatus
from dispatch.schemas.common import Code, CreditCode, Mobile, Name, PersonName, Strict
from geo.coords import CoordSystem

ORGANIZATION_COLUMNS = {
    "名称": "name", "组织名称": "name", "类型": "status", "状态": "status", "管理类型": "status",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code", "社区代码": "community_code",
    "服务网格": "cell_codes", "网格": "cell_codes", "经度": "base_lon", "纬度": "base_lat",
    "坐标系": "coord_system", "技能": "skills", "负责人": "leader_name", "负责人姓名": "leader_name",
    "负责人手机": "leader_phone", "手机": "leader_phone", "在册": "active", "启用": "active",
}  # fmt: skip
ORGANIZATION_REQUIRED = {"name", "status", "community_code", "skills", "leader_name", "leader_phone"}

MEMBER_COLUMNS = {
    "社区代码": "community_code", "组织名称": "organization_name", "组织": "organization_name",
    "姓名": "name", "手机": "phone", "电话": "phone", "技能": "skills", "证书": "certifications",
}  # fmt: skip
MEMBER_REQUIRED = {"community_code", "organization_name", "name", "phone"}

# People's names are stored in 50 characters, organizations' in 100.
ISSUER_LENGTH = 100

STATUS_WORDS = {"登记": "registered", "备案": "filed", "指导": "guided", "群众活动团体": "guided"}
YES_NO = {"是": True, "否": False, "在册": True, "暂停": False, "y": True, "n": False}


def _drop_blanks(data: Any) -> Any:
    """A blank cell is a value not given: a required column then reads "is required" (not "must be text"),
    an optional one takes its default."""
    return {k: v for k, v in data.items() if v != "" and v is not None} if isinstance(data, dict) else data


class SkillCapacityRow(Strict):
    skill: str = Field(min_length=1, max_length=40)
    capacity: int = Field(ge=1, le=10_000)


class OrganizationRow(Strict):
    name: Name
    status: OrgStatus
    credit_code: CreditCode | None = None
    community_code: Code
    cell_codes: list[Code] = []
    # No range here: the importer's check_point tells swapped coordinates from out-of-range ones.
    base_lon: float | None = None
    base_lat: float | None = Field(None, validate_default=True)
    coord_system: CoordSystem = CoordSystem.WGS84
    skills: list[SkillCapacityRow] = Field(min_length=1)
    leader_name: PersonName
    leader_phone: Mobile
    active: bool = True

    _blanks = model_validator(mode="before")(_drop_blanks)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        # Our own code, so the message lists the Chinese words people type, not just the enum values.
        value = STATUS_WORDS.get(value, value) if isinstance(value, str) else value
        if value not in {s.value for s in OrgStatus}:
            raise PydanticCustomError("status.unknown", "status must be 登记, 备案 or 指导")
        return value

    @field_validator("active", mode="before")
    @classmethod
    def _active(cls, value: Any) -> Any:
        return YES_NO.get(value.lower(), value) if isinstance(value, str) else value

    @field_validator("cell_codes", mode="before")
    @classmethod
    def _cells(cls, value: Any) -> Any:
        return split_list(value) if isinstance(value, str) or value is None else value

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, value: Any) -> Any:
        return parse_skill_capacities(value) if isinstance(value, str) else value

    @field_validator("base_lat")
    @classmethod
    def _both_coordinates(cls, lat: float | None, info: ValidationInfo) -> float | None:
        # A field validator (not a model one) so the error names a column; skipped when the longitude is itself bad.
        if "base_lon" in info.data and (info.data["base_lon"] is None) != (lat is None):
            raise PydanticCustomError("coordinates.incomplete", "longitude and latitude go together")
        return lat


def parse_skill_capacities(text: str) -> list[dict[str, Any]]:
    """``rescue:10;first_aid:4`` (or ``抢险救援：10``) into skill/capacity pairs."""
    pairs = []
    for part in split_list(text):
        skill, sep, capacity = part.replace("：", ":").rpartition(":")
        if not sep or not skill.strip():
            raise PydanticCustomError("skills.format", "skills read code:capacity")
        pairs.append({"skill": skill.strip(), "capacity": capacity.strip()})
    return pairs


class MemberRow(Strict):
    community_code: Code
    organization_name: Name
    name: PersonName
    phone: Mobile
    skills: list[str] = []
    certifications: list[dict[str, Any]] = []

    _blanks = model_validator(mode="before")(_drop_blanks)

    @field_validator("skills", mode="before")
    @classmethod
    def _skills(cls, value: Any) -> Any:
        return split_list(value) if isinstance(value, str) or value is None else value

    @field_validator("certifications", mode="before")
    @classmethod
    def _certificates(cls, value: Any) -> Any:
        return parse_certifications(value) if isinstance(value, str) or value is None else value


def parse_certifications(text: str | None) -> list[dict[str, Any]]:
    """``first_aid:2027-05-01:杭州市红十字会;...`` into certificates (the issuer is optional)."""
    from datetime import date

    certificates = []
    for part in split_list(text):
        fields = part.replace("：", ":").split(":", 2)
        if len(fields) < 2:
            raise PydanticCustomError("certification.format", "a certificate reads skill:expires[:issuer]")
        try:
            expires = date.fromisoformat(fields[1].strip())
        except ValueError as exc:
            raise PydanticCustomError("date_parsing", "not a date") from exc
        issuer = fields[2].strip() if len(fields) > 2 else ""
        if len(issuer) > ISSUER_LENGTH:
            raise PydanticCustomError("string_too_long", "the issuer is too long", {"max_length": ISSUER_LENGTH})
        certificates.append({"skill": fields[0].strip(), "expires_on": expires, "issuer": issuer})
    return certificates


def split_list(text: str | None) -> list[str]:
    """Split ``a;b``, ``a；b``, ``a、b`` or ``a|b`` into trimmed parts."""
    if not text:
        return []
    for separator in ("；", "、", "|"):
        text = text.replace(separator, ";")
    return [part.strip() for part in text.split(";") if part.strip()]
