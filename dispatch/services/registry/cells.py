"""Grid cells (网格): scoped reads, and create or update with their polygon checked by ``geo``."""

from __future__ import annotations

import json

from sqlalchemy import select

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Community, GridCell
from dispatch.schemas.places import CellIn, CellPatch, CellQuery
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.registry.geography import cells_changed, places
from dispatch.services.registry.places import county_extent, within_margin
from dispatch.services.scoping import cell_clause, community_clause
from geo.geojson import check_polygons, to_geojson

OVERLAP_TOLERATED = 0.01


def list_cells(actor: Actor, query: CellQuery) -> tuple[list[GridCell], int]:
    require(actor, Action.READ, Resource.CELL)
    where = [cell_clause(actor)]
    if query.community_id is not None:
        where.append(GridCell.community_id == query.community_id)
    if query.subdistrict_id is not None:
        where.append(GridCell.community.has(Community.subdistrict_id == query.subdistrict_id))
    if query.q:
        where.append(GridCell.name.contains(query.q, autoescape=True) | GridCell.code.contains(query.q, autoescape=True))
    return page_of(GridCell, where, GridCell.code, query)


def get_cell(actor: Actor, cell_id: int) -> GridCell:
    require(actor, Action.READ, Resource.CELL)
    cell = db.session.scalar(select(GridCell).where(GridCell.id == cell_id, cell_clause(actor)))
    if cell is None:
        raise NotFound()
    return cell


def create_cell(actor: Actor, data: CellIn) -> tuple[GridCell, list[str]]:
    """Add a cell; returns it with the list of repairs made to its polygon (``reoriented``, ``made_valid``…)."""
    require(actor, Action.CREATE, Resource.CELL)
    community = db.session.scalar(select(Community).where(Community.id == data.community_id, community_clause(actor)))
    geometry, repairs, errors = checked_geometry(data.geometry)
    if community is None:
        errors.insert(0, FieldError("community_id", "community.unknown", {"value": data.community_id}))
    elif geometry is not None:
        errors.extend(placement_errors(geometry, community.subdistrict.county_id))
    if errors:
        raise InvalidInput(errors)
    if db.session.scalar(select(GridCell.id).where(GridCell.code == data.code)):
        raise Conflict([FieldError("code", "duplicate", {"value": data.code})])
    cell = GridCell(
        code=data.code, name=data.name, community=community, worker_name=data.worker_name, worker_phone=data.worker_phone
    )
    set_geometry(cell, geometry)
    db.session.add(cell)
    db.session.commit()
    cells_changed()
    return cell, repairs


def update_cell(actor: Actor, cell_id: int, patch: CellPatch) -> tuple[GridCell, list[str]]:
    require(actor, Action.EDIT, Resource.CELL)
    cell = get_cell(actor, cell_id)
    changes = patch.model_dump(exclude_unset=True)
    repairs: list[str] = []
    if "geometry" in changes:
        geometry, repairs, errors = checked_geometry(changes.pop("geometry"))
        if not errors:
            errors = placement_errors(geometry, cell.community.subdistrict.county_id, cell.id)
        if errors:
            raise InvalidInput(errors)
        set_geometry(cell, geometry)
    for field, value in changes.items():
        setattr(cell, field, value)
    db.session.commit()
    cells_changed()
    return cell, repairs


def checked_geometry(raw: object, field: str = "geometry", row: int | None = None):
    """One polygon from GeoJSON: (shapely geometry, repairs, errors)."""
    check = check_polygons(raw)
    errors = [FieldError(field, e.code, {"detail": e.detail}, row) for e in check.errors]
    if not errors and len(check.features) != 1:
        errors.append(FieldError(field, "not_a_polygon", {}, row))
    if errors:
        return None, [], errors
    feature = check.features[0]
    return feature.geometry, list(feature.repairs), []


def placement_errors(geometry, county_id: int, cell_id: int | None = None) -> list[FieldError]:
    """A cell must lie in its county and must not cover other cells (slivers under 1% of its area are tolerated,
    since boundaries digitized by different people never meet exactly)."""
    extent = county_extent(county_id)
    if extent and not all(within_margin(extent, x, y) for x, y in _corners(geometry.bounds)):
        return [FieldError("geometry", "outside_county")]
    overlapped = [
        c
        for c in places().cells.cells_touching(geometry)
        if c.id != cell_id and _overlap(geometry, c.geometry) > OVERLAP_TOLERATED
    ]
    return [FieldError("geometry", "cell.overlaps", {"code": c.code or c.id}) for c in overlapped[:5]]


def _corners(bounds: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    min_lon, min_lat, max_lon, max_lat = bounds
    return [(min_lon, min_lat), (max_lon, max_lat)]


def _overlap(geometry, other) -> float:
    return geometry.intersection(other).area / geometry.area if geometry.area else 0.0


def set_geometry(cell: GridCell, geometry) -> None:
    cell.geometry = json.dumps(to_geojson(geometry), separators=(",", ":"))
    cell.min_lon, cell.min_lat, cell.max_lon, cell.max_lat = geometry.bounds


def geometry_of(cell: GridCell) -> dict:
    return json.loads(cell.geometry)
