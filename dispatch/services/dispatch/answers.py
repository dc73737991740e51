"""What happens to an offer: accepted with a head count, declined, expired, then en route, on site, completed,
or aborted by the leader / cancelled by the officer.

Every transition is one transaction whose UPDATE is guarded on the current state (and, for accepting, on the
need's remaining head count), so a concurrent accept, decline and expiry cannot both win, and the accepted total
never passes the head count: on PostgreSQL the row lock makes the second UPDATE re-check the first one's result;
on SQLite writers are serialized. Each transaction starts by writing the need's row (accepting adds to it, every
other transition claims it), so transitions of one need queue in one order and cannot deadlock.

Accepting also spends the organization's free people, which several needs share: after the need, it locks the
organization's row, so two accepts by one organization (of different needs) decide one after the other, the second
counting the first one's people. Lock order, everywhere: need → organization → assignment → event counter. Nothing
locks an organization and then a need, so the order cannot cross.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from dispatch.domain.assignments import (
    ACTIVE_STATES,
    TERMINAL_STATES,
    AssignmentAction,
    AssignmentState,
    InvalidTransition,
    next_state,
)
from dispatch.domain.incidents import NeedStatus
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Assignment, Need, Organization, User
from dispatch.schemas.dispatching import AssignmentQuery
from dispatch.services import events
from dispatch.services.dispatch import offers
from dispatch.services.dispatch.candidates import free_people
from dispatch.services.dispatch.needs import claim_need, withdraw_open_offers
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.scoping import assignment_clause

LEADER_ACTIONS = {AssignmentAction.DEPART, AssignmentAction.ARRIVE, AssignmentAction.COMPLETE, AssignmentAction.ABORT}


def get_assignment(actor: Actor, assignment_id: int) -> Assignment:
    require(actor, Action.READ, Resource.ASSIGNMENT)
    assignment = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id, assignment_clause(actor)))
    if assignment is None:
        raise NotFound()
    return assignment


def list_assignments(actor: Actor, query: AssignmentQuery) -> tuple[list[Assignment], int]:
    """Offers and work the actor may see (a leader: their organization's), newest first, one page."""
    require(actor, Action.READ, Resource.ASSIGNMENT)
    where = [assignment_clause(actor)]
    if query.state is not None:
        where.append(Assignment.state == query.state)
    if query.past is not None:  # the phone's history: what is over; its cards: what still asks something of the leader
        over = Assignment.state.in_(TERMINAL_STATES)
        where.append(over if query.past else ~over)
    return page_of(Assignment, where, Assignment.id.desc(), query)


def leader_actor(assignment: Assignment) -> Actor:
    """The organization's leader as the actor answering its offer from outside a session (an SMS reply, a key pressed
    on a call, a one-tap link): their login when they have one."""
    user_id = db.session.scalar(
        select(User.id).where(User.organization_id == assignment.organization_id, User.role == Role.ORG_LEADER).limit(1)
    )
    return Actor(user_id=user_id, role=Role.ORG_LEADER, organization_id=assignment.organization_id)


def accept(actor: Actor, assignment_id: int, head_count: int, via: str = "") -> Assignment:
    """Accept an offer for ``head_count`` people, never more than the need still lacks nor the organization has free.
    ``via`` names the way the answer came when it is not the leader's session (``link``: a one-tap offer link)."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    assignment = get_assignment(actor, assignment_id)
    need_id, organization_id, now = assignment.need_id, assignment.organization_id, datetime.now(UTC)
    db.session.commit()  # end the read; the guarded writes below start the transaction that decides
    if not _add_to_need(need_id, head_count):
        events.rollback()
        raise _not_open_offer(assignment_id) or _too_many(need_id, head_count)
    _hold_organization(organization_id)
    if head_count > (free := free_people(db.session.get(Need, need_id), organization_id, now.date())):
        events.rollback()
        over = InvalidInput([FieldError("head_count", "head_count.over_capacity", {"asked": head_count, "free": free})])
        raise _not_open_offer(assignment_id) or over
    if not _guarded(
        assignment_id,
        AssignmentState.OFFERED,
        AssignmentState.ACCEPTED,
        head_count=head_count,
        answered_at=now,
        extra=(Assignment.deadline > now,),
    ):
        events.rollback()
        raise _not_open(assignment_id)
    assignment = db.session.get(Assignment, assignment_id)
    db.session.refresh(assignment)  # the guarded UPDATE changed it behind the ORM's back
    db.session.refresh(assignment.need)
    events.record("offer.accepted", assignment=assignment, actor_id=actor.user_id, head_count=head_count, **_via(via))
    _after_accept(assignment.need, actor.user_id)
    events.commit()
    return assignment


def _add_to_need(need_id: int, people: int) -> bool:
    statement = update(Need).where(Need.id == need_id, Need.status == NeedStatus.OPEN, Need.accepted + people <= Need.head_count)
    return (
        db.session.execute(
            statement.values(accepted=Need.accepted + people).execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _hold_organization(organization_id: int) -> None:
    """Lock the organization's row until the commit: its free people are read (and spent) by one accept at a time.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: offers made in the same transaction insert assignments whose foreign
    key takes a key-share lock on other organizations, which ``FOR UPDATE`` would block, and two accepts could then
    each wait for the other's organization. On SQLite the need's UPDATE already holds the one write lock."""
    db.session.execute(select(Organization.id).where(Organization.id == organization_id).with_for_update(key_share=True))


def _guarded(assignment_id: int, current: AssignmentState, wanted: AssignmentState, *, extra: tuple = (), **values) -> bool:
    """Move one assignment from ``current`` to ``wanted``; False when someone else moved it first."""
    statement = update(Assignment).where(Assignment.id == assignment_id, Assignment.state == current, *extra)
    result = db.session.execute(
        statement.values(state=wanted, updated_at=datetime.now(UTC), **values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _after_accept(need: Need, actor_id: int) -> None:
    if need.accepted >= need.head_count:
        need.status = NeedStatus.FILLED
        events.record("need.filled", need=need, actor_id=actor_id)
        withdraw_open_offers(need, actor_id)
    else:  # an accepted offer is no longer out: top up to what the policy keeps out (K, or one)
        offers.offer_more(need, actor_id)


def _too_many(need_id: int, asked: int) -> InvalidInput:
    need = db.session.get(Need, need_id)
    if need.status is not NeedStatus.OPEN:
        return Conflict([FieldError("need", "need.not_open", {"status": need.status.value})])
    return InvalidInput([FieldError("head_count", "head_count.too_many", {"asked": asked, "still_needed": need.still_needed})])


def _not_open(assignment_id: int) -> Conflict:
    assignment = db.session.get(Assignment, assignment_id)
    state = assignment.state
    if state is AssignmentState.OFFERED:  # still marked offered, but past its deadline: the sweeper has not got to it yet
        state = AssignmentState.EXPIRED
    return Conflict([FieldError("state", "offer.not_open", {"state": state.value})])


def _not_open_offer(assignment_id: int) -> Conflict | None:
    """The refusal to give when the offer itself can no longer be answered (it says more than the need's state)."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment.state is AssignmentState.OFFERED and assignment.deadline > datetime.now(UTC):
        return None
    return _not_open(assignment_id)


def decline(actor: Actor, assignment_id: int, reason: str, via: str = "") -> Assignment:
    """Decline an offer with a reason; the need passes to the next candidate."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    need_id = get_assignment(actor, assignment_id).need_id  # in scope, or NotFound
    db.session.commit()
    claim_need(need_id)
    if not _guarded(assignment_id, AssignmentState.OFFERED, AssignmentState.DECLINED, answered_at=datetime.now(UTC), note=reason):
        events.rollback()
        raise _not_open(assignment_id)
    return _closed_without_filling(assignment_id, "offer.declined", actor.user_id, reason=reason, **_via(via))


def _via(via: str) -> dict[str, str]:
    return {"via": via} if via else {}


def expire_offer(assignment_id: int) -> bool:
    """Expire one overdue offer and pass the need on; False when it was answered or expired already (safe to repeat)."""
    need_id = db.session.scalar(select(Assignment.need_id).where(Assignment.id == assignment_id))
    db.session.commit()
    claim_need(need_id)
    now = datetime.now(UTC)
    if not _guarded(assignment_id, AssignmentState.OFFERED, AssignmentState.EXPIRED, extra=(Assignment.deadline <= now,)):
        events.rollback()
        return False
    _closed_without_filling(assignment_id, "offer.expired", None)
    return True


def sweep_overdue() -> int:
    """Expire every offer past its deadline (after any restart too: deadlines live in the database)."""
    overdue = db.session.scalars(
        select(Assignment.id)
        .where(Assignment.state == AssignmentState.OFFERED, Assignment.deadline <= datetime.now(UTC))
        .order_by(Assignment.deadline)
    ).all()
    db.session.commit()
    return sum(expire_offer(assignment_id) for assignment_id in overdue)


def _closed_without_filling(assignment_id: int, kind: str, actor_id: int | None, **data) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    db.session.refresh(assignment)
    events.record(kind, assignment=assignment, actor_id=actor_id, **data)
    offers.offer_more(assignment.need, actor_id)
    events.commit()
    return assignment


def progress(actor: Actor, assignment_id: int, action: AssignmentAction, note: str = "", people: int | None = None) -> Assignment:
    """The leader reports en route, on site, completed, or gives accepted work up (abort)."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    if action not in LEADER_ACTIONS:
        raise InvalidInput([FieldError("action", "value_error")])
    return _move(actor, get_assignment(actor, assignment_id), action, note, people)


def cancel(actor: Actor, assignment_id: int, reason: str = "") -> Assignment:
    """The officer takes an offer back (withdraw) or calls accepted work off (cancel)."""
    require(actor, Action.EDIT, Resource.ASSIGNMENT)
    assignment = get_assignment(actor, assignment_id)
    action = AssignmentAction.WITHDRAW if assignment.state is AssignmentState.OFFERED else AssignmentAction.CANCEL
    return _move(actor, assignment, action, reason, None)


def _move(actor: Actor, assignment: Assignment, action: AssignmentAction, note: str, people: int | None) -> Assignment:
    current = assignment.state
    try:
        wanted = next_state(current, action)
    except InvalidTransition as exc:
        raise Conflict([FieldError("state", "assignment.transition", {"state": current.value, "action": action.value})]) from exc
    assignment_id, need_id, head_count = assignment.id, assignment.need_id, assignment.head_count
    db.session.commit()
    claim_need(need_id)
    if not _guarded(assignment_id, current, wanted, note=note[:200]):
        events.rollback()
        raise Conflict([FieldError("state", "assignment.changed", {})])
    if current in ACTIVE_STATES and wanted not in ACTIVE_STATES and wanted is not AssignmentState.COMPLETED:
        _give_back(need_id, head_count)
    assignment = db.session.get(Assignment, assignment_id)
    db.session.refresh(assignment)
    events.record(f"assignment.{wanted.value}", assignment=assignment, actor_id=actor.user_id, note=note, people=people)
    if wanted in (AssignmentState.ABORTED, AssignmentState.CANCELLED, AssignmentState.WITHDRAWN):
        offers.offer_more(assignment.need, actor.user_id)
    events.commit()
    return assignment


def _give_back(need_id: int, people: int) -> None:
    """Aborted or cancelled work: its people no longer count, and a filled need needs people again."""
    statement = update(Need).where(Need.id == need_id).values(accepted=Need.accepted - people)
    db.session.execute(statement.execution_options(synchronize_session=False))
    need = db.session.get(Need, need_id)
    db.session.refresh(need)
    if need.status is NeedStatus.FILLED:
        need.status = NeedStatus.OPEN


def mark_seen(actor: Actor, assignment_id: int) -> bool:
    """The leader's phone acknowledged the offer on the socket: recorded once, and no failover SMS goes out for it.
    True the first time; False when it was seen already or is no longer open (both fine to repeat). Only the
    organization's own phone can see an offer: an officer looking at it does not stop the SMS."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    if actor.role is not Role.ORG_LEADER:
        raise Forbidden()
    get_assignment(actor, assignment_id)  # in scope, or NotFound
    db.session.commit()
    now = datetime.now(UTC)
    seen = db.session.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id, Assignment.seen_at.is_(None), Assignment.state == AssignmentState.OFFERED)
        .values(seen_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not seen:
        events.rollback()
        return False
    assignment = db.session.get(Assignment, assignment_id)
    db.session.refresh(assignment)
    events.record("offer.seen", assignment=assignment, actor_id=actor.user_id)
    events.commit()
    return True
