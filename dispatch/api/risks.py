"""/api/risks: risks reported from the ground, and the subdistrict's inbox that turns them into action."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.i18n import language
from dispatch.models import RiskReport
from dispatch.schemas.common import ErrorOut, Page, PointOut, Ref
from dispatch.schemas.concerns import DismissIn, RiskIn, RiskNeedIn, RiskOut, RiskQuery
from dispatch.schemas.dispatching import IncidentIn
from dispatch.services.records import risks

bp = Blueprint("api_risks", __name__, url_prefix="/api/risks")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["risks"]


def _out(risk: RiskReport) -> RiskOut:
    return RiskOut(
        id=risk.id, category=risk.category, location=PointOut(lon=risk.lon, lat=risk.lat), address=risk.address,
        cell=Ref(id=risk.cell.id, code=risk.cell.code, name=risk.cell.name),
        subdistrict=Ref(id=risk.subdistrict.id, code=risk.subdistrict.code, name=risk.subdistrict.label(language())),
        note=risk.note, status=risk.status, incident_id=risk.incident_id, need_id=risk.need_id,
        handled_note=risk.handled_note, created_at=risk.created_at,
    )  # fmt: skip


@bp.post("")
@spec.validate(json=RiskIn, resp=Response(HTTP_201=RiskOut, **ERRORS), tags=TAGS)
def report_risk(json: RiskIn):
    """Report a risk (a place in one of your cells, a category, a note); it lands in the subdistrict's inbox."""
    return _out(risks.report_risk(current_actor(), json)), 201


@bp.get("")
@spec.validate(query=RiskQuery, resp=Response(HTTP_200=Page[RiskOut], **ERRORS), tags=TAGS)
def list_risks(query: RiskQuery):
    """The inbox: reports in your jurisdiction, newest first (a grid worker: their cells; a leader: their own)."""
    rows, total = risks.list_risks(current_actor(), query)
    return Page[RiskOut](items=[_out(r) for r in rows], page=query.page, per_page=query.per_page, total=total)


@bp.get("/<int:risk_id>")
@spec.validate(resp=Response(HTTP_200=RiskOut, **ERRORS), tags=TAGS)
def get_risk(risk_id: int):
    return _out(risks.get_risk(current_actor(), risk_id))


@bp.post("/<int:risk_id>/incident")
@spec.validate(json=IncidentIn, resp=Response(HTTP_200=RiskOut, **ERRORS), tags=TAGS)
def open_incident(risk_id: int, json: IncidentIn):
    """Open an incident from the report (led by the report's subdistrict); the report is then handled."""
    return _out(risks.open_incident_from(current_actor(), risk_id, json))


@bp.post("/<int:risk_id>/need")
@spec.validate(json=RiskNeedIn, resp=Response(HTTP_200=RiskOut, **ERRORS), tags=TAGS)
def post_need(risk_id: int, json: RiskNeedIn):
    """Post a need for the report in an active incident, at the report's place unless another is given."""
    return _out(risks.post_need_for(current_actor(), risk_id, json))


@bp.post("/<int:risk_id>/dismiss")
@spec.validate(json=DismissIn, resp=Response(HTTP_200=RiskOut, **ERRORS), tags=TAGS)
def dismiss(risk_id: int, json: DismissIn):
    """Nothing to do (say why); the reporter sees the note."""
    return _out(risks.dismiss(current_actor(), risk_id, json.note))
