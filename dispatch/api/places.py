"""/api/subdistricts, /api/communities and /api/cells: places and grid cells."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response

from dispatch.api.phones import revealed
from dispatch.api.presenters import cell_out, community_out, subdistrict_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.schemas.common import ErrorOut, Page, PhonesQuery, RowId, Strict
from dispatch.schemas.places import CellIn, CellOut, CellPatch, CellQuery, CommunityOut, SubdistrictOut
from dispatch.services.registry import cells, places

bp = Blueprint("api_places", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_422": ErrorOut}


class CommunityQuery(Strict):
    subdistrict_id: RowId | None = None


class Subdistricts(BaseModel):
    items: list[SubdistrictOut]


class Communities(BaseModel):
    items: list[CommunityOut]


@bp.get("/subdistricts")
@spec.validate(resp=Response(HTTP_200=Subdistricts, **ERRORS), tags=["places"])
def list_subdistricts():
    """The subdistricts (streets and townships) in your jurisdiction."""
    return Subdistricts(items=[subdistrict_out(s, language()) for s in places.list_subdistricts(current_actor())])


@bp.get("/communities")
@spec.validate(query=CommunityQuery, resp=Response(HTTP_200=Communities, **ERRORS), tags=["places"])
def list_communities(query: CommunityQuery):
    """The communities and villages in your jurisdiction."""
    found = places.list_communities(current_actor(), query.subdistrict_id)
    return Communities(items=[community_out(c, language()) for c in found])


@bp.get("/cells")
@spec.validate(query=CellQuery, resp=Response(HTTP_200=Page[CellOut], **ERRORS), tags=["cells"])
def list_cells(query: CellQuery):
    """Grid cells in your jurisdiction, with their polygons (GeoJSON, WGS-84)."""
    actor = current_actor()
    items, total = cells.list_cells(actor, query)
    reveal = revealed(query)
    out = [cell_out(c, actor, language(), reveal=reveal) for c in items]
    return Page[CellOut](items=out, page=query.page, per_page=query.per_page, total=total)


@bp.get("/cells/<int:cell_id>")
@spec.validate(query=PhonesQuery, resp=Response(HTTP_200=CellOut, **ERRORS), tags=["cells"])
def get_cell(cell_id: int, query: PhonesQuery):
    """One grid cell."""
    actor = current_actor()
    cell = cells.get_cell(actor, cell_id)
    return cell_out(cell, actor, language(), reveal=revealed(query))


@bp.post("/cells")
@spec.validate(json=CellIn, resp=Response(HTTP_201=CellOut, HTTP_409=ErrorOut, **ERRORS), tags=["cells"])
def create_cell(json: CellIn):
    """Add a grid cell; its polygon is checked and repaired where it can be (the answer lists repairs)."""
    actor = current_actor()
    cell, repairs = cells.create_cell(actor, json)
    return cell_out(cell, actor, language(), repairs), 201


@bp.patch("/cells/<int:cell_id>")
@spec.validate(json=CellPatch, resp=Response(HTTP_200=CellOut, **ERRORS), tags=["cells"])
def update_cell(cell_id: int, json: CellPatch):
    """Change a grid cell's name, polygon or grid worker."""
    actor = current_actor()
    cell, repairs = cells.update_cell(actor, cell_id, json)
    return cell_out(cell, actor, language(), repairs)
