"""Recovery tasks: the incident's recovery board, tasks by hand or from unfinished needs, progress, confirmation."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.recovery import percent_done
from dispatch.domain.scope import Action, Resource, may
from dispatch.models import Need, RecoveryTask
from dispatch.schemas.common import ErrorOut, PointOut, Ref
from dispatch.schemas.recovery import (
    ConfirmIn,
    FromNeedIn,
    LeftoverOut,
    ProgressOut,
    ProgressReportIn,
    RecoveryBoardOut,
    RecoveryTaskIn,
    RecoveryTaskOut,
    TaskWorkOut,
)
from dispatch.services.records import recovery

bp = Blueprint("api_recovery", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["recovery"]


def _cell(cell) -> Ref | None:
    return Ref(id=cell.id, code=cell.code, name=cell.name) if cell is not None else None


def task_out(task: RecoveryTask) -> RecoveryTaskOut:
    need, state = task.need, recovery.state_of(task)
    return RecoveryTaskOut(
        id=task.id, incident_id=task.incident_id, need_id=task.need_id, what=task.what, cell=_cell(task.cell),
        location=PointOut(lon=need.lon, lat=need.lat), address=need.address, state=state,
        percent=percent_done(state, task.percent), head_count=need.head_count, source_need_id=task.source_need_id,
        confirmed_at=task.confirmed_at, confirmation_note=task.confirmation_note,
        work=[
            TaskWorkOut(assignment_id=a.id, organization=Ref(id=a.organization.id, name=a.organization.name), state=a.state, head_count=a.head_count)
            for a in need.assignments
        ],
        reports=[
            ProgressOut(percent=r.percent, note=r.note, people=r.people, hours=r.hours, created_at=r.created_at,
                        organization=Ref(id=r.assignment.organization.id, name=r.assignment.organization.name))
            for r in task.reports
        ],
    )  # fmt: skip


def _leftover_out(need: Need) -> LeftoverOut:
    return LeftoverOut(need_id=need.id, description=need.description, cell=_cell(need.cell), still_needed=need.still_needed)


@bp.get("/incidents/<int:incident_id>/recovery")
@spec.validate(resp=Response(HTTP_200=RecoveryBoardOut, **ERRORS), tags=TAGS)
def board(incident_id: int):
    """The recovery board: every task with its state and progress, and (for officers) needs left unfinished."""
    actor = current_actor()
    tasks = recovery.list_tasks(actor, incident_id)
    leftovers = recovery.leftovers(actor, incident_id) if may(actor, Action.CREATE, Resource.NEED) else []
    return RecoveryBoardOut(
        incident_id=incident_id, tasks=[task_out(t) for t in tasks], leftovers=[_leftover_out(n) for n in leftovers]
    )


@bp.post("/incidents/<int:incident_id>/recovery-tasks")
@spec.validate(json=RecoveryTaskIn, resp=Response(HTTP_201=RecoveryTaskOut, **ERRORS), tags=TAGS)
def create_task(incident_id: int, json: RecoveryTaskIn):
    """A recovery task by hand (the incident must be in recovery); it is offered at once, like a need."""
    return task_out(recovery.create_task(current_actor(), incident_id, json)), 201


@bp.post("/needs/<int:need_id>/recovery-task")
@spec.validate(json=FromNeedIn, resp=Response(HTTP_201=RecoveryTaskOut, **ERRORS), tags=TAGS)
def from_need(need_id: int, json: FromNeedIn):
    """Carry an unfinished emergency need on as a recovery task (the people it still lacks, at its place)."""
    return task_out(recovery.from_need(current_actor(), need_id, json.what)), 201


@bp.get("/recovery-tasks/<int:task_id>")
@spec.validate(resp=Response(HTTP_200=RecoveryTaskOut, **ERRORS), tags=TAGS)
def get_task(task_id: int):
    return task_out(recovery.get_task(current_actor(), task_id))


@bp.post("/assignments/<int:assignment_id>/progress")
@spec.validate(json=ProgressReportIn, resp=Response(HTTP_200=RecoveryTaskOut, **ERRORS), tags=TAGS)
def progress(assignment_id: int, json: ProgressReportIn):
    """The leader logs progress on recovery work: per cent, a note, people and person-hours since the last report."""
    return task_out(recovery.report_progress(current_actor(), assignment_id, json))


@bp.post("/recovery-tasks/<int:task_id>/confirm")
@spec.validate(json=ConfirmIn, resp=Response(HTTP_200=RecoveryTaskOut, **ERRORS), tags=TAGS)
def confirm(task_id: int, json: ConfirmIn):
    """The grid worker of the task's cell confirms the work done; the task is then closed."""
    return task_out(recovery.confirm(current_actor(), task_id, json.note))
