"""Risks (风险隐患, Article 6): grid workers and organizations report a place, a category and a note where they
work; each lands in the inbox of the subdistrict whose cell it lies in, where a duty officer opens an incident
from it, posts a need for it, or dismisses it. The report and what became of it change in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from dispatch.domain.risks import RiskHandled, RiskStatus, handle
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Incident, Need, RiskReport, Subdistrict
from dispatch.schemas.common import PointIn
from dispatch.schemas.concerns import RiskIn, RiskNeedIn, RiskQuery
from dispatch.schemas.dispatching import IncidentIn, NeedIn
from dispatch.services import events
from dispatch.services.dispatch.incidents import open_incident
from dispatch.services.dispatch.locate import geocode, locate
from dispatch.services.dispatch.needs import post_need
from dispatch.services.errors import Conflict, FieldError, NotFound, invalid
from dispatch.services.paging import page_of
from dispatch.services.scoping import subdistrict_clause


def _risk_clause(actor: Actor):
    if actor.role is Role.GRID_WORKER:
        return RiskReport.cell_id.in_(actor.cell_ids)
    if actor.role is Role.ORG_LEADER:
        return RiskReport.organization_id == actor.organization_id
    return RiskReport.subdistrict_id.in_(select(Subdistrict.id).where(subdistrict_clause(actor)))


def report_risk(actor: Actor, data: RiskIn) -> RiskReport:
    """Report a risk at a point or an address in one of the reporter's cells."""
    require(actor, Action.CREATE, Resource.RISK)
    lon, lat, cell = _where(actor, data)
    subdistrict_id = db.session.scalar(select(Community.subdistrict_id).where(Community.id == cell.community_id))
    risk = RiskReport(
        subdistrict_id=subdistrict_id, cell=cell, lon=lon, lat=lat, address=data.address or "", category=data.category,
        note=data.note, reported_by=actor.user_id, organization_id=actor.organization_id,
    )  # fmt: skip
    db.session.add(risk)
    db.session.flush()
    _record("risk.reported", risk, actor.user_id, category=data.category.value)
    events.commit()
    return risk


def _where(actor: Actor, data: RiskIn) -> tuple[float, float, GridCell]:
    if data.location is None and not data.address:
        raise invalid("location", "location.missing")
    if data.location is not None:
        located = locate(actor, data.location)
    else:
        found = geocode(actor, data.address)
        if not found.found:
            raise invalid("address", "address.not_found", suggestions="、".join(found.suggestions) or "—")
        located = found.located
    if located.cell is None:
        raise invalid("location", "location.outside_jurisdiction")
    return located.lon, located.lat, located.cell


def _record(kind: str, risk: RiskReport, actor_id: int | None, **data) -> None:
    """Risk events name the subdistrict (its officers' inbox) and the cell (its grid worker)."""
    events.record(
        kind, actor_id=actor_id, organization_id=risk.organization_id, subdistrict_id=risk.subdistrict_id,
        cell_id=risk.cell_id, risk_id=risk.id, **data,
    )  # fmt: skip


def list_risks(actor: Actor, query: RiskQuery) -> tuple[list[RiskReport], int]:
    """The inbox: reports in the actor's jurisdiction (a grid worker: their cells; a leader: their organization's)."""
    require(actor, Action.READ, Resource.RISK)
    where = [_risk_clause(actor)]
    if query.status is not None:
        where.append(RiskReport.status == query.status)
    return page_of(
        RiskReport, where, RiskReport.id.desc(), query, (joinedload(RiskReport.cell), joinedload(RiskReport.subdistrict))
    )


def get_risk(actor: Actor, risk_id: int) -> RiskReport:
    require(actor, Action.READ, Resource.RISK)
    found = db.session.scalar(select(RiskReport).where(RiskReport.id == risk_id, _risk_clause(actor)))
    if found is None:
        raise NotFound()
    return found


def open_incident_from(actor: Actor, risk_id: int, data: IncidentIn) -> RiskReport:
    """Open an incident from the report, led by the report's subdistrict."""
    require(actor, Action.EDIT, Resource.RISK)
    risk = _open_report(actor, risk_id, RiskStatus.INCIDENT)
    incident_data = data.model_copy(update={"subdistrict_id": risk.subdistrict_id})
    open_incident(actor, incident_data, also=lambda incident: _handled(actor, risk_id, RiskStatus.INCIDENT, incident=incident))
    return get_risk(actor, risk_id)


def post_need_for(actor: Actor, risk_id: int, data: RiskNeedIn) -> RiskReport:
    """Post a need for the report in an incident, at the report's place unless the need names another."""
    require(actor, Action.EDIT, Resource.RISK)
    risk = _open_report(actor, risk_id, RiskStatus.NEED)
    fields = data.model_dump(exclude={"incident_id"}, exclude_unset=True)
    if data.location is None and not data.address:
        fields["location"] = PointIn(lon=risk.lon, lat=risk.lat)
        fields["address"] = risk.address or None
    need_data = NeedIn.model_validate({**fields, "skills": data.skills, "head_count": data.head_count})
    post_need(actor, data.incident_id, need_data, also=lambda need: _handled(actor, risk_id, RiskStatus.NEED, need=need))
    return get_risk(actor, risk_id)


def dismiss(actor: Actor, risk_id: int, note: str) -> RiskReport:
    require(actor, Action.EDIT, Resource.RISK)
    _open_report(actor, risk_id, RiskStatus.DISMISSED)
    _handled(actor, risk_id, RiskStatus.DISMISSED, note=note)
    events.commit()
    return get_risk(actor, risk_id)


def _open_report(actor: Actor, risk_id: int, outcome: RiskStatus) -> RiskReport:
    """The report, if it may still become ``outcome`` (it is handled once)."""
    risk = get_risk(actor, risk_id)
    try:
        handle(risk.status, outcome)
    except RiskHandled as exc:
        raise Conflict([FieldError("status", "risk.handled", {"status": exc.status.value})]) from exc
    return risk


def _handled(
    actor: Actor, risk_id: int, status: RiskStatus, incident: Incident | None = None, need: Need | None = None, note: str = ""
) -> None:
    """Mark the report handled in the caller's transaction; a report someone handled meanwhile refuses it all."""
    values = {
        "status": status,
        "handled_by": actor.user_id,
        "handled_at": datetime.now(UTC),
        "handled_note": note,
    }
    if incident is not None:
        values["incident_id"] = incident.id
    if need is not None:
        values["need_id"], values["incident_id"] = need.id, need.incident_id
    claimed = db.session.execute(
        update(RiskReport)
        .where(RiskReport.id == risk_id, RiskReport.status == RiskStatus.OPEN)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        events.rollback()
        current = db.session.scalar(select(RiskReport.status).where(RiskReport.id == risk_id))
        raise Conflict([FieldError("status", "risk.handled", {"status": current.value})])
    risk = db.session.get(RiskReport, risk_id)
    db.session.refresh(risk)
    _record(f"risk.{status.value}", risk, actor.user_id, incident_id=risk.incident_id, need_id=risk.need_id)
