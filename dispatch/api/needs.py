"""/api/needs: a need, its ranked candidates with reasons, and the officer's actions on it."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response
from sqlalchemy import select

from dispatch.api.dispatch_presenters import assignment_out, candidate_out, need_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.extensions import db
from dispatch.i18n import language
from dispatch.models import Organization
from dispatch.schemas.common import ErrorOut
from dispatch.schemas.dispatching import AssignmentOut, CandidateOut, NeedOut, OfferIn, WidenIn
from dispatch.services.dispatch import needs, offers

bp = Blueprint("api_needs", __name__, url_prefix="/api/needs")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["needs"]


class Candidates(BaseModel):
    items: list[CandidateOut]


@bp.get("/<int:need_id>")
@spec.validate(resp=Response(HTTP_200=NeedOut, **ERRORS), tags=TAGS)
def get_need(need_id: int):
    """One need with its offers."""
    return need_out(needs.get_need(current_actor(), need_id), language())


@bp.get("/<int:need_id>/candidates")
@spec.validate(resp=Response(HTTP_200=Candidates, **ERRORS), tags=TAGS)
def candidates(need_id: int):
    """The organizations that could answer the need, best first, each with its score parts and reason."""
    need = needs.dispatchable_need(current_actor(), need_id)
    ranked = offers.ranked(need, k=50)
    names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_([c.org_id for c in ranked]))
        ).all()
    )
    offered = {a.organization_id: a.state for a in need.assignments}
    return Candidates(items=[candidate_out(c, names, offered, language()) for c in ranked])


@bp.post("/<int:need_id>/offers")
@spec.validate(json=OfferIn, resp=Response(HTTP_201=AssignmentOut, **ERRORS), tags=TAGS)
def offer_to(need_id: int, json: OfferIn):
    """Offer the need to an organization you chose from the candidates."""
    return assignment_out(needs.offer_to(current_actor(), need_id, json.organization_id), language()), 201


@bp.post("/<int:need_id>/cancel")
@spec.validate(resp=Response(HTTP_200=NeedOut, **ERRORS), tags=TAGS)
def cancel(need_id: int):
    """Call the need off: open offers are withdrawn, accepted work is cancelled."""
    return need_out(needs.cancel_need(current_actor(), need_id), language())


@bp.post("/<int:need_id>/close")
@spec.validate(resp=Response(HTTP_200=NeedOut, **ERRORS), tags=TAGS)
def close(need_id: int):
    """No more offers; accepted work carries on."""
    return need_out(needs.close_need(current_actor(), need_id), language())


@bp.post("/<int:need_id>/widen")
@spec.validate(json=WidenIn, resp=Response(HTTP_200=NeedOut, **ERRORS), tags=TAGS)
def widen(need_id: int, json: WidenIn):
    """Ask organizations farther away (a larger radius, or null for the whole jurisdiction) and offer on at once."""
    return need_out(needs.widen(current_actor(), need_id, json.radius_km), language())
