"""Where things are: the grid cell of a point and the place an address names, within the caller's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Subdistrict
from dispatch.schemas.common import PointIn
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.registry.geography import places
from dispatch.services.scoping import cell_clause, community_clause, subdistrict_clause
from geo.coords import to_wgs84
from geo.geocoder import Geocoder
from geo.geojson import check_point

NEAREST_WIDENING = (12, 48, 192)  # look past cells outside the jurisdiction to find a few inside it


@dataclass(frozen=True)
class Located:
    """A point in WGS-84, the cell it lies in (if one in scope does), and the nearest cells in scope otherwise."""

    lon: float
    lat: float
    cell: GridCell | None
    nearest: list[tuple[GridCell, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Geocoded:
    found: bool
    located: Located | None
    name: str | None
    source: str | None
    suggestions: list[str]


def locate(actor: Actor, point: PointIn) -> Located:
    """The cell a point lies in; a point outside every cell of the jurisdiction gets the nearest ones, with metres."""
    require(actor, Action.READ, Resource.CELL)
    if code := check_point(point.lon, point.lat):
        raise InvalidInput([FieldError("lon", code)])
    lon, lat = to_wgs84(point.lon, point.lat, point.system)
    index = places().cells
    inside = [cell.id for cell in index.cells_containing(lon, lat)]
    scoped = _scoped(actor, inside)
    # The tie-break (smallest id) among the cells this caller may see, so a neighbour's cell never hides one's own.
    if found := next((scoped[cell_id] for cell_id in inside if cell_id in scoped), None):
        return Located(lon, lat, found)
    return Located(lon, lat, None, _nearest_in_scope(actor, index, lon, lat))


def _nearest_in_scope(actor: Actor, index, lon: float, lat: float, wanted: int = 3) -> list[tuple[GridCell, float]]:
    """The nearest cells the caller may see, looking further out while a neighbour's small cells fill the view."""
    for k in NEAREST_WIDENING:
        candidates = index.nearest(lon, lat, k=k)
        scoped = _scoped(actor, [c.id for c, _ in candidates])
        nearest = [(scoped[c.id], metres) for c, metres in candidates if c.id in scoped][:wanted]
        if len(nearest) >= wanted or len(candidates) < k:
            return nearest
    return nearest


def geocode(actor: Actor, address: str) -> Geocoded:
    """An address or place name to a point: the online geocoder when configured, our own place names always."""
    require(actor, Action.READ, Resource.CELL)
    result = Geocoder(places().gazetteer, current_app.extensions.get("dispatch.online_geocoder")).geocode(address)
    suggestions = [m.place.name for m in result.suggestions if _place_in_scope(actor, m.place)]
    if not result.found:
        return Geocoded(False, None, None, None, suggestions)
    located = locate(actor, PointIn(lon=result.lon, lat=result.lat))
    if located.cell is None:  # found, but not where this caller works
        return Geocoded(False, None, None, None, suggestions)
    return Geocoded(True, located, result.name, result.source, suggestions)


def _scoped(actor: Actor, cell_ids: list[int]) -> dict[int, GridCell]:
    if not cell_ids:
        return {}
    query = select(GridCell).where(GridCell.id.in_(cell_ids), cell_clause(actor))
    return {cell.id: cell for cell in db.session.scalars(query)}


def _place_in_scope(actor: Actor, place) -> bool:
    clause = {
        "grid_cell": (GridCell, cell_clause),
        "community": (Community, community_clause),
        "subdistrict": (Subdistrict, subdistrict_clause),
    }
    model, scope = clause.get(place.kind, (None, None))
    return model is not None and db.session.scalar(select(model.id).where(model.id == place.ref_id, scope(actor))) is not None
