"""A plan task as the need it posts: its need fields checked as the needs API checks them, its place found where
the plan may mobilize (a grid cell, a community or a landmark becomes a point; an address or a point goes as
written), and its designated organizations found by name. Every problem is placed on the plan's line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from pydantic import ValidationError
from sqlalchemy import select

from dispatch.domain.plans.document import PlanDocument, PlanTask
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Landmark, Organization, Subdistrict
from dispatch.schemas.common import PointIn
from dispatch.schemas.dispatching import NeedIn
from dispatch.services.errors import FieldError, field_errors
from dispatch.services.registry.geography import places
from dispatch.services.registry.skills import skill_cache
from geo.coords import to_wgs84


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
    points = _points(document.tasks, territory)
    organizations = _organizations(document.tasks, territory)
    found, errors = [], []
    for task in document.tasks:
        need, problems = _need(task, points, territory)
        problems += [
            FieldError(f"{task.where}.designated", "plan.unknown_organization", {"name": name}, _designated_line(task, i))
            for i, name in enumerate(task.designated)
            if organizations.get(name) is None
        ]
        problems += [
            FieldError(f"{task.where}.designated", "plan.ambiguous_organization", {"name": name}, _designated_line(task, i))
            for i, name in enumerate(task.designated)
            if organizations.get(name) == AMBIGUOUS
        ]
        if problems:
            errors += problems
        elif need is not None:
            found.append(TaskNeed(task, need, tuple(organizations[name] for name in task.designated)))
    return found, errors


AMBIGUOUS = -1


def _designated_line(task: PlanTask, index: int) -> int:
    return task.designated_lines[index] if index < len(task.designated_lines) else task.line


def _need(
    task: PlanTask, points: dict[tuple[str, str], tuple[float, float] | None], territory: Territory
) -> tuple[NeedIn | None, list[FieldError]]:
    """The task's need with its place as the needs API takes one, or what is wrong with it."""
    values: dict[str, Any] = dict(task.need)
    place, problems = task.place, []
    if place.kind == "address":
        values["address"] = place.value
    elif place.kind == "location":
        values["location"] = place.value
        if (outside := _outside(place.value, territory)) is not None:
            problems.append(FieldError(f"{task.where}.place", outside, {}, place.line or task.line))
    elif (point := points.get((place.kind, str(place.value)))) is not None:
        values["location"] = {"lon": point[0], "lat": point[1]}
    elif (place.kind, str(place.value)) in points:
        problems.append(
            FieldError(f"{task.where}.place", "plan.ambiguous_landmark", {"value": place.value}, place.line or task.line)
        )
    else:
        problems.append(
            FieldError(f"{task.where}.place", f"plan.unknown_{place.kind}", {"value": place.value}, place.line or task.line)
        )
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
    lon, lat = to_wgs84(found.lon, found.lat, found.system)
    cell = places().cells.cell_at(lon, lat)
    inside = cell is not None and cell.county_id == territory.county_id
    inside = inside and (territory.subdistrict_id is None or cell.subdistrict_id == territory.subdistrict_id)
    return None if inside else "plan.place_outside"


def _points(tasks: tuple[PlanTask, ...], territory: Territory) -> dict[tuple[str, str], tuple[float, float] | None]:
    """The point of every cell, community and landmark the tasks name, where the plan may mobilize (one query each
    kind): a cell's representative point, a community's the middle of its cells' (as the gazetteer places it), a
    landmark's own."""
    wanted: dict[str, set[str]] = {"cell": set(), "community": set(), "landmark": set()}
    for task in tasks:
        if task.place.kind in wanted:
            wanted[task.place.kind].add(str(task.place.value))
    points: dict[tuple[str, str], tuple[float, float] | None] = {}
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
        for name, lon, lat in db.session.execute(query):
            points[("landmark", name)] = None if ("landmark", name) in points else (lon, lat)  # two of one name: say which
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
