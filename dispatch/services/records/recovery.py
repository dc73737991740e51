"""Recovery (恢复重建): once an incident moves to recovery, the duty officer turns the work left into recovery
tasks, by hand or from emergency needs left unfinished. Each task is offered as its own need (``kind=recovery``),
so organizations are asked, accept and report through the same assignments, SMS and phone page. Leaders log
progress on their work; the grid worker of the task's cell confirms it done.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from dispatch.domain.assignments import ACTIVE_STATES
from dispatch.domain.incidents import NeedStatus
from dispatch.domain.recovery import NeedKind, NotDone, RecoveryState, confirmable, recovery_state
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Assignment, Need, ProgressReport, RecoveryTask
from dispatch.schemas.common import PointIn
from dispatch.schemas.dispatching import NeedIn
from dispatch.schemas.recovery import ProgressReportIn, RecoveryTaskIn
from dispatch.services import events
from dispatch.services.dispatch.answers import get_assignment
from dispatch.services.dispatch.incidents import get_incident
from dispatch.services.dispatch.needs import claim_need, close_need_records, get_need, post_need
from dispatch.services.errors import Conflict, FieldError, NotFound
from dispatch.services.scoping import need_clause


class NotYourCell(Forbidden):
    code = "recovery.not_your_cell"


def state_of(task: RecoveryTask) -> RecoveryState:
    return recovery_state((a.state for a in task.need.assignments), task.confirmed_at is not None)


def _loaded():
    return (
        selectinload(RecoveryTask.need).selectinload(Need.assignments).selectinload(Assignment.organization),
        selectinload(RecoveryTask.reports).selectinload(ProgressReport.assignment).selectinload(Assignment.organization),
        selectinload(RecoveryTask.cell),
    )


def list_tasks(actor: Actor, incident_id: int) -> list[RecoveryTask]:
    """The incident's recovery tasks the actor may see (a grid worker: their cells'; a leader: those offered to them)."""
    get_incident(actor, incident_id)
    query = (
        select(RecoveryTask)
        .join(Need, RecoveryTask.need_id == Need.id)
        .where(RecoveryTask.incident_id == incident_id, need_clause(actor))
        .options(*_loaded())
        .order_by(RecoveryTask.id)
    )
    return list(db.session.scalars(query))


def get_task(actor: Actor, task_id: int) -> RecoveryTask:
    require(actor, Action.READ, Resource.NEED)
    query = (
        select(RecoveryTask)
        .join(Need, RecoveryTask.need_id == Need.id)
        .where(RecoveryTask.id == task_id, need_clause(actor))
        .options(*_loaded())
    )
    task = db.session.scalar(query)
    if task is None:
        raise NotFound()
    return task


def create_task(actor: Actor, incident_id: int, data: RecoveryTaskIn) -> RecoveryTask:
    """A recovery task by hand: offered at once, like a need, to the best organizations for it."""
    need_data = NeedIn.model_validate(data.model_dump(exclude={"what"}, exclude_unset=True) | {"description": data.what})

    def task_for(need: Need) -> None:
        db.session.add(
            RecoveryTask(need=need, incident_id=incident_id, cell_id=need.cell_id, what=data.what, created_by=actor.user_id)
        )
        db.session.flush()

    need, _created = post_need(actor, incident_id, need_data, also=task_for, kind=NeedKind.RECOVERY)
    return _task_of(actor, need.id)


def leftovers(actor: Actor, incident_id: int) -> list[Need]:
    """Emergency needs of the incident with people still lacking and no recovery task carrying them on yet."""
    get_incident(actor, incident_id)
    carried = select(RecoveryTask.source_need_id).where(RecoveryTask.source_need_id.is_not(None))
    query = (
        select(Need)
        .where(
            Need.incident_id == incident_id, Need.kind == NeedKind.RESPONSE, Need.accepted < Need.head_count,
            Need.status != NeedStatus.CANCELLED, Need.id.not_in(carried), need_clause(actor),
        )
        .options(selectinload(Need.skills), selectinload(Need.cell))
        .order_by(Need.id)
    )  # fmt: skip
    return list(db.session.scalars(query))


def from_need(actor: Actor, need_id: int, what: str | None) -> RecoveryTask:
    """Carry an unfinished emergency need on as a recovery task: the people it still lacks, at its place, with its
    skills. The emergency need takes no more offers (work accepted on it goes on); both happen in one transaction."""
    require(actor, Action.CREATE, Resource.NEED)
    source = get_need(actor, need_id)
    if source.kind is not NeedKind.RESPONSE or source.still_needed < 1 or source.status is NeedStatus.CANCELLED:
        raise Conflict([FieldError("need_id", "recovery.no_work_left", {})])
    if (existing := db.session.scalar(select(RecoveryTask.id).where(RecoveryTask.source_need_id == need_id))) is not None:
        raise Conflict([FieldError("need_id", "recovery.already_task", {"task": existing})])
    what = what or source.description or ""
    need_data = NeedIn(
        skills=[s.code for s in source.skills], head_count=source.still_needed, location=PointIn(lon=source.lon, lat=source.lat),
        address=source.address or None, description=what, priority=source.priority, policy=source.policy,
        broadcast_k=source.broadcast_k, offer_timeout_s=source.offer_timeout_s,
    )  # fmt: skip

    def carry_on(need: Need) -> None:
        if claim_need(need_id).status in (NeedStatus.OPEN, NeedStatus.UNFILLED):
            close_need_records(source, actor, NeedStatus.CLOSED)
        db.session.add(
            RecoveryTask(need=need, incident_id=source.incident_id, cell_id=need.cell_id, what=what or need.description,
                         source_need_id=need_id, created_by=actor.user_id)
        )  # fmt: skip
        db.session.flush()

    need, _created = post_need(actor, source.incident_id, need_data, also=carry_on, kind=NeedKind.RECOVERY)
    return _task_of(actor, need.id)


def report_progress(actor: Actor, assignment_id: int, data: ProgressReportIn) -> RecoveryTask:
    """A leader's progress on their recovery work: how far, what, people and hours since the last report."""
    require(actor, Action.ANSWER, Resource.ASSIGNMENT)
    assignment = get_assignment(actor, assignment_id)  # their own organization's, or NotFound
    task = db.session.scalar(select(RecoveryTask).where(RecoveryTask.need_id == assignment.need_id))
    if task is None:
        raise Conflict([FieldError("assignment_id", "recovery.not_recovery_work", {})])
    if data.client_ref and _reported(assignment_id, data.client_ref):
        return get_task(actor, task.id)  # sent again by a phone unsure the first one arrived
    if assignment.state not in ACTIVE_STATES:
        raise Conflict([FieldError("state", "recovery.not_active", {"state": assignment.state.value})])
    db.session.add(
        ProgressReport(task=task, assignment=assignment, percent=data.percent, note=data.note, people=data.people,
                       hours=data.hours, reported_by=actor.user_id, client_ref=data.client_ref)
    )  # fmt: skip
    events.record(
        "assignment.progress", assignment=assignment, actor_id=actor.user_id, task_id=task.id, percent=data.percent,
        note=data.note, people=data.people, hours=data.hours,
    )  # fmt: skip
    try:
        events.commit()
    except IntegrityError:  # the same report raced in twice: the first one counts
        events.rollback()
    return get_task(actor, task.id)


def _reported(assignment_id: int, client_ref: str) -> bool:
    query = select(ProgressReport.id).where(
        ProgressReport.assignment_id == assignment_id, ProgressReport.client_ref == client_ref
    )
    return db.session.scalar(query) is not None


def confirm(actor: Actor, task_id: int, note: str) -> RecoveryTask:
    """The grid worker of the task's cell confirms the work done; the task's need is then closed."""
    if actor.role is not Role.GRID_WORKER:
        raise NotYourCell()
    task = get_task(actor, task_id)  # a grid worker reaches the tasks of their own cells only
    try:
        confirmable(state_of(task))
    except NotDone as exc:
        if exc.state is RecoveryState.CONFIRMED:
            return task  # confirmed already: the same confirmation again changes nothing
        raise Conflict([FieldError("state", "recovery.not_done", {"state": exc.state.value})]) from exc
    db.session.commit()  # end the read: the claim below starts the deciding transaction
    need = claim_need(task.need_id)
    won = db.session.execute(
        update(RecoveryTask)
        .where(RecoveryTask.id == task_id, RecoveryTask.confirmed_at.is_(None))
        .values(confirmed_at=datetime.now(UTC), confirmed_by=actor.user_id, confirmation_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won:
        if need.status in (NeedStatus.OPEN, NeedStatus.UNFILLED, NeedStatus.FILLED):
            close_need_records(need, actor, NeedStatus.CLOSED)
        events.record("recovery.confirmed", need=need, actor_id=actor.user_id, task_id=task_id, note=note)
    events.commit()
    db.session.expire_all()
    return get_task(actor, task_id)


def _task_of(actor: Actor, need_id: int) -> RecoveryTask:
    task_id = db.session.scalar(select(RecoveryTask.id).where(RecoveryTask.need_id == need_id))
    return get_task(actor, task_id)
