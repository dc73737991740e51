"""The after-action report of an incident: its event log turned into response-time figures (dispatch/domain)."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.domain.after_action import AfterAction, LoggedEvent, after_action
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Event, Incident, Organization
from dispatch.services.dispatch.incidents import get_incident


def incident_report(actor: Actor, incident_id: int) -> tuple[Incident, AfterAction, dict[int, str]]:
    """The incident, its figures, and the names of the organizations they mention (for those who run it)."""
    require(actor, Action.EDIT, Resource.INCIDENT)
    incident = get_incident(actor, incident_id)
    rows = db.session.scalars(select(Event).where(Event.incident_id == incident.id).order_by(Event.id))
    report = after_action([LoggedEvent(e.kind, e.at, e.need_id, e.assignment_id, e.organization_id, e.data or {}) for e in rows])
    ids = [row.organization_id for row in report.organizations]
    names = (
        dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()) if ids else {}
    )
    return incident, report, names
