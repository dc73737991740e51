"""/api/training-sessions and certificates: record training and attendance, see what runs out, remind leaders."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.scope import Actor, Role
from dispatch.i18n import language
from dispatch.models import Organization, TrainingSession
from dispatch.schemas.common import ErrorOut, Page, Ref
from dispatch.schemas.training import (
    AttendeeOut,
    AttendeesIn,
    ExpiringCertificateOut,
    ExpiringOut,
    ExpiringQuery,
    ReminderOut,
    TrainingIn,
    TrainingOut,
    TrainingQuery,
)
from dispatch.services.records import training

bp = Blueprint("api_training", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["training"]


class Expiring(BaseModel):
    days: int
    items: list[ExpiringOut]


def _org_ref(organization: Organization) -> Ref:
    return Ref(id=organization.id, name=organization.name)


def _out(session: TrainingSession, actor: Actor) -> TrainingOut:
    lang = language()
    mine = [a for a in session.attendances if actor.role is not Role.ORG_LEADER or a.organization_id == actor.organization_id]
    return TrainingOut(
        id=session.id, title=session.title, organizer=session.organizer, held_on=session.held_on, hours=session.hours,
        skill=Ref(id=session.skill.id, code=session.skill.code, name=session.skill.label(lang)) if session.skill else None,
        certificate_months=session.certificate_months,
        subdistrict=Ref(id=session.subdistrict.id, code=session.subdistrict.code, name=session.subdistrict.label(lang)),
        attendees=[
            AttendeeOut(
                member_id=a.member_id, name=a.member.name, organization=_org_ref(a.organization),
                certificate_expires_on=a.certification.expires_on if a.certification else None,
            )
            for a in mine
        ],
    )  # fmt: skip


@bp.get("/training-sessions")
@spec.validate(query=TrainingQuery, resp=Response(HTTP_200=Page[TrainingOut], **ERRORS), tags=TAGS)
def list_sessions(query: TrainingQuery):
    """Training sessions of your subdistrict(s), latest first."""
    actor = current_actor()
    rows, total = training.list_sessions(actor, query)
    return Page[TrainingOut](items=[_out(s, actor) for s in rows], page=query.page, per_page=query.per_page, total=total)


@bp.post("/training-sessions")
@spec.validate(json=TrainingIn, resp=Response(HTTP_201=TrainingOut, **ERRORS), tags=TAGS)
def create_session(json: TrainingIn):
    """Record a training session (培训): title, organizing department, day, hours, and the skill it certifies."""
    actor = current_actor()
    return _out(training.create_session(actor, json), actor), 201


@bp.get("/training-sessions/<int:session_id>")
@spec.validate(resp=Response(HTTP_200=TrainingOut, **ERRORS), tags=TAGS)
def get_session(session_id: int):
    """One session with its attendees (a leader sees their own members only)."""
    actor = current_actor()
    return _out(training.get_session(actor, session_id), actor)


@bp.post("/training-sessions/<int:session_id>/attendees")
@spec.validate(json=AttendeesIn, resp=Response(HTTP_200=TrainingOut, **ERRORS), tags=TAGS)
def add_attendees(session_id: int, json: AttendeesIn):
    """Record who attended; each earns the session's certificate. Sending the same list again changes nothing."""
    actor = current_actor()
    return _out(training.add_attendees(actor, session_id, json.member_ids), actor)


@bp.get("/certifications/expiring")
@spec.validate(query=ExpiringQuery, resp=Response(HTTP_200=Expiring, **ERRORS), tags=TAGS)
def expiring(query: ExpiringQuery):
    """Certificates that run out within the next ``days`` (30 by default), by organization."""
    lang = language()
    groups = training.expiring(current_actor(), query.days)
    items = [
        ExpiringOut(
            organization=_org_ref(organization),
            certificates=[
                ExpiringCertificateOut(
                    member_id=c.member_id, member_name=c.member.name, expires_on=c.expires_on, issuer=c.issuer,
                    skill=Ref(id=c.skill.id, code=c.skill.code, name=c.skill.label(lang)),
                )
                for c in certificates
            ],
        )
        for organization, certificates in groups
    ]  # fmt: skip
    return Expiring(days=query.days, items=items)


@bp.post("/organizations/<int:organization_id>/certificate-reminder")
@spec.validate(query=ExpiringQuery, resp=Response(HTTP_200=ReminderOut, **ERRORS), tags=TAGS)
def remind(organization_id: int, query: ExpiringQuery):
    """Text the leader about certificates running out (at most once a day)."""
    organization, count, sent = training.remind(current_actor(), organization_id, query.days)
    return ReminderOut(organization=_org_ref(organization), certificates=count, sent=sent)
