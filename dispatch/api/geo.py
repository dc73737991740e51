"""/api/geo: which grid cell a point is in, and where an address is, within your jurisdiction."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response

from dispatch.api.spec import spec
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.schemas.common import ErrorOut, PointIn, PointOut, Ref, Strict
from dispatch.services.dispatch.locate import Located, geocode, locate

bp = Blueprint("api_geo", __name__, url_prefix="/api/geo")

ERRORS = {"HTTP_401": ErrorOut, "HTTP_422": ErrorOut}


class NearCell(BaseModel):
    cell: Ref
    metres: float = Field(description="exact ellipsoidal distance from the point to the cell")


class LocatedOut(BaseModel):
    point: PointOut
    cell: Ref | None = Field(description="the cell of your jurisdiction the point lies in, if any")
    community: Ref | None
    subdistrict: Ref | None
    nearest: list[NearCell] = Field(description="when the point is in none of your cells: the nearest ones")


class AddressQuery(Strict):
    q: str = Field(min_length=1, max_length=100, description="an address or a place name (社区, 网格, 街道)")


class GeocodedOut(BaseModel):
    found: bool
    message: str | None = Field(None, description="why nothing was found, in your language")
    name: str | None
    source: str | None = Field(description="online or gazetteer")
    located: LocatedOut | None
    suggestions: list[str]


def located_out(located: Located) -> LocatedOut:
    lang, cell = language(), located.cell
    community = cell.community if cell else None
    return LocatedOut(
        point=PointOut(lon=located.lon, lat=located.lat),
        cell=Ref(id=cell.id, code=cell.code, name=cell.name) if cell else None,
        community=Ref(id=community.id, code=community.code, name=community.label(lang)) if community else None,
        subdistrict=Ref(id=community.subdistrict.id, code=community.subdistrict.code, name=community.subdistrict.label(lang))
        if community
        else None,
        nearest=[NearCell(cell=Ref(id=c.id, code=c.code, name=c.name), metres=round(m, 1)) for c, m in located.nearest],
    )


@bp.get("/cell")
@spec.validate(query=PointIn, resp=Response(HTTP_200=LocatedOut, **ERRORS), tags=["geo"])
def cell_of_point(query: PointIn):
    """The grid cell a point lies in (give its coordinate system: wgs84, gcj02 or bd09)."""
    return located_out(locate(current_actor(), query))


@bp.get("/geocode")
@spec.validate(query=AddressQuery, resp=Response(HTTP_200=GeocodedOut, **ERRORS), tags=["geo"])
def geocode_address(query: AddressQuery):
    """An address or place name to a point and its cell; when nothing matches, the closest names."""
    result = geocode(current_actor(), query.q)
    located = located_out(result.located) if result.located else None
    why = None if result.found else message("address.not_found", language(), suggestions="、".join(result.suggestions) or "—")
    return GeocodedOut(
        found=result.found, message=why, name=result.name, source=result.source, located=located, suggestions=result.suggestions
    )
