"""Places: scoped reads of subdistricts and communities, and checks of points against a county."""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.domain.scope import Actor, Role
from dispatch.extensions import db
from dispatch.models import Community, County, GridCell, Subdistrict
from dispatch.schemas.common import PointIn
from dispatch.services.errors import FieldError
from dispatch.services.scoping import community_clause, subdistrict_clause
from geo.coords import to_wgs84
from geo.geojson import check_point

# How far outside its cells' extent a point may lie and still belong to the county (degrees, ~30 km).
COUNTY_MARGIN_DEG = 0.3


def subdistrict_in_scope(actor: Actor, subdistrict_id: int | None, errors: list[FieldError]) -> Subdistrict | None:
    """The subdistrict named (a duty officer's own when none is), if it lies in the actor's scope; otherwise None,
    with the problem added to ``errors`` (so a caller reports it beside the input's other problems)."""
    if actor.role is Role.DUTY_OFFICER and subdistrict_id is None:
        subdistrict_id = actor.subdistrict_id
    found = db.session.scalar(select(Subdistrict).where(Subdistrict.id == subdistrict_id, subdistrict_clause(actor)))
    if found is None:
        errors.append(FieldError("subdistrict_id", "scope.unknown", {"field": "subdistrict_id", "value": subdistrict_id}))
    return found


def list_subdistricts(actor: Actor) -> list[Subdistrict]:
    return list(db.session.scalars(select(Subdistrict).where(subdistrict_clause(actor)).order_by(Subdistrict.code)))


def list_communities(actor: Actor, subdistrict_id: int | None = None) -> list[Community]:
    query = select(Community).where(community_clause(actor)).order_by(Community.code)
    if subdistrict_id is not None:
        query = query.where(Community.subdistrict_id == subdistrict_id)
    return list(db.session.scalars(query))


def county_extent(county_id: int) -> tuple[float, float, float, float] | None:
    """The bounding box of a county's grid cells, or None while it has none."""
    query = (
        select(func.min(GridCell.min_lon), func.min(GridCell.min_lat), func.max(GridCell.max_lon), func.max(GridCell.max_lat))
        .join(Community)
        .join(Subdistrict)
        .where(Subdistrict.county_id == county_id)
    )
    row = db.session.execute(query).one()
    return None if row[0] is None else tuple(row)  # type: ignore[return-value]


def point_errors(
    point: PointIn, county: County, field: str, row: int | None = None
) -> tuple[tuple[float, float], list[FieldError]]:
    """Convert a point to WGS-84 and say what is wrong with it: swapped, outside China, far outside the county."""
    lon, lat = to_wgs84(point.lon, point.lat, point.system)
    if code := check_point(point.lon, point.lat):
        return (lon, lat), [FieldError(field, code, {}, row)]
    extent = county_extent(county.id)
    if extent and not within_margin(extent, lon, lat):
        return (lon, lat), [FieldError(field, "outside_county", {}, row)]
    return (lon, lat), []


def within_margin(extent: tuple[float, float, float, float], lon: float, lat: float) -> bool:
    min_lon, min_lat, max_lon, max_lat = extent
    margin = COUNTY_MARGIN_DEG
    return min_lon - margin <= lon <= max_lon + margin and min_lat - margin <= lat <= max_lat + margin
