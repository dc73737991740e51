"""An incident's course: escalate it to the county, move it to recovery, close it.

Each change claims the incident's row first (posts to it wait, and it waits for posts in progress), then its needs
in id order, the order every claimer of several needs keeps.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from dispatch.domain.incidents import IncidentStatus, InvalidIncidentTransition, NeedStatus, next_incident_status
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Incident, Need
from dispatch.services import events
from dispatch.services.dispatch.incidents import get_incident
from dispatch.services.dispatch.needs import claim_need, close_need_records
from dispatch.services.dispatch.offers import offer_more
from dispatch.services.errors import FieldError, InvalidInput


def _claim_incident(incident_id: int) -> None:
    """Claim the incident's row for a change to it: posts to it wait, and this waits for posts in progress."""
    claim = update(Incident).where(Incident.id == incident_id).values(id=Incident.id)
    db.session.execute(claim.execution_options(synchronize_session=False))


def escalate(actor: Actor, incident_id: int) -> Incident:
    """Escalate to the county: organizations and duty officers of the whole county may now take part.

    Needs still lacking people are offered on at once to the county's candidates, unfilled ones included (the
    escalation is what their alert proposed). Escalating twice, even at once, escalates once."""
    require(actor, Action.EDIT, Resource.INCIDENT)
    incident = get_incident(actor, incident_id)
    db.session.commit()  # end the read; claiming the incident starts the transaction that decides
    _claim_incident(incident_id)
    claimed = _claim_needs(incident_id, (NeedStatus.OPEN, NeedStatus.UNFILLED))
    won = db.session.execute(
        update(Incident)
        .where(Incident.id == incident_id, Incident.escalated_at.is_(None), Incident.status == IncidentStatus.ACTIVE)
        .values(escalated_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    incident = db.session.get(Incident, incident_id, populate_existing=True)
    if won:
        events.record("incident.escalated", incident=incident, actor_id=actor.user_id)
        for need in claimed:
            _offer_wider(need, actor.user_id)
    events.commit()
    return incident


def _claim_needs(incident_id: int, statuses: tuple[NeedStatus, ...]) -> list[Need]:
    """Claim the incident's needs in these statuses, in id order (the order every claimer of several needs uses)."""
    ids = db.session.scalars(
        select(Need.id).where(Need.incident_id == incident_id, Need.status.in_(statuses)).order_by(Need.id)
    ).all()
    return [claim_need(need_id) for need_id in ids]


def _offer_wider(need: Need, actor_id: int) -> None:
    if need.status is NeedStatus.UNFILLED:
        need.status = NeedStatus.OPEN
    offer_more(need, actor_id)


def set_status(actor: Actor, incident_id: int, wanted: IncidentStatus) -> Incident:
    """Move an incident to recovery, then close it; closing withdraws the offers still open."""
    require(actor, Action.EDIT, Resource.INCIDENT)
    get_incident(actor, incident_id)
    db.session.commit()  # end the read; claiming the incident starts the transaction that decides
    _claim_incident(incident_id)
    if wanted is IncidentStatus.CLOSED:
        _claim_needs(incident_id, (NeedStatus.OPEN, NeedStatus.UNFILLED, NeedStatus.FILLED))
    incident = db.session.get(Incident, incident_id, populate_existing=True)
    try:
        incident.status = next_incident_status(incident.status, wanted)
    except InvalidIncidentTransition as exc:
        events.rollback()
        raise InvalidInput(
            [FieldError("status", "incident.transition", {"from": exc.status.value, "to": exc.wanted.value})]
        ) from exc
    if wanted is IncidentStatus.CLOSED:
        incident.closed_at = datetime.now(UTC)
        for need in incident.needs:
            if need.status in (NeedStatus.OPEN, NeedStatus.UNFILLED, NeedStatus.FILLED):
                close_need_records(need, actor, NeedStatus.CLOSED)
    events.record(f"incident.{wanted.value}", incident=incident, actor_id=actor.user_id)
    events.commit()
    return incident
