"""/api/complaints: anyone files one about an organization; the body that manages it decides."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.audited import audited
from dispatch.auth import current_actor
from dispatch.domain.scope import Actor
from dispatch.models import Complaint
from dispatch.schemas.common import ErrorOut, Page, Ref
from dispatch.schemas.concerns import ComplaintIn, ComplaintOut, ComplaintQuery, DecisionIn
from dispatch.services.records import complaints

bp = Blueprint("api_complaints", __name__, url_prefix="/api/complaints")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["complaints"]


def _out(complaint: Complaint, actor: Actor) -> ComplaintOut:
    return ComplaintOut(
        id=complaint.id, organization=Ref(id=complaint.organization.id, name=complaint.organization.name),
        managing_body=complaint.managing_body, incident_id=complaint.incident_id, summary=complaint.summary,
        contact=complaint.contact if complaints.sees_contact(actor) else None, status=complaint.status,
        outcome_note=complaint.outcome_note, decided_at=complaint.decided_at, created_at=complaint.created_at,
    )  # fmt: skip


@bp.post("")
@spec.validate(json=ComplaintIn, resp=Response(HTTP_201=ComplaintOut, **ERRORS), tags=TAGS)
def file_complaint(json: ComplaintIn):
    """File a complaint about an organization of your county's conduct; it goes to the body that manages it."""
    actor = current_actor()
    return _out(complaints.file_complaint(actor, json), actor), 201


@bp.get("")
@spec.validate(query=ComplaintQuery, resp=Response(HTTP_200=Page[ComplaintOut], **ERRORS), tags=TAGS)
def list_complaints(query: ComplaintQuery):
    """Complaints about organizations in your jurisdiction (a leader: about their own), newest first."""
    actor = current_actor()
    rows, total = complaints.list_complaints(actor, query)
    return Page[ComplaintOut](items=[_out(c, actor) for c in rows], page=query.page, per_page=query.per_page, total=total)


@bp.get("/<int:complaint_id>")
@spec.validate(resp=Response(HTTP_200=ComplaintOut, **ERRORS), tags=TAGS)
def get_complaint(complaint_id: int):
    actor = current_actor()
    return _out(complaints.get_complaint(actor, complaint_id), actor)


@bp.post("/<int:complaint_id>/decision")
@audited("complaint.decided", "complaint")
@spec.validate(json=DecisionIn, resp=Response(HTTP_200=ComplaintOut, **ERRORS), tags=TAGS)
def decide(complaint_id: int, json: DecisionIn):
    """The managing body's outcome: upheld (it counts in the organization's evaluation) or dismissed. Final."""
    actor = current_actor()
    return _out(complaints.decide(actor, complaint_id, json.outcome, json.note), actor)
