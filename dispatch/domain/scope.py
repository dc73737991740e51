"""Who may see and change what: the jurisdiction rules, on plain values.

Every query the services run is narrowed by an ``Actor``'s scope; these rules say which
narrowing applies and which actions a role may take at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Role(str, Enum):
    ADMIN = "admin"  # county civil affairs
    DUTY_OFFICER = "duty_officer"  # a subdistrict
    ORG_LEADER = "org_leader"  # an organization
    GRID_WORKER = "grid_worker"  # their grid cells


class Action(str, Enum):
    READ = "read"
    EDIT = "edit"
    CREATE = "create"
    SUSPEND = "suspend"
    ANSWER = "answer"  # accept or decline an offer, report progress


class Resource(str, Enum):
    ORGANIZATION = "organization"
    MEMBER = "member"
    CELL = "cell"
    PLACE = "place"
    INCIDENT = "incident"
    NEED = "need"
    ASSIGNMENT = "assignment"
    TRAINING = "training"  # sessions and attendance; certificates are the members'
    COMPLAINT = "complaint"
    RISK = "risk"
    EVALUATION = "evaluation"  # scorecards as computed now; what is published is public
    DRILL = "drill"  # a scenario run on a drill incident, and its report
    AUDIT = "audit"  # the security audit trail of a county
    ACCOUNT = "account"  # a user account's locks and sessions, as an administrator handles them
    DUTY_GROUP = "duty_group"  # a subdistrict's or county's DingTalk or WeCom group robot
    PLAN = "plan"  # a subdistrict's or county's emergency plan (应急预案)
    WARNING = "warning"  # an early warning (预警) of the county, and the standby it starts


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the services see it."""

    user_id: int
    role: Role
    county_id: int | None = None
    subdistrict_id: int | None = None
    organization_id: int | None = None
    cell_ids: frozenset[int] = field(default_factory=frozenset)


class Forbidden(Exception):
    """The actor's role may not take this action on this kind of record."""

    code = "forbidden"  # the message users read; a narrower refusal names its own


class OutOfScope(Exception):
    """The record exists but lies outside the actor's jurisdiction (answered as not found)."""


_ADMINISTRATORS = {Role.ADMIN, Role.DUTY_OFFICER}
_EVERYONE = set(Role)

ALLOWED: dict[tuple[Resource, Action], set[Role]] = {
    (Resource.PLACE, Action.READ): _EVERYONE,
    (Resource.CELL, Action.READ): _EVERYONE,
    (Resource.CELL, Action.CREATE): _ADMINISTRATORS,
    (Resource.CELL, Action.EDIT): _ADMINISTRATORS,
    (Resource.ORGANIZATION, Action.READ): _EVERYONE,
    (Resource.ORGANIZATION, Action.CREATE): _ADMINISTRATORS,
    (Resource.ORGANIZATION, Action.EDIT): _ADMINISTRATORS,
    (Resource.ORGANIZATION, Action.SUSPEND): _ADMINISTRATORS,
    (Resource.MEMBER, Action.READ): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.MEMBER, Action.CREATE): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.MEMBER, Action.EDIT): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.INCIDENT, Action.READ): _EVERYONE,
    (Resource.INCIDENT, Action.CREATE): _ADMINISTRATORS,
    (Resource.INCIDENT, Action.EDIT): _ADMINISTRATORS,
    (Resource.NEED, Action.READ): _EVERYONE,
    (Resource.NEED, Action.CREATE): _ADMINISTRATORS,
    (Resource.NEED, Action.EDIT): _ADMINISTRATORS,
    (Resource.ASSIGNMENT, Action.READ): _EVERYONE,
    # Leaders answer their own offers; an officer may record an answer given by phone.
    (Resource.ASSIGNMENT, Action.ANSWER): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.ASSIGNMENT, Action.EDIT): _ADMINISTRATORS,
    # Leaders see the sessions of their subdistrict (their members go to them); departments record them.
    (Resource.TRAINING, Action.READ): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.TRAINING, Action.CREATE): _ADMINISTRATORS,
    (Resource.TRAINING, Action.EDIT): _ADMINISTRATORS,
    # Anyone may complain about an organization of their county; its leader sees what was said about it; the
    # managing body decides (dispatch/domain/complaints.py says which administrator that is).
    (Resource.COMPLAINT, Action.CREATE): _EVERYONE,
    (Resource.COMPLAINT, Action.READ): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.COMPLAINT, Action.EDIT): _ADMINISTRATORS,
    # Anyone on the ground reports a risk where they work; the subdistrict handles its inbox.
    (Resource.RISK, Action.CREATE): _EVERYONE,
    (Resource.RISK, Action.READ): _EVERYONE,
    (Resource.RISK, Action.EDIT): _ADMINISTRATORS,
    # Leaders see their own scorecard before it is published; the subdistrict or county publishes.
    (Resource.EVALUATION, Action.READ): _ADMINISTRATORS | {Role.ORG_LEADER},
    (Resource.EVALUATION, Action.EDIT): _ADMINISTRATORS,
    # Drills are run by those who run incidents (within their subdistrict or county); leaders and grid workers
    # take part through the drill's offers and needs, which they see as usual, but not its script or report.
    (Resource.DRILL, Action.CREATE): _ADMINISTRATORS,
    (Resource.DRILL, Action.EDIT): _ADMINISTRATORS,
    (Resource.DRILL, Action.READ): _ADMINISTRATORS,
    # The county's administrator reads the security audit and lifts locks; nobody edits the audit.
    (Resource.AUDIT, Action.READ): {Role.ADMIN},
    (Resource.ACCOUNT, Action.EDIT): {Role.ADMIN},
    # The duty office registers its own group robots: a subdistrict's officers theirs, the county's administrators
    # the county's (dispatch/services/duty_groups/registry.py narrows each to its own).
    # Plans are written and started by those who run incidents: a subdistrict's officers keep theirs and read the
    # county's; the county's administrators keep every plan of the county (dispatch/services/plans/library.py).
    (Resource.PLAN, Action.READ): _ADMINISTRATORS,
    (Resource.PLAN, Action.CREATE): _ADMINISTRATORS,
    (Resource.PLAN, Action.EDIT): _ADMINISTRATORS,
    # Warnings are the county's: its administrators and duty officers read them in and lift them.
    (Resource.WARNING, Action.READ): _ADMINISTRATORS,
    (Resource.WARNING, Action.CREATE): _ADMINISTRATORS,
    (Resource.WARNING, Action.EDIT): _ADMINISTRATORS,
    (Resource.DUTY_GROUP, Action.READ): _ADMINISTRATORS,
    (Resource.DUTY_GROUP, Action.CREATE): _ADMINISTRATORS,
    (Resource.DUTY_GROUP, Action.EDIT): _ADMINISTRATORS,
}


def may(actor: Actor, action: Action, resource: Resource) -> bool:
    return actor.role in ALLOWED.get((resource, action), set())


def require(actor: Actor, action: Action, resource: Resource) -> None:
    """Raise Forbidden unless the actor's role may take the action at all."""
    if not may(actor, action, resource):
        raise Forbidden(f"{actor.role.value} may not {action.value} {resource.value}")


def sees_phone_numbers(actor: Actor, organization_id: int | None = None) -> bool:
    """Who needs an organization's phone numbers unmasked: whoever dispatches it, and its leader."""
    if actor.role in _ADMINISTRATORS:
        return True
    return actor.role is Role.ORG_LEADER and actor.organization_id == organization_id


def sees_worker_phone(actor: Actor, cell_id: int) -> bool:
    """A grid worker's number: for whoever dispatches, and for the worker's own cells."""
    return actor.role in _ADMINISTRATORS or cell_id in actor.cell_ids
