"""Complaints (投诉, Article 13): anyone files one about an organization of their county; the body that manages
the organization decides it; upheld complaints count in the organization's evaluation (``complaint.upheld``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from dispatch.domain.complaints import DECIDED_BY, AlreadyDecided, ComplaintStatus, NotManagingBody, decision
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, Complaint, Incident, Organization, Subdistrict
from dispatch.schemas.concerns import ComplaintIn, ComplaintQuery
from dispatch.services import events
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.scoping import incident_clause, organization_clause, subdistrict_clause


def _complaint_clause(actor: Actor):
    return Complaint.organization_id.in_(select(Organization.id).where(organization_clause(actor)))


def _county_organizations(actor: Actor):
    """Organizations anyone in the actor's county may complain about (a resident need not know who manages them)."""
    counties = select(Subdistrict.county_id).where(subdistrict_clause(actor))
    return select(Organization.id).join(Community).join(Subdistrict).where(Subdistrict.county_id.in_(counties))


def file_complaint(actor: Actor, data: ComplaintIn) -> Complaint:
    require(actor, Action.CREATE, Resource.COMPLAINT)
    organization = db.session.scalar(
        select(Organization).where(Organization.id == data.organization_id, Organization.id.in_(_county_organizations(actor)))
    )
    errors = (
        []
        if organization
        else [FieldError("organization_id", "scope.unknown", {"field": "organization_id", "value": data.organization_id})]
    )
    if (
        data.incident_id is not None
        and db.session.scalar(select(Incident.id).where(Incident.id == data.incident_id, incident_clause(actor))) is None
    ):
        errors.append(FieldError("incident_id", "scope.unknown", {"field": "incident_id", "value": data.incident_id}))
    if errors:
        raise InvalidInput(errors)
    complaint = Complaint(
        organization=organization, managing_body=organization.managing_body, incident_id=data.incident_id,
        summary=data.summary, contact=data.contact, filed_by=actor.user_id,
    )  # fmt: skip
    db.session.add(complaint)
    db.session.flush()
    events.record("complaint.filed", organization_id=organization.id, actor_id=actor.user_id, complaint_id=complaint.id)
    events.commit()
    return complaint


def list_complaints(actor: Actor, query: ComplaintQuery) -> tuple[list[Complaint], int]:
    """The complaints about organizations in the actor's jurisdiction (a leader: about their own), newest first."""
    require(actor, Action.READ, Resource.COMPLAINT)
    where = [_complaint_clause(actor)]
    if query.status is not None:
        where.append(Complaint.status == query.status)
    return page_of(Complaint, where, Complaint.id.desc(), query)


def get_complaint(actor: Actor, complaint_id: int) -> Complaint:
    require(actor, Action.READ, Resource.COMPLAINT)
    found = db.session.scalar(select(Complaint).where(Complaint.id == complaint_id, _complaint_clause(actor)))
    if found is None:
        raise NotFound()
    return found


def decide(actor: Actor, complaint_id: int, outcome: ComplaintStatus, note: str) -> Complaint:
    """The managing body records the outcome, once; the same decision again changes nothing."""
    require(actor, Action.EDIT, Resource.COMPLAINT)
    complaint = get_complaint(actor, complaint_id)
    if actor.role is not DECIDED_BY[complaint.managing_body]:
        raise NotManagingBody()
    try:
        changes = decision(complaint.status, outcome)
    except AlreadyDecided as exc:
        raise Conflict([FieldError("outcome", "complaint.decided", {"status": exc.status.value})]) from exc
    if not changes:
        return complaint
    decided = db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, Complaint.status == ComplaintStatus.OPEN)
        .values(status=outcome, outcome_note=note, decided_by=actor.user_id, decided_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not decided:  # another officer decided it a moment ago
        events.rollback()
        return decide(actor, complaint_id, outcome, note)
    events.record(
        f"complaint.{outcome.value}", organization_id=complaint.organization_id, actor_id=actor.user_id, complaint_id=complaint_id
    )
    events.commit()
    db.session.refresh(complaint)
    return complaint


def sees_contact(actor: Actor) -> bool:
    """The complainant's contact is for whoever decides, never for the organization complained about."""
    return actor.role in (Role.ADMIN, Role.DUTY_OFFICER)
