"""GeoJSON polygon checks: accept, repair or reject uploaded areas (WGS-84 lon/lat).

``check_polygons`` takes a FeatureCollection, a Feature or a bare geometry (dict
or JSON text) and returns, per feature, either a shapely (Multi)Polygon with the
repairs it needed or an error with a stable reason code the app translates.

Repairs (codes in ``CheckedPolygon.repairs``):
  * ``closed_ring``: a ring whose last position differs from its first is closed;
  * ``reoriented``: rings are turned to RFC 7946 order (exterior counter-clockwise,
    holes clockwise);
  * ``made_valid``: a self-intersecting polygon is rebuilt by ``shapely.make_valid``,
    kept only if the result is still a (Multi)Polygon of non-trivial area.

Coordinates must be WGS-84 (lon, lat) degrees inside China; a position that lands
in China only when lon and lat are swapped is reported as ``coordinates_swapped``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geo.coords import in_china

__all__ = [
    "CheckedPolygon",
    "ErrorCode",
    "GeoJsonError",
    "PolygonCheck",
    "Repair",
    "check_point",
    "check_polygons",
    "to_geojson",
]


class ErrorCode(str, Enum):
    """Stable reason codes for rejected input; the app translates them."""

    MALFORMED_JSON = "malformed_json"
    NOT_GEOJSON = "not_geojson"
    NOT_A_POLYGON = "not_a_polygon"
    EMPTY_GEOMETRY = "empty_geometry"
    SELF_INTERSECTION_UNREPAIRABLE = "self_intersection_unrepairable"
    TOO_FEW_POINTS = "too_few_points"
    COORDINATES_OUT_OF_RANGE = "coordinates_out_of_range"
    OUTSIDE_CHINA = "outside_china"
    COORDINATES_SWAPPED = "coordinates_swapped"
    INVALID_COORDINATES = "invalid_coordinates"


class Repair(str, Enum):
    """Codes for what was repaired in an accepted feature."""

    REORIENTED = "reoriented"
    CLOSED_RING = "closed_ring"
    MADE_VALID = "made_valid"


# Below this a repaired polygon is a sliver, not an area (~1 m² at Zhejiang's latitude).
MIN_AREA_DEG2 = 1e-10
_GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection"}


@dataclass(frozen=True)
class CheckedPolygon:
    """An accepted feature: WGS-84 geometry, its properties and the repairs made."""

    index: int
    geometry: Polygon | MultiPolygon
    properties: dict[str, Any]
    repairs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GeoJsonError:
    """A rejected feature (``index``) or document (``index`` None), with an English detail."""

    index: int | None
    code: str
    detail: str


@dataclass(frozen=True)
class PolygonCheck:
    """The outcome of ``check_polygons``: accepted features and errors, in input order."""

    features: list[CheckedPolygon]
    errors: list[GeoJsonError]

    @property
    def ok(self) -> bool:
        """True when at least one feature was accepted and nothing was rejected."""
        return bool(self.features) and not self.errors

    def union(self) -> Polygon | MultiPolygon | None:
        """All accepted features merged into one WGS-84 geometry, or None if there are none."""
        if not self.features:
            return None
        return shapely.union_all([f.geometry for f in self.features])


class _RejectedError(Exception):
    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def check_point(lon: Any, lat: Any) -> str | None:
    """Why a WGS-84 (lon, lat) degree pair cannot be a place in China, or None if it can.

    Returns "invalid_coordinates" (not finite numbers), "coordinates_swapped" (in
    China only with lon and lat exchanged), "coordinates_out_of_range" or
    "outside_china".
    """
    if not (_is_number(lon) and _is_number(lat)):
        return ErrorCode.INVALID_COORDINATES.value
    in_range = -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0
    if in_range and in_china(lon, lat):
        return None
    if in_china(lat, lon):
        return ErrorCode.COORDINATES_SWAPPED.value
    if not in_range:
        return ErrorCode.COORDINATES_OUT_OF_RANGE.value
    return ErrorCode.OUTSIDE_CHINA.value


def check_polygons(data: dict[str, Any] | str | bytes) -> PolygonCheck:
    """Check GeoJSON (dict or JSON text) holding Polygon/MultiPolygon features in WGS-84.

    Accepts a FeatureCollection, a Feature or a bare geometry. Each feature is
    either accepted (possibly repaired) or rejected with its index and a code.
    """
    try:
        items = _split(_load(data))
    except _RejectedError as rejected:
        return PolygonCheck([], [GeoJsonError(None, rejected.code.value, rejected.detail)])
    features: list[CheckedPolygon] = []
    errors: list[GeoJsonError] = []
    for index, item in enumerate(items):
        try:
            features.append(_check_feature(index, item))
        except _RejectedError as rejected:
            errors.append(GeoJsonError(index, rejected.code.value, rejected.detail))
    return PolygonCheck(features, errors)


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry (WGS-84) as a GeoJSON geometry dict, rings in RFC 7946 order."""
    return json.loads(shapely.to_geojson(shapely.orient_polygons(geometry)))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _load(data: dict[str, Any] | str | bytes) -> Any:
    if isinstance(data, (str, bytes)):
        try:
            return json.loads(data)
        except ValueError as exc:
            raise _RejectedError(ErrorCode.MALFORMED_JSON, f"not valid JSON: {exc}") from exc
    return data


def _split(doc: Any) -> list[Any]:
    """The document as a list of Feature-like dicts, one per input feature."""
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise _RejectedError(ErrorCode.NOT_GEOJSON, "FeatureCollection without a 'features' list")
        if not features:
            raise _RejectedError(ErrorCode.EMPTY_GEOMETRY, "FeatureCollection has no features")
        return features
    if kind == "Feature":
        return [doc]
    if kind in {"Polygon", "MultiPolygon"} | _GEOMETRY_TYPES:
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise _RejectedError(ErrorCode.NOT_GEOJSON, f"not a GeoJSON object (type {kind!r})")


def _check_feature(index: int, feature: Any) -> CheckedPolygon:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _RejectedError(ErrorCode.NOT_GEOJSON, "item is not a GeoJSON Feature")
    properties = feature.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    polygons = _polygon_coordinates(feature.get("geometry"))
    repairs: list[str] = []
    shells = [_parse_polygon(rings, repairs) for rings in polygons]
    geometry, more_repairs = _build(shells)
    return CheckedPolygon(index, geometry, properties, _dedupe(repairs + more_repairs))


def _polygon_coordinates(geometry: Any) -> list[Any]:
    """The list of polygons (each a list of rings) of a Polygon or MultiPolygon geometry."""
    if geometry is None:
        raise _RejectedError(ErrorCode.EMPTY_GEOMETRY, "feature has no geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in _GEOMETRY_TYPES:
        raise _RejectedError(ErrorCode.NOT_A_POLYGON, f"geometry is a {kind}, not a Polygon or MultiPolygon")
    if kind not in {"Polygon", "MultiPolygon"}:
        raise _RejectedError(ErrorCode.NOT_GEOJSON, f"unknown geometry type {kind!r}")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        raise _RejectedError(ErrorCode.INVALID_COORDINATES, "geometry has no 'coordinates' list")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not polygons or not all(isinstance(rings, list) and rings for rings in polygons):
        raise _RejectedError(ErrorCode.EMPTY_GEOMETRY, f"{kind} has no rings")
    return polygons


def _parse_polygon(rings: list[Any], repairs: list[str]) -> list[list[tuple[float, float]]]:
    return [_parse_ring(ring, repairs) for ring in rings]


def _parse_ring(ring: Any, repairs: list[str]) -> list[tuple[float, float]]:
    if not isinstance(ring, list):
        raise _RejectedError(ErrorCode.INVALID_COORDINATES, "a ring is not a list of positions")
    points = [_parse_position(position) for position in ring]
    if points and points[0] != points[-1]:
        points.append(points[0])
        repairs.append(Repair.CLOSED_RING.value)
    distinct = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(distinct) < 4:
        raise _RejectedError(ErrorCode.TOO_FEW_POINTS, f"a ring has {max(len(distinct) - 1, 0)} distinct points, needs 3")
    return points


def _parse_position(position: Any) -> tuple[float, float]:
    if not isinstance(position, (list, tuple)) or len(position) < 2:
        raise _RejectedError(ErrorCode.INVALID_COORDINATES, f"position {position!r} is not [lon, lat]")
    lon, lat = position[0], position[1]
    code = check_point(lon, lat)
    if code is not None:
        raise _RejectedError(ErrorCode(code), _point_detail(code, lon, lat))
    return float(lon), float(lat)


def _point_detail(code: str, lon: Any, lat: Any) -> str:
    details = {
        ErrorCode.INVALID_COORDINATES: "is not a pair of finite numbers",
        ErrorCode.COORDINATES_SWAPPED: "is in China only with longitude and latitude swapped",
        ErrorCode.COORDINATES_OUT_OF_RANGE: "is outside longitude -180..180 / latitude -90..90",
        ErrorCode.OUTSIDE_CHINA: "is outside China",
    }
    return f"position [{lon!r}, {lat!r}] {details[ErrorCode(code)]}"


def _build(polygons: list[list[list[tuple[float, float]]]]) -> tuple[Polygon | MultiPolygon, list[str]]:
    """Shapely geometry from parsed rings, made valid and RFC 7946-oriented if needed."""
    parts = [Polygon(rings[0], rings[1:]) for rings in polygons]
    geometry = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    if not geometry.is_valid:
        _holes_inside_their_rings(parts)
        return _made_valid(geometry), [Repair.MADE_VALID.value]
    if geometry.area < MIN_AREA_DEG2:  # valid but a sliver: nearly collinear points enclose no usable area
        raise _RejectedError(
            ErrorCode.EMPTY_GEOMETRY, f"the polygon encloses no usable area ({geometry.area:.1e} square degrees)"
        )
    oriented = shapely.orient_polygons(geometry)
    repairs = [] if oriented.equals_exact(geometry, 0.0) else [Repair.REORIENTED.value]
    return oriented, repairs


def _holes_inside_their_rings(parts: list[Polygon]) -> None:
    """A hole reaching outside its outer ring is refused, not repaired: the repair would make the hole an area of its
    own and the cell grow to cover it (a 0.001° cell became one 10 km across, taking points from its neighbours)."""
    for part in parts:
        minx, miny, maxx, maxy = part.exterior.bounds
        for hole in part.interiors:
            hminx, hminy, hmaxx, hmaxy = hole.bounds
            if hminx < minx or hminy < miny or hmaxx > maxx or hmaxy > maxy:
                raise _RejectedError(
                    ErrorCode.SELF_INTERSECTION_UNREPAIRABLE,
                    "a hole reaches outside its outer ring: a repair would grow the polygon",
                )


def _made_valid(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    repaired = shapely.make_valid(geometry)
    polygonal = [p for p in shapely.get_parts(repaired) if isinstance(p, (Polygon, MultiPolygon))]
    result = shapely.union_all(polygonal) if polygonal else Polygon()
    if not isinstance(result, (Polygon, MultiPolygon)) or result.area < MIN_AREA_DEG2:
        raise _RejectedError(
            ErrorCode.SELF_INTERSECTION_UNREPAIRABLE,
            f"invalid polygon ({shapely.is_valid_reason(geometry)}) has no usable area after repair",
        )
    return shapely.orient_polygons(result)


def _dedupe(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))
