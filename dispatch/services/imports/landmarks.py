"""Import landmarks and roads (地标、道路) that messages name a need's place by, from CSV rows, all or nothing.

Each row is one landmark or road of the uploader's county: name, kind (地标/landmark or 道路/road), a point
(lon, lat) and, for a road, optionally its course. A (kind, name) already stored is updated: re-importing a
corrected file is the way to move a landmark. A (kind, name) twice in one file is an error on the later line.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Landmark, Subdistrict
from dispatch.schemas.landmark_rows import LandmarkRow
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.imports.batch import ChunkWriter, ImportReport, Progress, UniqueKeys, finish, ticking, validated
from dispatch.services.registry.geography import cells_changed, places
from dispatch.services.registry.places import county_extent, within_margin
from geo.coords import to_wgs84
from geo.geojson import check_point


class LandmarkImport:
    """``subdistrict_id`` set (a duty officer's import): every point must lie in that subdistrict's cells and a
    landmark already stored may be moved only if it lies there too; other subdistricts' place names stay theirs."""

    def __init__(self, county_id: int, subdistrict_id: int | None = None) -> None:
        self.county_id = county_id
        self.subdistrict_id = subdistrict_id
        self.cells = places().cells if subdistrict_id is not None else None
        self.extent = county_extent(county_id)
        stored = db.session.scalars(select(Landmark).where(Landmark.county_id == county_id))
        self.stored = {(m.kind.value, m.name_zh): m for m in stored}
        self.names = UniqueKeys("name", set())
        self.errors: list[FieldError] = []
        self.created = {"landmarks": 0, "landmarks_updated": 0}

    def run(self, rows: Iterable[tuple[int, dict[str, str]]], progress: Progress | None = None) -> ImportReport:
        writer = ChunkWriter(self._write, self.errors, progress)
        for line, row in validated(ticking(rows, writer), LandmarkRow, self.errors):
            if (values := self._resolve(line, row)) is not None:
                writer.add(values)
        writer.flush()
        finish(self.errors)
        return ImportReport(created=self.created)

    def _resolve(self, line: int, row: LandmarkRow) -> dict | None:
        problems: list[FieldError] = []
        point = self._point(line, "lon", row, (row.lon, row.lat), problems)
        course = [self._point(line, "line", row, vertex, problems) for vertex in row.line]
        if problem := self.names.problem((row.kind.value, row.name), row.name, line):
            problems.append(problem)
        stored = self.stored.get((row.kind.value, row.name))
        if stored is not None and not self._ours(stored.lon, stored.lat):
            problems.append(FieldError("name", "landmark.not_yours", {}, line))
        self.errors.extend(problems)
        if problems:
            return None
        values = {"kind": row.kind, "name_zh": row.name, "name_en": row.name_en, "lon": point[0], "lat": point[1]}
        return values | {"line": [list(vertex) for vertex in course] or None}

    def _point(self, line: int, field: str, row: LandmarkRow, point: tuple[float, float], problems: list[FieldError]):
        if code := check_point(*point):
            problems.append(FieldError(field, code, {}, line))
            return point
        lon, lat = to_wgs84(*point, row.coord_system)
        if self.extent and not within_margin(self.extent, lon, lat):
            problems.append(FieldError(field, "outside_county", {}, line))
        elif field == "lon" and not self._ours(lon, lat):
            problems.append(FieldError(field, "outside_subdistrict", {}, line))
        return lon, lat

    def _ours(self, lon: float, lat: float) -> bool:
        """Whether the importer may name this point: anywhere in the county, or in the officer's own subdistrict."""
        return self.cells is None or self.cells.subdistrict_of(lon, lat) == self.subdistrict_id

    def _write(self, chunk: list[dict]) -> None:
        for values in chunk:
            found = self.stored.get((values["kind"].value, values["name_zh"]))
            if found is None:
                db.session.add(Landmark(county_id=self.county_id, **values))
                self.created["landmarks"] += 1
            else:
                for name, value in values.items():
                    setattr(found, name, value)
                self.created["landmarks_updated"] += 1
        db.session.flush()


def import_landmarks(
    rows: Iterable[tuple[int, dict[str, str]]],
    progress: Progress | None = None,
    actor: Actor | None = None,
    county_id: int | None = None,
) -> ImportReport:
    """Import landmarks and roads into the actor's county (or ``county_id`` when run without one, as the demo seed
    does), all or nothing; raises ImportFailed listing every bad row."""
    subdistrict_id = None
    if actor is not None:
        require(actor, Action.CREATE, Resource.CELL)
        county_id = _county_of(actor)
        subdistrict_id = actor.subdistrict_id if actor.role is Role.DUTY_OFFICER else None
    if county_id is None:
        raise InvalidInput([FieldError("county", "scope.unknown", {"field": "county", "value": None})])
    report = LandmarkImport(county_id, subdistrict_id).run(rows, progress)
    cells_changed()
    return report


def _county_of(actor: Actor) -> int | None:
    if actor.county_id is not None:
        return actor.county_id
    return db.session.scalar(select(Subdistrict.county_id).where(Subdistrict.id == actor.subdistrict_id))
