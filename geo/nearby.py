"""Reverse lookup: the name a local person gives a WGS-84 point.

A point is named by where it lies and what it lies near: the community and grid cell containing it
("翠苑一区 · 第3网格": the community without its "社区", the cell without the community's name in front), then the
nearest landmark or road the gazetteer knows ("文一西路附近"), as in "翠苑一区 · 第3网格，文一西路附近". Within ``NEAR_M`` the point is "near" the landmark; farther, up to
``FAR_M``, it is given as a compass direction and distance from it ("黄龙体育中心东北约1.2公里"); farther still
the landmark says nothing a person could use and is left out.

A road is nearest by its distance to its line when it has one (a polyline of WGS-84 points), else to its point.
Distances are measured on a local flat projection around the point, good to well under 1 % within ``FAR_M``.
Every name is given in Chinese and in English; an English name that is not known is the Chinese one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

import numpy as np

from geo.cells import GridIndex
from geo.gazetteer import Place

__all__ = ["FAR_M", "NEAR_M", "LandmarkKind", "PlaceName", "PlaceNamer", "area_name"]

NEAR_M = 500.0
FAR_M = 3_000.0
_METRES_PER_DEGREE_LAT = 111_320.0
_COMMUNITY_SUFFIX = "社区"
_DIRECTIONS_ZH = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
_DIRECTIONS_EN = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


class LandmarkKind(str, Enum):
    """What a named point people steer by is: a landmark (a building, park, campus) or a road."""

    LANDMARK = "landmark"
    ROAD = "road"


@dataclass(frozen=True)
class PlaceName:
    """A point's name in Chinese and in English (the Chinese names where no English one is known)."""

    zh: str
    en: str

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class _Nearest:
    place: Place
    metres: float
    bearing_deg: float  # from the landmark to the point, clockwise from north


class PlaceNamer:
    """Names points from a grid index and the gazetteer's places (immutable; build a new one when places change).

    ``places`` may hold any kinds: ``grid_cell`` and ``community`` places name the cells (by ``ref_id`` = the cell's
    and the community's id), ``landmark`` and ``road`` places are what a point lies near; others are ignored.
    """

    def __init__(self, cells: GridIndex, places: Iterable[Place]) -> None:
        self._cells = cells
        self._names: dict[tuple[str, object], Place] = {}
        self._landmarks: list[Place] = []
        for place in places:
            if place.kind in ("grid_cell", "community"):
                self._names[(place.kind, place.ref_id)] = place
            elif place.kind in (LandmarkKind.LANDMARK.value, LandmarkKind.ROAD.value):
                self._landmarks.append(place)
        # Each landmark's extent (its line's, or its point), so a query measures only those that may lie within reach.
        extents = [_extent(place) for place in self._landmarks]
        self._extents = np.array(extents, dtype=float).reshape(len(extents), 4)

    def describe(self, lon: float, lat: float) -> PlaceName:
        """The point's name: "community · cell，near landmark"; an empty name when nothing is known around it."""
        area_zh, area_en = self._area(lon, lat)
        near_zh, near_en = _near_phrase(self.nearest(lon, lat))
        return PlaceName(_joined(area_zh, near_zh, "，"), _joined(area_en, near_en, ", "))

    def nearest(self, lon: float, lat: float) -> _Nearest | None:
        """The landmark or road nearest the point within ``FAR_M``, or None."""
        found = None
        for place in self._within_reach(lon, lat):
            metres, bearing = _distance_and_bearing(lon, lat, place)
            if metres <= FAR_M and (found is None or (metres, place.name) < (found.metres, found.place.name)):
                found = _Nearest(place, metres, bearing)
        return found

    def _within_reach(self, lon: float, lat: float) -> list[Place]:
        """Landmarks whose extent comes within ``FAR_M`` of the point (a generous box: the exact test comes after)."""
        d_lat = FAR_M / _METRES_PER_DEGREE_LAT * 1.01
        d_lon = d_lat / max(math.cos(math.radians(abs(lat) + d_lat)), 1e-6)
        west, south, east, north = self._extents.T
        near = (west <= lon + d_lon) & (east >= lon - d_lon) & (south <= lat + d_lat) & (north >= lat - d_lat)
        return [self._landmarks[i] for i in np.flatnonzero(near)]

    def _area(self, lon: float, lat: float) -> tuple[str, str]:
        cell = self._cells.cell_at(lon, lat)
        if cell is None:
            return "", ""
        community = self._names.get(("community", cell.community_id))
        cell_place = self._names.get(("grid_cell", cell.id))
        community_zh, community_en = (community.name, community.name_en) if community else ("", "")
        cell_name = cell_place.name if cell_place else ""
        return area_name(community_zh, cell_name), area_name(community_zh, cell_name, community_en)


def area_name(community: str, cell: str, community_en: str = "") -> str:
    """The community and grid cell as people say them: "翠苑一区 · 第3网格" for 翠苑一区社区's cell 翠苑一区社区第3网格;
    with ``community_en``, the English form ("Cuiyuan 1st · 第3网格"). Either may be empty."""
    short = _short_community(community) if community else ""
    return _joined(community_en or short, _within(cell, community) if cell else "", " · ")


def _extent(place: Place) -> tuple[float, float, float, float]:
    points = place.line or ((place.lon, place.lat),)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def _short_community(name: str) -> str:
    """ "翠苑一区社区" as people say it: "翠苑一区" (a village, "村口村", keeps its name)."""
    short = name.removesuffix(_COMMUNITY_SUFFIX)
    return short if len(short) >= 2 else name


def _within(cell_name: str, community_name: str) -> str:
    """A cell's name without its community's in front ("翠苑一区社区第3网格" in 翠苑一区社区 is "第3网格")."""
    for prefix in (community_name, _short_community(community_name)):
        rest = cell_name.removeprefix(prefix).lstrip(" ·-—") if prefix else cell_name
        if rest and rest != cell_name:
            return rest
    return cell_name


def _joined(first: str, second: str, separator: str) -> str:
    return separator.join(part for part in (first, second) if part)


def _near_phrase(nearest: _Nearest | None) -> tuple[str, str]:
    if nearest is None:
        return "", ""
    zh, en = nearest.place.name, nearest.place.name_en or nearest.place.name
    if nearest.metres <= NEAR_M:
        return f"{zh}附近", f"near {en}"
    sector = int(((nearest.bearing_deg + 22.5) % 360) // 45)
    km = f"{nearest.metres / 1000:.1f}"
    return f"{zh}{_DIRECTIONS_ZH[sector]}约{km}公里", f"{km} km {_DIRECTIONS_EN[sector]} of {en}"


def _distance_and_bearing(lon: float, lat: float, place: Place) -> tuple[float, float]:
    """Metres from the point to the place (its line if it has one) and the bearing from that nearest spot."""
    scale_x = _METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))

    def local(p_lon: float, p_lat: float) -> tuple[float, float]:
        return (p_lon - lon) * scale_x, (p_lat - lat) * _METRES_PER_DEGREE_LAT

    line = place.line or ((place.lon, place.lat),)
    points = [local(*vertex) for vertex in line]
    segments = list(pairwise(points)) or [(points[0], points[0])]
    x, y = min((_closest_on_segment(a, b) for a, b in segments), key=lambda p: math.hypot(*p))
    # The vector (x, y) points from the query point to the landmark; the bearing asked is the other way round.
    return math.hypot(x, y), math.degrees(math.atan2(-x, -y)) % 360


def _closest_on_segment(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    """The point of segment a-b closest to the origin (the query point, in local metres)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(a[0] * dx + a[1] * dy) / length2))
    return a[0] + t * dx, a[1] + t * dy
