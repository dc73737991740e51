"""Drills (演练): a scenario file played on a drill incident through the real pipeline.

Starting a drill checks the whole scenario first (a bad file changes nothing), then opens the drill incident and
its run in one transaction. Each step posts its need as the officer who started the drill would, so matching,
offers, sockets and SMS are the real ones; the incident's ``drill`` flag marks every message 【演练】 and keeps its
figures apart. A step posts with an idempotency key of its own and advances the run with an UPDATE guarded on
how far it had got, so a retried step or two sweepers at once never post a need twice. The drill clock is the
run's start time and the scenario's offsets: ``run_due_steps`` (called by the sweeper) needs no memory.

A scenario may rehearse an emergency plan (``drill_plans``): starting the plan is one more moment on the drill's
timeline, counted by ``steps_done`` like a step. Its moment is claimed first by the same guarded UPDATE, committed,
and only then is the plan started (``starting.start``, which commits its own posts): a retry or a racing sweeper
finds the moment taken and starts nothing, and should the process die between the two, the report says the plan
was not started rather than the drill ever starting it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from pydantic import ValidationError
from sqlalchemy import select, update

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.drill_report import Change, DrillReport, PlannedStep, compare, drill_report
from dispatch.domain.drill_scenario import InvalidScenario, PlanStart, Scenario, Step, parse_scenario
from dispatch.domain.drills import DrillMode, DrillStatus, due_steps, status_after
from dispatch.domain.incidents import IncidentStatus
from dispatch.domain.plans.rehearsal import Rehearsal
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, require
from dispatch.extensions import db
from dispatch.models import DrillRun, Event, Incident, Need, Organization, Skill, Subdistrict, User
from dispatch.schemas.common import PageQuery
from dispatch.schemas.dispatching import IncidentIn, NeedIn
from dispatch.services import events
from dispatch.services.dispatch.incidents import open_incident
from dispatch.services.dispatch.needs import post_need
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound, field_errors
from dispatch.services.paging import page_of
from dispatch.services.plans import starting
from dispatch.services.records.drill_plans import plan_to_rehearse, rehearsal_of, rehearsed_plan_id
from dispatch.services.scoping import subdistrict_clause

log = logging.getLogger(__name__)


def scenario_of(run: DrillRun) -> Scenario:
    """The run's scenario, parsed once per text: the sweeper asks every few seconds, and a run's text never changes."""
    return _parsed(run.scenario)


@lru_cache(maxsize=64)
def _parsed(text: str) -> Scenario:
    return parse_scenario(text)  # a frozen value: safe to share


class _StepTaken(Exception):
    """Someone else ran this step (or stopped the run) first: this attempt writes nothing."""


def checked_scenario(text: str) -> Scenario:
    """The scenario, with every step's need checked as the needs API would; InvalidInput with lines otherwise.

    Places are not looked up here: an address is resolved when its step runs, and one that cannot be is a failed
    step of the drill, not a bad file."""
    try:
        scenario = parse_scenario(text)
    except InvalidScenario as exc:
        raise InvalidInput([FieldError(p.field, p.code, p.params, row=p.line) for p in exc.problems]) from exc
    known = set(db.session.scalars(select(Skill.code)))
    errors = [error for step in scenario.steps for error in _need_errors(step, known)]
    if errors:
        raise InvalidInput(errors)
    return scenario


def _need_errors(step: Step, known_skills: set[str]) -> list[FieldError]:
    """What NeedIn refuses in the step's need, each error on the line of the field it is about."""
    try:
        need = NeedIn.model_validate(step.need)
    except ValidationError as exc:
        return [
            replace(e, field=f"{step.where}.need.{e.field}", row=step.line_of(e.field.split(".")[0])) for e in field_errors(exc)
        ]
    unknown = [code for code in need.skills if code not in known_skills]
    return [FieldError(f"{step.where}.need.skills", "skill.unknown", {"code": code}, step.line_of("skills")) for code in unknown]


def start(actor: Actor, scenario_text: str, mode: DrillMode, subdistrict_id: int | None = None) -> DrillRun:
    """Open the drill incident and its run in one transaction; an auto drill then runs the steps due at once."""
    require(actor, Action.CREATE, Resource.DRILL)
    scenario = checked_scenario(scenario_text)
    plan_id = plan_to_rehearse(actor, scenario, subdistrict_id or actor.subdistrict_id)
    started_at, made = datetime.now(UTC), []

    def with_run(incident: Incident) -> None:
        run = DrillRun(
            incident=incident, subdistrict_id=incident.subdistrict_id, title=scenario.title, scenario=scenario_text,
            mode=mode, started_at=started_at, steps_done=0, status=DrillStatus.RUNNING, created_by=actor.user_id,
        )  # fmt: skip
        db.session.add(run)
        db.session.flush()
        rehearsing = {"plan_id": plan_id} if plan_id is not None else {}
        events.record(
            "drill.started", incident=incident, actor_id=actor.user_id, run_id=run.id, mode=mode.value,
            steps=len(scenario.steps), **rehearsing,
        )  # fmt: skip
        made.append(run.id)

    data = IncidentIn(
        title=scenario.title, category=scenario.category, level=scenario.level, subdistrict_id=subdistrict_id, drill=True
    )
    open_incident(actor, data, also=with_run)
    if mode is DrillMode.AUTO:
        _run_due(made[0], started_at)
    return db.session.get(DrillRun, made[0], populate_existing=True)


def get_run(actor: Actor, run_id: int) -> DrillRun:
    require(actor, Action.READ, Resource.DRILL)
    run = db.session.scalar(select(DrillRun).where(DrillRun.id == run_id, _run_clause(actor)))
    if run is None:
        raise NotFound()
    return run


def list_runs(actor: Actor, query: PageQuery) -> tuple[list[DrillRun], int]:
    """The drills of the actor's subdistrict (an admin: the county's), newest first."""
    require(actor, Action.READ, Resource.DRILL)
    return page_of(DrillRun, [_run_clause(actor)], DrillRun.id.desc(), query)


def _run_clause(actor: Actor):
    """Drills are the subdistrict's own: unlike incidents, escalation does not show one to the county's officers."""
    return DrillRun.subdistrict_id.in_(select(Subdistrict.id).where(subdistrict_clause(actor)))


def step(actor: Actor, run_id: int) -> DrillRun:
    """Run the next step now: how a manual drill moves, and how an auto one is hurried."""
    require(actor, Action.EDIT, Resource.DRILL)
    run = get_run(actor, run_id)
    if run.status is not DrillStatus.RUNNING:
        raise Conflict([FieldError("status", "drill.not_running", {"status": run.status.value})])
    run_step(run.id, run.steps_done)
    return db.session.get(DrillRun, run_id, populate_existing=True)


def stop(actor: Actor, run_id: int) -> DrillRun:
    """No more steps. The incident stays active: offers out are still answered, and the officer closes it."""
    require(actor, Action.EDIT, Resource.DRILL)
    run = get_run(actor, run_id)
    status = run.status
    db.session.commit()  # end the read; the guarded write decides
    if not _stopped(run_id, actor.user_id, reason="by_hand"):
        events.rollback()
        raise Conflict([FieldError("status", "drill.not_running", {"status": status.value})])
    events.commit()
    return db.session.get(DrillRun, run_id, populate_existing=True)


def run_due_steps(now: datetime | None = None) -> int:
    """Run every auto drill's steps whose time has come (the sweeper calls this); the number of steps run."""
    now = now or datetime.now(UTC)
    running = db.session.scalars(
        select(DrillRun.id).where(DrillRun.status == DrillStatus.RUNNING, DrillRun.mode == DrillMode.AUTO).order_by(DrillRun.id)
    ).all()
    db.session.commit()
    return sum(_run_due_safely(run_id, now) for run_id in running)


def _run_due_safely(run_id: int, now: datetime) -> int:
    """One drill's trouble must not hold up the others, nor the sweeper's other work; the next pass retries it."""
    try:
        return _run_due(run_id, now)
    except Exception:
        events.rollback()
        log.exception("drill run %s: could not run its due steps", run_id)
        return 0


def _run_due(run_id: int, now: datetime) -> int:
    run = db.session.get(DrillRun, run_id, populate_existing=True)
    offsets = [moment.offset_s for moment in scenario_of(run).timeline]
    due = due_steps(offsets, run.steps_done, run.started_at, now)
    db.session.commit()
    return sum(run_step(run_id, index) for index in due)


def run_step(run_id: int, index: int) -> bool:
    """Run moment ``index`` (0-based, on the scenario's timeline: its steps and its plan start) of a running drill,
    once: False when it ran already, the run has moved past it or stopped. A need that cannot be posted (its place
    not found), or a plan that cannot be started, is a failed step, and the drill goes on."""
    run = db.session.get(DrillRun, run_id, populate_existing=True)
    if run is None or run.status is not DrillStatus.RUNNING or run.steps_done != index:
        db.session.commit()
        return False
    if run.incident.status is not IncidentStatus.ACTIVE:  # the officer closed the drill early: no step can run
        db.session.commit()
        return _stop_after_close(run_id)
    scenario, incident_id = scenario_of(run), run.incident_id
    creator = db.session.get(User, run.created_by).actor()
    db.session.commit()  # end the reads; posting the need starts the transaction that decides
    if isinstance(scenario.timeline[index], PlanStart):
        return _try_plan(run_id, incident_id, index, scenario, creator)
    return _try_step(run_id, incident_id, index, scenario, creator)


def _try_plan(run_id: int, incident_id: int, index: int, scenario: Scenario, creator: Actor) -> bool:
    """Claim the plan's moment (committed), then start the plan on the drill incident as the drill's creator. Its
    events are the steps' kinds (``drill.step``, ``drill.step_failed``) with a ``plan_id`` and no step number, so the
    board words them as it does a step's."""
    moments, plan_id = len(scenario.timeline), rehearsed_plan_id(incident_id)
    try:
        _advance(run_id, index, moments)
    except _StepTaken:
        events.rollback()
        return False
    incident = db.session.get(Incident, incident_id)
    events.record(
        "drill.step", incident=incident, actor_id=creator.user_id, run_id=run_id, plan_id=plan_id, at_s=scenario.plan.offset_s
    )
    _record_finish(run_id, index, moments, incident)
    events.commit()
    try:
        starting.start(creator, incident_id, plan_id)
    except (NotFound, Forbidden, InvalidInput) as exc:  # withdrawn, moved, a place or team gone since the drill began
        events.rollback()
        _plan_failed(run_id, incident_id, plan_id, exc)
    return True


def _plan_failed(run_id: int, incident_id: int, plan_id: int | None, exc: Exception) -> None:
    errors = exc.errors if isinstance(exc, InvalidInput) else [FieldError("plan", exc.code)]
    reasons = [{"field": e.field, "code": e.code, "params": e.params} for e in errors]
    incident = db.session.get(Incident, incident_id)
    events.record("drill.step_failed", incident=incident, run_id=run_id, plan_id=plan_id, errors=reasons[:20])
    events.commit()


def _try_step(run_id: int, incident_id: int, index: int, scenario: Scenario, creator: Actor) -> bool:
    try:
        _, created = _post_step(run_id, incident_id, index, scenario, creator)
    except _StepTaken:
        events.rollback()
        return False
    except (NotFound, Forbidden) as exc:  # the drill's starter no longer reaches its incident (moved, role changed)
        events.rollback()
        return _fail_step(run_id, index, scenario, [FieldError("created_by", exc.code)])
    except InvalidInput as exc:
        events.rollback()
        return _fail_step(run_id, index, scenario, exc.errors)
    return created


def _post_step(run_id: int, incident_id: int, index: int, scenario: Scenario, creator: Actor) -> tuple[Need, bool]:
    """Post the step's need as the drill's creator, advancing the run in the same transaction."""
    step, moments = scenario.timeline[index], len(scenario.timeline)

    def advance(need: Need) -> None:
        _advance(run_id, index, moments)
        events.record("drill.step", need=need, actor_id=creator.user_id, run_id=run_id, step=step.number, at_s=step.offset_s)
        _record_finish(run_id, index, moments, need.incident)

    data = NeedIn.model_validate(step.need)
    return post_need(creator, incident_id, data, idempotency_key=f"drill-{run_id}-step-{index}", also=advance)


def _advance(run_id: int, index: int, steps: int) -> None:
    """Move the run past step ``index``, or _StepTaken when it is no longer there (ran already, or stopped)."""
    statement = (
        update(DrillRun)
        .where(DrillRun.id == run_id, DrillRun.steps_done == index, DrillRun.status == DrillStatus.RUNNING)
        .values(steps_done=index + 1, status=status_after(index + 1, steps))
    )
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        raise _StepTaken()


def _record_finish(run_id: int, index: int, steps: int, incident: Incident) -> None:
    if status_after(index + 1, steps) is DrillStatus.FINISHED:
        events.record("drill.finished", incident=incident, run_id=run_id, steps=steps)


def _fail_step(run_id: int, index: int, scenario: Scenario, errors: list[FieldError]) -> bool:
    """Record why the step could not post its need, and move on (once, like a step that ran)."""
    steps = len(scenario.timeline)
    try:
        _advance(run_id, index, steps)
    except _StepTaken:
        events.rollback()
        return False
    incident = db.session.get(DrillRun, run_id).incident
    reasons = [{"field": e.field, "code": e.code, "params": e.params} for e in errors]
    events.record("drill.step_failed", incident=incident, run_id=run_id, step=scenario.timeline[index].number, errors=reasons)
    _record_finish(run_id, index, steps, incident)
    events.commit()
    return True


def _stop_after_close(run_id: int) -> bool:
    if _stopped(run_id, None, reason="incident_not_active"):
        events.commit()
    else:
        events.rollback()
    return False


def _stopped(run_id: int, actor_id: int | None, reason: str) -> bool:
    """Stop a running drill (guarded on its status) and note it; the caller commits. False when it was not running."""
    statement = (
        update(DrillRun).where(DrillRun.id == run_id, DrillRun.status == DrillStatus.RUNNING).values(status=DrillStatus.STOPPED)
    )
    if db.session.execute(statement.execution_options(synchronize_session=False)).rowcount != 1:
        return False
    run = db.session.get(DrillRun, run_id, populate_existing=True)
    events.record(
        "drill.stopped", incident=run.incident, actor_id=actor_id, run_id=run_id, steps_done=run.steps_done, reason=reason
    )
    return True


@dataclass(frozen=True)
class RunReport:
    """A drill's report, the previous drill of its subdistrict (if any) and the change since, with the names of the
    organizations the rows mention."""

    run: DrillRun
    report: DrillReport
    previous: DrillRun | None
    comparison: list[Change]
    names: dict[int, str]
    rehearsal: Rehearsal | None = None  # the plan beside what happened, when the drill rehearses one


def report(actor: Actor, run_id: int) -> RunReport:
    """Who was offered what, how they answered and how fast, which needs went unfilled and why, and the headline
    figures beside the previous drill of the same subdistrict (the latest one started before this one)."""
    run = get_run(actor, run_id)
    logged = _logged(run)
    this = _report(run, logged)
    rehearsed = rehearsal_of(run, logged, this.offers)
    previous = db.session.scalar(
        select(DrillRun)
        .where(DrillRun.subdistrict_id == run.subdistrict_id, DrillRun.started_at < run.started_at)
        .order_by(DrillRun.started_at.desc(), DrillRun.id.desc())
        .limit(1)
    )
    comparison = compare(this.headline, report_of(previous).headline) if previous is not None else []
    designated = {d.organization_id for task in rehearsed.tasks for d in task.designated} if rehearsed else set()
    names = _names({o.organization_id for o in this.offers} | designated)
    return RunReport(run, this, previous, comparison, names, rehearsed)


def report_of(run: DrillRun) -> DrillReport:
    """The figures of one run, from its incident's event log and its needs' accepted people."""
    return _report(run, _logged(run))


def _logged(run: DrillRun) -> list[LoggedEvent]:
    rows = db.session.scalars(select(Event).where(Event.incident_id == run.incident_id).order_by(Event.id))
    return [LoggedEvent(e.kind, e.at, e.need_id, e.assignment_id, e.organization_id, e.data or {}) for e in rows]


def _report(run: DrillRun, logged: list[LoggedEvent]) -> DrillReport:
    planned = [
        PlannedStep(s.number, s.offset_s, tuple(s.need.get("skills") or ()), int(s.need.get("head_count") or 0))
        for s in scenario_of(run).steps
    ]
    accepted = dict(db.session.execute(select(Need.id, Need.accepted).where(Need.incident_id == run.incident_id)).all())
    return drill_report(planned, logged, accepted)


def _names(organization_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in organization_ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def schedule_of(run: DrillRun) -> tuple[int, datetime | None]:
    """How many moments the run has (its steps, and its plan start when it rehearses a plan), and when its clock
    runs the next one (None: manual, or none left to run)."""
    offsets = [moment.offset_s for moment in scenario_of(run).timeline]
    if run.mode is not DrillMode.AUTO or run.status is not DrillStatus.RUNNING or run.steps_done >= len(offsets):
        return len(offsets), None
    return len(offsets), run.started_at + timedelta(seconds=offsets[run.steps_done])
