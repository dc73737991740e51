"""Places and grid cells as the API reads and writes them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from dispatch.domain.registry import SubdistrictKind
from dispatch.schemas.common import CellCode, Mobile, Name, PageQuery, Patch, PhonesQuery, Ref, RowId, Strict


class CellIn(Strict):
    code: CellCode
    name: Name
    community_id: RowId
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon in WGS-84")
    worker_name: str = Field("", max_length=50)
    worker_phone: Mobile | None = None


class CellPatch(Patch):
    nullable = frozenset({"worker_phone"})

    name: Name | None = None
    geometry: dict[str, Any] | None = None
    worker_name: str | None = Field(None, max_length=50)
    worker_phone: Mobile | None = None


class CellQuery(PageQuery, PhonesQuery):
    community_id: RowId | None = None
    subdistrict_id: RowId | None = None
    q: str | None = Field(None, max_length=50)


class CellOut(BaseModel):
    id: int
    code: str
    name: str
    community: Ref
    geometry: dict[str, Any]
    worker_name: str
    worker_phone: str | None
    repairs: list[str] = Field(default_factory=list, description="what was repaired in the submitted geometry")


class SubdistrictOut(BaseModel):
    id: int
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: SubdistrictKind
    county: Ref


class CommunityOut(BaseModel):
    id: int
    code: str
    name: str
    subdistrict: Ref


class SkillOut(BaseModel):
    code: str
    label_zh: str
    label_en: str
    needs_certification: bool


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    county_id: int | None
    subdistrict_id: int | None
    organization_id: int | None
    cell_ids: list[int]
    language: str
