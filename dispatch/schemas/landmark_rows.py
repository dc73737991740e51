"""CSV rows of landmarks and roads (地标、道路), with the Chinese column names and kinds Excel users write."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dispatch.schemas.common import Name, Strict
from dispatch.schemas.rows import _drop_blanks
from geo.coords import CoordSystem
from geo.nearby import LandmarkKind

LANDMARK_COLUMNS = {
    "名称": "name", "地名": "name", "英文名称": "name_en", "英文名": "name_en", "类型": "kind", "种类": "kind",
    "经度": "lon", "纬度": "lat", "坐标系": "coord_system", "走向": "line", "线路": "line",
}  # fmt: skip
LANDMARK_REQUIRED = {"name", "kind", "lon", "lat"}
KIND_WORDS = {"地标": "landmark", "道路": "road", "路": "road"}
MAX_LINE_POINTS = 200


class LandmarkRow(Strict):
    name: Name
    name_en: str = Field("", max_length=100)
    kind: LandmarkKind
    # No range here: the importer's check_point tells swapped coordinates from out-of-range ones.
    lon: float
    lat: float
    coord_system: CoordSystem = CoordSystem.WGS84
    line: list[tuple[float, float]] = Field([], description="a road's course: lon lat; lon lat; ... (the same system)")

    _blanks = model_validator(mode="before")(_drop_blanks)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        value = KIND_WORDS.get(value.strip(), value.strip().lower()) if isinstance(value, str) else value
        if value not in {k.value for k in LandmarkKind}:
            raise PydanticCustomError("landmark_kind.unknown", "the kind must be 地标 or 道路 (landmark or road)")
        return value

    @field_validator("line", mode="before")
    @classmethod
    def _line(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            points = [tuple(float(n) for n in pair.replace(",", " ").split()) for pair in value.split(";") if pair.strip()]
        except ValueError:
            points = []
        if len(points) < 2 or len(points) > MAX_LINE_POINTS or any(len(p) != 2 for p in points):
            raise PydanticCustomError("landmark_line.invalid", "a road's course is 2 to 200 points: lon lat; lon lat")
        return points
