"""A plan task as the need it posts: its need fields checked as the needs API checks them, its place found where
the plan may mobilize (a grid cell, a community, a landmark or an address becomes a point; a point goes as written),
and its designated organizations found by name. Every problem is placed on the plan's line, when the plan is saved
as when it starts: an address nobody can find, or one in a neighbour's streets, is said while the officer writes.

Saving asks one thing more (``designation_problems``): that each designated organization offers the task's skills,
since the ranking never offers a need to a team without them. Starting does not: a team that dropped a skill since is
simply not asked, and the rest of the plan goes out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select

from dispatch.domain.plans.document import PlanDocument, PlanTask
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Landmark, Organization, OrganizationSkill, Skill, Subdistrict
from dispatch.schemas.common import PointIn
from dispatch.schemas.dispatching import NeedIn
from dispatch.services.errors import FieldError, field_errors
from dispatch.services.registry.geography import places
from dispatch.services.registry.skills import skill_cache
from geo.coords import to_wgs84
from geo.geocoder import Geocoder, GeocodeResult


@dataclass(frozen=True)
class Territory:
    """Where a plan may mobilize: a subdistrict's plan its subdistrict, a county plan the whole county."""

    county_id: int
    subdistrict_id: int | None

    def places(self, query, subdistrict_column):
        if self.subdistrict_id is not None:
            return query.where(subdistrict_column == self.subdistrict_id)
        return query.join(Subdistrict, subdistrict_column == Subdistrict.id).where(Subdistrict.county_id == self.county_id)


@dataclass(frozen=True)
class TaskNeed:
    """What starting a task posts: the need as the API reads it, and the designated organizations' ids in order."""

    task: PlanTask
    need: NeedIn
    designated: tuple[int, ...]


def task_needs(document: PlanDocument, territory: Territory) -> tuple[list[TaskNeed], list[FieldError]]:
    """Every task's need, or the problems (on their lines) that stop the plan from being kept or started."""
    points = {**_points(document.tasks, territory), **_addresses(document.tasks, territory)}
    organizations = _organizations(document.tasks, territory)
    found, errors = [], []
    for task in document.tasks:
        need, problems = _need(task, points, territory)
        problems += [
            FieldError(_designated_field(task, i), "plan.unknown_organization", {"name": name}, _designated_line(task, i))
            for i, name in enumerate(task.designated)
            if organizations.get(name) is None
        ]
        problems += [
            FieldError(_designated_field(task, i), "plan.ambiguous_organization", {"name": name}, _designated_line(task, i))
            for i, name in enumerate(task.designated)
            if organizations.get(name) == AMBIGUOUS
        ]
        if problems:
            errors += problems
        elif need is not None:
            found.append(TaskNeed(task, need, tuple(organizations[name] for name in task.designated)))
    return found, errors


AMBIGUOUS = -1


@dataclass(frozen=True)
class Unplaced:
    """Why a named place gives no point the plan may use: a message code and its parameters."""

    code: str
    params: dict[str, Any]


def designation_problems(found: list[TaskNeed]) -> list[FieldError]:
    """Each designated organization that does not offer every skill of its task (the ranking would never ask it),
    on its line, naming the skills it lacks."""
    ids = {org_id for task_need in found for org_id in task_need.designated}
    if not ids:
        return []
    offered: dict[int, set[str]] = {}
    query = select(OrganizationSkill.organization_id, Skill.code).join(Skill, OrganizationSkill.skill_id == Skill.id)
    for org_id, code in db.session.execute(query.where(OrganizationSkill.organization_id.in_(ids))):
        offered.setdefault(org_id, set()).add(code)
    problems = []
    for task_need in found:
        for index, org_id in enumerate(task_need.designated):
            if lacking := [code for code in dict.fromkeys(task_need.need.skills) if code not in offered.get(org_id, set())]:
                problems.append(_lacking(task_need.task, index, lacking))
    return problems


def _lacking(task: PlanTask, index: int, codes: list[str]) -> FieldError:
    known = skill_cache().by_codes(codes)
    params = {
        "name": task.designated[index],
        "skills_zh": "、".join(known[code].label_zh if code in known else code for code in codes),
        "skills_en": ", ".join(known[code].label_en if code in known else code for code in codes),
    }
    return FieldError(_designated_field(task, index), "plan.designated_lacks_skills", params, _designated_line(task, index))


def _designated_field(task: PlanTask, index: int) -> str:
    return f"{task.where}.designated[{index + 1}]"


def _designated_line(task: PlanTask, index: int) -> int:
    return task.designated_lines[index] if index < len(task.designated_lines) else task.line


def _need(
    task: PlanTask, points: dict[tuple[str, str], tuple[float, float] | Unplaced | None], territory: Territory
) -> tuple[NeedIn | None, list[FieldError]]:
    """The task's need with its place as the needs API takes one, or what is wrong with it."""
    values: dict[str, Any] = dict(task.need)
    place, problems = task.place, []
    key = (place.kind, str(place.value))
    if place.kind == "address":
        values["address"] = place.value  # what the officers and the leaders read; the point is where it is
    if place.kind == "location":
        values["location"] = place.value
        if (outside := _outside(place.value, territory)) is not None:
            problems.append(FieldError(f"{task.where}.place", outside, {}, place.line or task.line))
    elif isinstance(point := points.get(key), tuple):
        values["location"] = {"lon": point[0], "lat": point[1]}
    else:
        unplaced = point or (
            Unplaced("plan.ambiguous_landmark", {}) if key in points else Unplaced(f"plan.unknown_{place.kind}", {})
        )
        params = {"value": place.value, **unplaced.params}
        problems.append(FieldError(f"{task.where}.place", unplaced.code, params, place.line or task.line))
    try:
        need = NeedIn.model_validate(values)
    except ValidationError as exc:
        return None, problems + [
            replace(e, field=f"{task.where}.need.{e.field}", row=task.line_of(e.field.split(".")[0])) for e in field_errors(exc)
        ]
    known = skill_cache().by_codes(need.skills)
    problems += [
        FieldError(f"{task.where}.need.skills", "skill.unknown", {"code": code}, task.line_of("skills"))
        for code in need.skills
        if code not in known
    ]
    return (None if problems else need), problems


def _outside(point: object, territory: Territory) -> str | None:
    """Why a written point is no place for the plan's needs (None when it is one): not a point, or not in a grid cell
    where the plan may mobilize."""
    try:
        found = PointIn.model_validate(point)
    except ValidationError:
        return None  # NeedIn says what is wrong with it
    return None if _inside(*to_wgs84(found.lon, found.lat, found.system), territory) else "plan.place_outside"


def _inside(lon: float, lat: float, territory: Territory) -> bool:
    """Whether a WGS-84 point is in a grid cell where the plan may mobilize."""
    cell = places().cells.cell_at(lon, lat)
    inside = cell is not None and cell.county_id == territory.county_id
    return inside and (territory.subdistrict_id is None or cell.subdistrict_id == territory.subdistrict_id)


def _addresses(tasks: tuple[PlanTask, ...], territory: Territory) -> dict[tuple[str, str], tuple[float, float] | Unplaced]:
    """The point of every address the tasks give, as the needs page would find it (the online geocoder when there is
    one, the gazetteer always), or why there is none the plan may use."""
    wanted = {str(task.place.value) for task in tasks if task.place.kind == "address"}
    if not wanted:
        return {}
    geocoder = Geocoder(places().gazetteer, current_app.extensions.get("dispatch.online_geocoder"))
    return {("address", address): _address_point(geocoder.geocode(address), territory) for address in wanted}


def _address_point(result: GeocodeResult, territory: Territory) -> tuple[float, float] | Unplaced:
    if result.found and _inside(result.lon, result.lat, territory):
        return (result.lon, result.lat)
    if result.found:
        return Unplaced("plan.address_outside", {"name": result.name or ""})
    close = [m.place.name for m in result.suggestions if _inside(m.place.lon, m.place.lat, territory)]
    return Unplaced("plan.unknown_address", {"suggestions": "、".join(dict.fromkeys(close))})


def _points(tasks: tuple[PlanTask, ...], territory: Territory) -> dict[tuple[str, str], tuple[float, float] | Unplaced | None]:
    """The point of every cell, community and landmark the tasks name, where the plan may mobilize (one query each
    kind): a cell's representative point, a community's the middle of its cells' (as the gazetteer places it), a
    landmark's own (None for a name two landmarks there share; Unplaced for one only a neighbour has)."""
    wanted: dict[str, set[str]] = {"cell": set(), "community": set(), "landmark": set()}
    for task in tasks:
        if task.place.kind in wanted:
            wanted[task.place.kind].add(str(task.place.value))
    points: dict[tuple[str, str], tuple[float, float] | Unplaced | None] = {}
    if wanted["cell"] or wanted["community"]:
        query = select(GridCell.code, Community.code, GridCell.geometry).join(Community, GridCell.community_id == Community.id)
        query = territory.places(query, Community.subdistrict_id).where(
            GridCell.code.in_(wanted["cell"]) | Community.code.in_(wanted["community"])
        )
        rows = db.session.execute(query).all()
        inside = shapely.from_geojson(np.array([row[2] for row in rows], dtype=object)) if rows else []
        by_community: dict[str, list] = {}
        for (cell_code, community_code, _geometry), shape in zip(rows, inside, strict=True):
            point = shape.representative_point()
            if cell_code in wanted["cell"]:
                points[("cell", cell_code)] = (point.x, point.y)
            by_community.setdefault(community_code, []).append(point)
        for code, members in by_community.items():
            if code in wanted["community"]:
                points[("community", code)] = (float(np.mean([p.x for p in members])), float(np.mean([p.y for p in members])))
    if wanted["landmark"]:
        query = select(Landmark.name_zh, Landmark.lon, Landmark.lat).where(
            Landmark.county_id == territory.county_id, Landmark.name_zh.in_(wanted["landmark"])
        )
        outside = Unplaced("plan.landmark_outside", {})
        for name, lon, lat in db.session.execute(query):
            key, inside = ("landmark", name), _inside(lon, lat, territory)
            if not inside:
                points.setdefault(key, outside)  # a landmark of a neighbour's: said so, unless one here has the name
            elif isinstance(points.get(key), tuple):
                points[key] = None  # two of one name here: say which
            elif key not in points or points[key] is outside:
                points[key] = (lon, lat)
    return points


def _organizations(tasks: tuple[PlanTask, ...], territory: Territory) -> dict[str, int]:
    """The designated organizations by name, where the plan may mobilize: an id, or AMBIGUOUS for a name two share."""
    names = {name for task in tasks for name in task.designated}
    if not names:
        return {}
    query = select(Organization.name, Organization.id).join(Community, Organization.community_id == Community.id)
    query = territory.places(query, Community.subdistrict_id).where(Organization.name.in_(names))
    found: dict[str, int] = {}
    for name, org_id in db.session.execute(query):
        found[name] = AMBIGUOUS if name in found else org_id
    return found
