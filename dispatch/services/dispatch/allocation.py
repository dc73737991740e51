"""Many needs at once (the first hour of a typhoon): a plan of who should take which need, for the duty officer.

The plan is advice, not offers: it solves the incident's open needs together (``optimal_allocation``, beside the
greedy one-by-one baseline) and the officer offers what they agree with. Needs asking for several skills at once
are left out of the plan and listed, since the solver allocates one skill per need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from dispatch.domain.allocation import Allocation, NeedToFill, OrgSupply, greedy_allocation, optimal_allocation, weighted_coverage
from dispatch.domain.incidents import PRIORITY_WEIGHT, NeedStatus
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.models import Need
from dispatch.services.dispatch.candidates import candidate_table
from dispatch.services.dispatch.incidents import get_incident

RADIUS_M = 50_000


@dataclass(frozen=True)
class Plan:
    proposals: list[Allocation]
    coverage: float
    greedy_coverage: float
    demand: float
    left_out: list[int] = field(default_factory=list)


def plan_incident(actor: Actor, incident_id: int) -> Plan:
    """The best allocation of free organizations to the incident's open needs, and greedy's for comparison."""
    require(actor, Action.EDIT, Resource.NEED)
    incident = get_incident(actor, incident_id)
    open_needs = [n for n in incident.needs if n.status in (NeedStatus.OPEN, NeedStatus.UNFILLED) and n.still_needed > 0]
    single = [n for n in open_needs if len(n.skills) == 1]
    needs = [_to_fill(n) for n in single]
    orgs = _supply(single)
    optimal = optimal_allocation(needs, orgs, RADIUS_M) if needs else []
    greedy = greedy_allocation(needs, orgs, RADIUS_M) if needs else []
    demand = sum(n.weight * n.still_needed for n in needs)
    left_out = [n.id for n in open_needs if len(n.skills) != 1]
    return Plan(optimal, weighted_coverage(needs, optimal), weighted_coverage(needs, greedy), demand, left_out)


def _to_fill(need: Need) -> NeedToFill:
    return NeedToFill(need.id, PRIORITY_WEIGHT[need.priority], need.still_needed, need.skills[0].code, need.lon, need.lat)


def _supply(needs: list[Need]) -> list[OrgSupply]:
    """Each candidate organization once, with its free people per skill (from the same facts ranking uses)."""
    today = datetime.now(UTC).date()
    places: dict[int, tuple[float, float]] = {}
    free: dict[int, dict[str, int]] = {}
    for need in needs:
        table = candidate_table(need, today)
        offered = {a.organization_id for a in need.assignments}
        for org_id, lon, lat, people in zip(table.org_ids, table.lons, table.lats, table.free, strict=True):
            if int(org_id) not in offered:
                places[int(org_id)] = (float(lon), float(lat))
                free.setdefault(int(org_id), {})[need.skills[0].code] = int(people)
    return [OrgSupply(org_id, lon, lat, free[org_id]) for org_id, (lon, lat) in places.items()]
