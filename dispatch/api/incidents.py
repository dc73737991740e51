"""/api/incidents: open, read, escalate and move incidents on; their needs and timeline."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel, Field
from spectree import Response
from sqlalchemy import select

from dispatch.api.dispatch_presenters import candidate_out, event_out, incident_out, need_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.extensions import db
from dispatch.i18n import language
from dispatch.models import Event, Organization
from dispatch.schemas.common import ErrorOut, KeyedHeaders, Page, Ref, idempotency_key_header
from dispatch.schemas.dispatching import (
    CandidateOut,
    EventOut,
    EventQuery,
    IncidentIn,
    IncidentOut,
    IncidentQuery,
    IncidentStatusIn,
    NeedIn,
    NeedOut,
)
from dispatch.services.dispatch import incident_course, incidents, needs
from dispatch.services.dispatch.allocation import plan_incident
from dispatch.services.events import events_after
from dispatch.services.plans import starting
from dispatch.services.scoping import event_clause
from dispatch.telemetry.metrics import POST_TO_FIRST_OFFER
from dispatch.telemetry.requests import seconds_so_far

bp = Blueprint("api_incidents", __name__, url_prefix="/api/incidents")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["incidents"]


class NeedHeaders(KeyedHeaders):
    idempotency_key: str | None = idempotency_key_header("posts one need")


class Timeline(BaseModel):
    items: list[EventOut]


class Proposal(BaseModel):
    need_id: int
    organization: Ref
    people: int
    distance_m: float


class PlanOut(BaseModel):
    proposals: list[Proposal] = Field(description="who should take which need, to cover the most priority-weighted people")
    coverage: float = Field(description="priority-weighted people the plan covers")
    greedy_coverage: float = Field(description="the same for needs filled one by one, nearest first")
    demand: float = Field(description="priority-weighted people the open needs still lack")
    left_out: list[int] = Field(description="needs asking for several skills at once, not planned")


class NeedList(BaseModel):
    items: list[NeedOut]


class CandidateList(BaseModel):
    items: list[CandidateOut]


@bp.get("")
@spec.validate(query=IncidentQuery, resp=Response(HTTP_200=Page[IncidentOut], **ERRORS), tags=TAGS)
def list_incidents(query: IncidentQuery):
    """Incidents in your jurisdiction, newest first."""
    items, total = incidents.list_incidents(current_actor(), query)
    return Page[IncidentOut](
        items=[incident_out(i, language()) for i in items], page=query.page, per_page=query.per_page, total=total
    )


@bp.post("")
@spec.validate(json=IncidentIn, resp=Response(HTTP_201=IncidentOut, **ERRORS), tags=TAGS)
def open_incident(json: IncidentIn):
    """Open an incident (a drill with ``drill: true``); an area marks its affected grid cells."""
    actor = current_actor()
    incident = incidents.open_incident(actor, json)
    if starting.start_by_itself(actor, incident.id):  # a level I plan that says so has posted its tasks
        incident = incidents.get_incident(actor, incident.id)
    return incident_out(incident, language()), 201


@bp.get("/<int:incident_id>")
@spec.validate(resp=Response(HTTP_200=IncidentOut, **ERRORS), tags=TAGS)
def get_incident(incident_id: int):
    """One incident."""
    return incident_out(incidents.get_incident(current_actor(), incident_id), language())


@bp.post("/<int:incident_id>/escalate")
@spec.validate(resp=Response(HTTP_200=IncidentOut, **ERRORS), tags=TAGS)
def escalate(incident_id: int):
    """Escalate to the county: the whole county's organizations and duty officers may take part."""
    return incident_out(incident_course.escalate(current_actor(), incident_id), language())


@bp.post("/<int:incident_id>/status")
@spec.validate(json=IncidentStatusIn, resp=Response(HTTP_200=IncidentOut, **ERRORS), tags=TAGS)
def set_status(incident_id: int, json: IncidentStatusIn):
    """Move the incident to recovery, then close it."""
    return incident_out(incident_course.set_status(current_actor(), incident_id, json.status), language())


@bp.post("/<int:incident_id>/needs")
@spec.validate(json=NeedIn, headers=NeedHeaders, resp=Response(HTTP_200=NeedOut, HTTP_201=NeedOut, **ERRORS), tags=TAGS)
def post_need(incident_id: int, json: NeedIn, headers: NeedHeaders):
    """Post a need; its first offers go out at once. 201 when made, 200 when the Idempotency-Key was seen before."""
    need, created = needs.post_need(current_actor(), incident_id, json, headers.idempotency_key)
    if created and need.assignments:  # its first offers are committed and pushed to the leaders' sockets by now
        POST_TO_FIRST_OFFER.observe(seconds_so_far())
    return need_out(need, language()), 201 if created else 200


@bp.get("/<int:incident_id>/needs")
@spec.validate(resp=Response(HTTP_200=NeedList, **ERRORS), tags=TAGS)
def list_needs(incident_id: int):
    """The incident's needs with their offers, oldest first: what the duty officer's board shows."""
    return NeedList(items=[need_out(n, language()) for n in incidents.needs_of(current_actor(), incident_id)])


@bp.post("/<int:incident_id>/candidates")
@spec.validate(json=NeedIn, resp=Response(HTTP_200=CandidateList, **ERRORS), tags=TAGS)
def preview_candidates(incident_id: int, json: NeedIn):
    """Who a need like this would be offered to, best first with reasons, before you post it (nothing is saved)."""
    ranked = needs.preview_candidates(current_actor(), incident_id, json)
    ids = [c.org_id for c in ranked]
    names = (
        dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()) if ids else {}
    )
    return CandidateList(items=[candidate_out(c, names, {}, language()) for c in ranked])


@bp.get("/<int:incident_id>/plan")
@spec.validate(resp=Response(HTTP_200=PlanOut, **ERRORS), tags=TAGS)
def plan(incident_id: int):
    """Advice for many needs at once: the allocation of free organizations that covers the most, beside greedy's."""
    result = plan_incident(current_actor(), incident_id)
    names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_({p.org_id for p in result.proposals}))
        ).all()
    )
    proposals = [
        Proposal(
            need_id=p.need_id,
            organization=Ref(id=p.org_id, name=names.get(p.org_id, "")),
            people=p.people,
            distance_m=round(p.distance_m, 1),
        )
        for p in result.proposals
    ]
    return PlanOut(
        proposals=proposals,
        coverage=result.coverage,
        greedy_coverage=result.greedy_coverage,
        demand=result.demand,
        left_out=result.left_out,
    )


@bp.get("/<int:incident_id>/timeline")
@spec.validate(query=EventQuery, resp=Response(HTTP_200=Timeline, **ERRORS), tags=TAGS)
def timeline(incident_id: int, query: EventQuery):
    """The incident's events in order: who was offered what, who answered, and when."""
    actor = current_actor()
    incident = incidents.get_incident(actor, incident_id)
    found = events_after((Event.incident_id == incident.id) & event_clause(actor), query.after, query.limit)
    return Timeline(items=[event_out(e, language()) for e in found])
