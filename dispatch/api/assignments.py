"""/api/assignments: offers and accepted work; leaders answer and report, officers cancel."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.dispatch_presenters import assignment_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.assignments import AssignmentAction
from dispatch.i18n import language
from dispatch.models import Assignment
from dispatch.schemas.common import ErrorOut, Page
from dispatch.schemas.dispatching import AcceptIn, AssignmentOut, AssignmentQuery, ProgressIn, ReasonIn
from dispatch.services.dispatch import answers

bp = Blueprint("api_assignments", __name__, url_prefix="/api/assignments")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["assignments"]


def _out(assignment: Assignment) -> AssignmentOut:
    return assignment_out(assignment, language())


@bp.get("")
@spec.validate(query=AssignmentQuery, resp=Response(HTTP_200=Page[AssignmentOut], **ERRORS), tags=TAGS)
def list_assignments(query: AssignmentQuery):
    """Offers and work in your jurisdiction (a leader: their organization's), newest first."""
    rows, total = answers.list_assignments(current_actor(), query)
    return Page[AssignmentOut](items=[_out(a) for a in rows], page=query.page, per_page=query.per_page, total=total)


@bp.get("/<int:assignment_id>")
@spec.validate(resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def get_assignment(assignment_id: int):
    """One offer or piece of work."""
    return _out(answers.get_assignment(current_actor(), assignment_id))


@bp.post("/<int:assignment_id>/accept")
@spec.validate(json=AcceptIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def accept(assignment_id: int, json: AcceptIn):
    """Accept with how many people will come (never more than the need still lacks)."""
    return _out(answers.accept(current_actor(), assignment_id, json.head_count))


@bp.post("/<int:assignment_id>/decline")
@spec.validate(json=ReasonIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def decline(assignment_id: int, json: ReasonIn):
    """Decline with a reason; the need passes to the next organization."""
    return _out(answers.decline(current_actor(), assignment_id, json.reason))


def _report(assignment_id: int, action: AssignmentAction, json: ProgressIn) -> AssignmentOut:
    return _out(answers.progress(current_actor(), assignment_id, action, json.note, json.people))


@bp.post("/<int:assignment_id>/depart")
@spec.validate(json=ProgressIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def depart(assignment_id: int, json: ProgressIn):
    """出发: the people are on their way."""
    return _report(assignment_id, AssignmentAction.DEPART, json)


@bp.post("/<int:assignment_id>/arrive")
@spec.validate(json=ProgressIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def arrive(assignment_id: int, json: ProgressIn):
    """到达: on site."""
    return _report(assignment_id, AssignmentAction.ARRIVE, json)


@bp.post("/<int:assignment_id>/complete")
@spec.validate(json=ProgressIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def complete(assignment_id: int, json: ProgressIn):
    """完成: done, with how many people came and a note."""
    return _report(assignment_id, AssignmentAction.COMPLETE, json)


@bp.post("/<int:assignment_id>/abort")
@spec.validate(json=ProgressIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def abort(assignment_id: int, json: ProgressIn):
    """The leader gives the accepted work up; the need is offered again."""
    return _report(assignment_id, AssignmentAction.ABORT, json)


@bp.post("/<int:assignment_id>/cancel")
@spec.validate(json=ReasonIn, resp=Response(HTTP_200=AssignmentOut, **ERRORS), tags=TAGS)
def cancel(assignment_id: int, json: ReasonIn):
    """The officer takes an open offer back, or calls accepted work off."""
    return _out(answers.cancel(current_actor(), assignment_id, json.reason))
