"""Import places and grid cells from a GeoJSON FeatureCollection of cell polygons.

Each feature is one grid cell; its properties name the cell and the places above it, which are created
when missing: ``county_code``, ``county_name``, ``subdistrict_code``, ``subdistrict_name``,
``subdistrict_kind`` (street/township), ``community_code``, ``community_name``, ``code``, ``name``,
and optionally ``worker_name``, ``worker_phone`` and ``*_name_en``. A cell whose code is already stored
is updated (re-importing a corrected file is the normal way to fix a polygon).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field, ValidationError
from sqlalchemy import insert, select

from dispatch.domain.registry import SubdistrictKind
from dispatch.extensions import db
from dispatch.models import Community, County, GridCell, Subdistrict
from dispatch.personal_data.keys import phone_hash
from dispatch.schemas.common import CellCode, Code, Mobile, Name, Strict
from dispatch.services.errors import FieldError, field_errors
from dispatch.services.imports.batch import ChunkWriter, ImportReport, Progress, finish
from dispatch.services.registry.cells import set_geometry
from dispatch.services.registry.geography import cells_changed
from geo.geojson import check_polygons, to_geojson

# Codes no longer than their columns, so PostgreSQL never has to refuse one halfway through an import.
PlaceCode = Annotated[Code, Field(max_length=12)]
CommunityCode = Annotated[Code, Field(max_length=20)]


class CellProperties(Strict):
    county_code: PlaceCode
    county_name: Name
    county_name_en: str = Field("", max_length=100)
    subdistrict_code: PlaceCode
    subdistrict_name: Name
    subdistrict_name_en: str = Field("", max_length=100)
    subdistrict_kind: SubdistrictKind = SubdistrictKind.STREET
    community_code: CommunityCode
    community_name: Name
    community_name_en: str = Field("", max_length=100)
    code: CellCode
    name: Name
    worker_name: str = Field("", max_length=50)
    worker_phone: Mobile | None = None


class PlaceImport:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.counties = {c.code: c for c in db.session.scalars(select(County))}
        self.subdistricts = {s.code: s for s in db.session.scalars(select(Subdistrict))}
        self.communities = {c.code: c for c in db.session.scalars(select(Community))}
        self.stored_cells = dict(db.session.execute(select(GridCell.code, GridCell.id)).all())
        self.seen: dict[str, int] = {}
        self.created = {"counties": 0, "subdistricts": 0, "communities": 0, "cells": 0, "cells_updated": 0, "repaired": 0}

    def run(self, parts: Iterable[tuple[int, Any]], progress: Progress | None = None) -> ImportReport:
        writer = ChunkWriter(self._write, self.errors, progress)
        for first, part in parts:
            self._check(first, part, writer)
        writer.flush()
        finish(self.errors)
        return ImportReport(created=self.created)

    def _check(self, first: int, part: Any, writer: ChunkWriter) -> None:
        """One part of the document, whose first feature is the file's ``first`` (0-based)."""
        check = check_polygons(part)
        self.errors.extend(FieldError("geometry", e.code, {"detail": e.detail}, _row(e.index, first)) for e in check.errors)
        for feature in check.features:
            writer.tick()
            if (cell := self._resolve(feature, _row(feature.index, first))) is not None:
                writer.add(cell)

    def _resolve(self, feature, row: int) -> dict | None:
        try:
            props = CellProperties.model_validate(feature.properties or {})
        except ValidationError as exc:
            self.errors.extend(field_errors(exc, row=row))
            return None
        if props.code in self.seen:
            self.errors.append(
                FieldError("code", "duplicate_feature", {"value": props.code, "other_row": self.seen[props.code]}, row)
            )
            return None
        self.seen[props.code] = row
        self.created["repaired"] += bool(feature.repairs)
        return {"props": props, "geometry": feature.geometry}

    def _write(self, chunk: list[dict]) -> None:
        new_cells = []
        for item in chunk:
            community = self._community(item["props"])
            if item["props"].code in self.stored_cells:
                self._update(item, community)
            else:
                new_cells.append(_cell_values(item, community.id))
        if new_cells:
            db.session.execute(insert(GridCell), new_cells)
            self.created["cells"] += len(new_cells)

    def _update(self, item: dict, community: Community) -> None:
        cell = db.session.get(GridCell, self.stored_cells[item["props"].code])
        props = item["props"]
        cell.name, cell.community, cell.worker_name, cell.worker_phone = (
            props.name,
            community,
            props.worker_name,
            props.worker_phone,
        )
        set_geometry(cell, item["geometry"])
        self.created["cells_updated"] += 1

    def _community(self, p: CellProperties) -> Community:
        county = self._get_or_add(
            self.counties,
            p.county_code,
            "counties",
            lambda: County(code=p.county_code, name_zh=p.county_name, name_en=p.county_name_en),
        )
        subdistrict = self._get_or_add(
            self.subdistricts,
            p.subdistrict_code,
            "subdistricts",
            lambda: Subdistrict(
                code=p.subdistrict_code,
                name_zh=p.subdistrict_name,
                name_en=p.subdistrict_name_en,
                kind=p.subdistrict_kind,
                county=county,
            ),
        )
        return self._get_or_add(
            self.communities,
            p.community_code,
            "communities",
            lambda: Community(
                code=p.community_code, name_zh=p.community_name, name_en=p.community_name_en, subdistrict=subdistrict
            ),
        )

    def _get_or_add(self, known: dict, code: str, counter: str, build):
        if code not in known:
            known[code] = build()
            db.session.add(known[code])
            db.session.flush()
            self.created[counter] += 1
        return known[code]


def _row(index: int | None, first: int = 0) -> int | None:
    """Features are reported 1-based, like lines, so people can count them in their editor or GIS tool."""
    return None if index is None else first + index + 1


def _cell_values(item: dict, community_id: int) -> dict:
    props, geometry = item["props"], item["geometry"]
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return {
        "community_id": community_id,
        "code": props.code,
        "name": props.name,
        "geometry": json.dumps(to_geojson(geometry), separators=(",", ":")),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "worker_name": props.worker_name,
        "worker_phone": props.worker_phone,
        "worker_phone_hash": phone_hash(props.worker_phone),  # a bulk insert passes by the model's own hashing
    }


def import_places(data: Any, progress: Progress | None = None) -> ImportReport:
    """Import cells (and the places above them) all-or-nothing; raises ImportFailed listing every bad feature."""
    return import_place_parts([(0, data)], progress)


def import_place_parts(parts: Iterable[tuple[int, Any]], progress: Progress | None = None) -> ImportReport:
    """``import_places`` from a document read in parts, each (index of its first feature, a GeoJSON document), so a
    province's file is never held whole (``GeoJsonFile.parts``); still one transaction, still every bad feature."""
    report = PlaceImport().run(parts, progress)
    cells_changed()
    return report
