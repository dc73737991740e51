"""The county at a glance, for the civil-affairs administrator: per subdistrict, what is going on and who could go.

An organization is *ready* when a duty officer could send it now and it would hear of it: it is active, has a base
to measure distance from (the matching needs one), a leader's phone to send the offer to, and at least one person
free: more people on duty for its best-staffed skill than it already has out on accepted work, and, while a warning
stands, no more than its standby answer (备勤) said — counted as the ranking counts them
(dispatch/services/dispatch/candidates.py), so a team stood down, or that answered 0, is not ready.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from dispatch.domain.plans.standby import capped


@dataclass(frozen=True)
class OrganizationFacts:
    subdistrict_id: int
    active: bool
    has_base: bool
    leader_phone: str
    largest_capacity: int  # people on duty it can send for its best-staffed skill
    people_out: int  # people it has on accepted, en-route or on-site work now
    standby_ready: int | None = None  # the fewest it said it has ready, among warnings in force now

    @property
    def free_people(self) -> int:
        return capped(max(0, self.largest_capacity - self.people_out), self.standby_ready)

    @property
    def ready(self) -> bool:
        return self.active and self.has_base and bool(self.leader_phone.strip()) and self.free_people > 0


@dataclass
class SubdistrictState:
    """One subdistrict's row of the overview."""

    subdistrict_id: int
    active_incidents: int = 0
    drills: int = 0  # of the active incidents, those that are drills
    recovering: int = 0
    needs_lacking: int = 0  # needs of active incidents that still lack people
    people_lacking: int = 0
    needs_without_candidates: int = 0  # of those, the ones no candidate was left for
    organizations: int = 0  # active organizations
    ready: int = 0
    free_people: int = 0  # in the ready organizations

    @property
    def calm(self) -> bool:
        return self.active_incidents == 0 and self.needs_lacking == 0


def count_organizations(states: dict[int, SubdistrictState], organizations: Iterable[OrganizationFacts]) -> None:
    """Add each organization to its subdistrict's row: active ones counted, ready ones and their free people too."""
    for org in organizations:
        state = states.get(org.subdistrict_id)
        if state is None or not org.active:
            continue
        state.organizations += 1
        if org.ready:
            state.ready += 1
            state.free_people += org.free_people


def county_total(states: Iterable[SubdistrictState]) -> SubdistrictState:
    """The county's line: every count summed."""
    total = SubdistrictState(subdistrict_id=0)
    counted = [f.name for f in fields(SubdistrictState) if f.name != "subdistrict_id"]
    for state in states:
        for name in counted:
            setattr(total, name, getattr(total, name) + getattr(state, name))
    return total
