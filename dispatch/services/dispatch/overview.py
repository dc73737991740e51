"""The administrator's county overview: per subdistrict, active incidents, needs still lacking people and the
organizations ready to go (the rules in dispatch/domain/overview.py), each read in one grouped query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select

from dispatch.domain.assignments import ACTIVE_STATES
from dispatch.domain.incidents import IncidentStatus, NeedStatus
from dispatch.domain.overview import OrganizationFacts, SubdistrictState, count_organizations, county_total
from dispatch.domain.plans.standby import left_of_answer
from dispatch.domain.scope import Actor, Forbidden, Role
from dispatch.extensions import db
from dispatch.models import Assignment, Community, Incident, Need, Organization, Subdistrict
from dispatch.services.dispatch.candidates import ready_to_send
from dispatch.services.registry.places import list_subdistricts
from dispatch.services.scoping import incident_clause, organization_clause

LACKING = (NeedStatus.OPEN, NeedStatus.UNFILLED)


@dataclass(frozen=True)
class CountyOverview:
    rows: list[tuple[Subdistrict, SubdistrictState]]
    total: SubdistrictState


def county_overview(actor: Actor) -> CountyOverview:
    """The administrator's county, subdistrict by subdistrict (in code order), with the county's total."""
    if actor.role is not Role.ADMIN:
        raise Forbidden()
    subdistricts = list_subdistricts(actor)
    states = {s.id: SubdistrictState(s.id) for s in subdistricts}
    _count_incidents(actor, states)
    _count_needs(actor, states)
    count_organizations(states, _organization_facts(actor))
    return CountyOverview([(s, states[s.id]) for s in subdistricts], county_total(states.values()))


def _count_incidents(actor: Actor, states: dict[int, SubdistrictState]) -> None:
    query = (
        select(Incident.subdistrict_id, Incident.status, Incident.drill, func.count())
        .where(incident_clause(actor), Incident.status.in_((IncidentStatus.ACTIVE, IncidentStatus.RECOVERY)))
        .group_by(Incident.subdistrict_id, Incident.status, Incident.drill)
    )
    for subdistrict_id, status, drill, count in db.session.execute(query):
        state = states[subdistrict_id]
        if status is IncidentStatus.RECOVERY:
            state.recovering += count
            continue
        state.active_incidents += count
        state.drills += count if drill else 0


def _count_needs(actor: Actor, states: dict[int, SubdistrictState]) -> None:
    query = (
        select(Incident.subdistrict_id, Need.status, func.count(), func.sum(Need.head_count - Need.accepted))
        .join(Incident, Need.incident_id == Incident.id)
        .where(
            incident_clause(actor), Incident.status == IncidentStatus.ACTIVE, Need.status.in_(LACKING),
            Need.accepted < Need.head_count,
        )
        .group_by(Incident.subdistrict_id, Need.status)
    )  # fmt: skip
    for subdistrict_id, status, count, lacking in db.session.execute(query):
        state = states[subdistrict_id]
        state.needs_lacking += count
        state.people_lacking += int(lacking or 0)
        state.needs_without_candidates += count if status is NeedStatus.UNFILLED else 0


def _organization_facts(actor: Actor) -> list[OrganizationFacts]:
    in_scope = select(Organization.id).where(organization_clause(actor))
    now = datetime.now(UTC)
    ready = {
        org_id: (int(people or 0), left_of_answer(standby, taken))
        for org_id, people, standby, taken in db.session.execute(ready_to_send(in_scope), {"now": now, "today": now.date()})
    }  # as the ranking reads them: dispatch/services/dispatch/candidates.py
    out = dict(
        db.session.execute(
            select(Assignment.organization_id, func.sum(Assignment.head_count))
            .where(Assignment.organization_id.in_(in_scope), Assignment.state.in_(ACTIVE_STATES))
            .group_by(Assignment.organization_id)
        ).all()
    )
    rows = db.session.execute(
        select(Organization.id, Community.subdistrict_id, Organization.active, Organization.base_lon.is_not(None),
               Organization.leader_phone)
        .join(Community, Organization.community_id == Community.id)
        .where(organization_clause(actor))
    )  # fmt: skip
    facts = []
    for org_id, subdistrict_id, active, has_base, phone in rows:
        people, standby = ready.get(org_id, (0, None))
        facts.append(OrganizationFacts(subdistrict_id, active, has_base, phone or "", people, int(out.get(org_id) or 0), standby))
    return facts
