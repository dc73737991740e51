"""Starting a plan on an incident: the plans that cover it are proposed; the officer starts one (all its tasks, or
those chosen) and its needs are posted through the ordinary path in one transaction, the designated organizations
asked first. Starting again posts only the tasks not yet posted: no task goes out twice on one incident, whichever
version of the plan is started. A level I plan may start by itself when its incident opens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from dispatch.domain.plans.coverage import InvalidTaskChoice, PlanSummary, chosen_tasks, proposed_plans, starts_by_itself
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Incident, IncidentPlan, Need, NeedDesignation, Plan, PlanVersion
from dispatch.services import events
from dispatch.services.dispatch.incidents import get_incident, held_incident
from dispatch.services.dispatch.needs import add_need
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.plans.library import document_of, get_plan, latest_version, territory_of
from dispatch.services.plans.task_needs import task_needs
from dispatch.services.scoping import plan_clause


@dataclass(frozen=True)
class Proposal:
    """A plan that covers the incident, and what of it is already posted there."""

    plan: Plan
    started_tasks: frozenset[str]  # task names posted on the incident by any version of the plan
    starts_by_itself: bool


@dataclass(frozen=True)
class Started:
    """What one start did: the needs it posted (in the plan's order) and the tasks it left as already posted."""

    plan: Plan
    version: int
    posted: list[Need]
    already_posted: list[str]


def proposals(actor: Actor, incident_id: int) -> list[Proposal]:
    """The plans the actor may read that cover the incident, in the order to offer them."""
    require(actor, Action.READ, Resource.PLAN)
    incident = get_incident(actor, incident_id)
    plans = {plan.id: plan for plan in db.session.scalars(_covering_query(actor, incident))}
    summaries = [_summary(plan) for plan in plans.values()]
    chosen = proposed_plans(summaries, incident.category, incident.level, [incident.subdistrict_id])
    return [
        Proposal(plans[s.id], frozenset(_posted_task_names(incident.id, s.id)), starts_by_itself(s, incident.level))
        for s in chosen
    ]


def start(actor: Actor, incident_id: int, plan_id: int, tasks: list[str | int] | None = None) -> Started:
    """Post the plan's tasks (or those named or numbered in ``tasks``) on the incident, in one transaction."""
    require(actor, Action.CREATE, Resource.NEED)
    plan = get_plan(actor, plan_id)
    incident = get_incident(actor, incident_id)
    _require_covers(plan, incident)
    version = latest_version(plan)
    document = document_of(version)
    try:
        wanted = chosen_tasks(document.tasks, tasks) if tasks is not None else document.tasks
    except InvalidTaskChoice as exc:
        raise InvalidInput([FieldError(p.field, p.code, p.params) for p in exc.problems]) from exc
    found, errors = task_needs(document, territory_of(plan))
    if errors:  # a place or an organization gone since the plan was written
        raise InvalidInput(errors)
    chosen = {task.number for task in wanted}
    db.session.commit()  # end the reads; holding the incident starts the transaction that posts
    try:
        return _post(actor, incident_id, plan, version, [t for t in found if t.task.number in chosen])
    except IntegrityError:  # another start of this plan posted the same tasks first: this one posts nothing
        events.rollback()
        names = [task.name for task in wanted]
        return Started(plan, version.version, [], [n for n in names if n in _posted_task_names(incident_id, plan.id)])


def start_by_itself(actor: Actor, incident_id: int) -> list[Started]:
    """When an incident opens: start every plan that covers it and says it starts by itself (level I only). A plan
    that cannot start (a place or an organization gone since it was written) is said on the timeline, and the
    incident stays open: the officer starts what can be, or posts by hand."""
    started = []
    for proposal in proposals(actor, incident_id):
        if not proposal.starts_by_itself:
            continue
        try:
            started.append(start(actor, incident_id, proposal.plan.id))
        except InvalidInput as exc:
            events.rollback()
            incident = db.session.get(Incident, incident_id)
            events.record(
                "plan.not_started", incident=incident, actor_id=actor.user_id, plan_id=proposal.plan.id,
                title=proposal.plan.title, problems=[asdict(e) for e in exc.errors][:20],  # worded when read
            )  # fmt: skip
            events.commit()
    return started


def _post(actor: Actor, incident_id: int, plan: Plan, version: PlanVersion, task_needs_) -> Started:
    incident = held_incident(actor, incident_id)  # its status stays true until this commits
    # One start of a plan at a time (PostgreSQL; SQLite's write lock, taken above, already is): a start of another
    # version racing this one waits, then finds these tasks posted. The unique key on the needs covers one version.
    db.session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    done = _posted_task_names(incident_id, plan.id)
    fresh = [t for t in task_needs_ if t.task.name not in done]
    if not db.session.scalar(
        select(IncidentPlan.id).where(IncidentPlan.incident_id == incident_id, IncidentPlan.plan_version_id == version.id)
    ):
        db.session.add(IncidentPlan(incident_id=incident_id, plan_version_id=version.id, started_by=actor.user_id))
    posted = [
        add_need(
            actor, incident, t.need, columns={"plan_version_id": version.id, "plan_task": t.task.number},
            also=_designating(t.designated),
        )
        for t in fresh
    ]  # fmt: skip
    if fresh:  # a start that found every task posted already is no moment of the incident's course
        events.record(
            "plan.started", incident=incident, actor_id=actor.user_id, plan_id=plan.id, version=version.version,
            title=plan.title, tasks=[t.task.name for t in fresh],
        )  # fmt: skip
    events.commit()
    already = [t.task.name for t in task_needs_ if t.task.name in done]
    return Started(plan, version.version, posted, already)


def _designating(designated: tuple[int, ...]):
    def write(need: Need) -> None:
        if designated:
            rows = [{"need_id": need.id, "position": n, "organization_id": o} for n, o in enumerate(designated, start=1)]
            db.session.execute(insert(NeedDesignation), rows)

    return write


def _posted_task_names(incident_id: int, plan_id: int) -> set[str]:
    """The names of the plan's tasks posted on the incident, by whichever of its versions."""
    rows = db.session.execute(
        select(PlanVersion, Need.plan_task)
        .join(Need, Need.plan_version_id == PlanVersion.id)
        .where(Need.incident_id == incident_id, PlanVersion.plan_id == plan_id)
    ).all()
    names = set()
    for version, number in rows:
        task = next((t for t in document_of(version).tasks if t.number == number), None)
        if task is not None:
            names.add(task.name)
    return names


def _covering_query(actor: Actor, incident: Incident):
    return select(Plan).where(plan_clause(actor), Plan.active, Plan.category == incident.category)


def _summary(plan: Plan) -> PlanSummary:
    return PlanSummary(plan.id, plan.version, plan.subdistrict_id, plan.category, plan.min_level, plan.auto_start)


def _require_covers(plan: Plan, incident: Incident) -> None:
    covering = proposed_plans([_summary(plan)], incident.category, incident.level, [incident.subdistrict_id])
    if not plan.active or not covering:
        params = {"category": incident.category.value, "level": incident.level.value}
        raise InvalidInput([FieldError("plan_id", "plan.not_covering", params)])
