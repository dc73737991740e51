"""A drill that rehearses an emergency plan: which plan the scenario names, and the plan beside what happened.

The plan is found when the drill starts, among the plans its starter may read, by its exact title or its id; an
unknown or ambiguous name, or a plan that does not cover the drill's category and level, refuses the drill before
anything is opened. The plan found is noted on the ``drill.started`` event, so the drill starts that plan at its
offset even if another is later given the same title. The comparison itself is ``dispatch.domain.plans.rehearsal``;
this module gathers its rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from dispatch.domain.after_action import LoggedEvent
from dispatch.domain.drill_report import OfferRow, Why
from dispatch.domain.drill_scenario import PlanStart, Scenario
from dispatch.domain.plans.coverage import PlanSummary, proposed_plans
from dispatch.domain.plans.rehearsal import PlannedTask, PostedTask, Rehearsal, rehearsal
from dispatch.domain.scope import Actor
from dispatch.extensions import db
from dispatch.models import DrillRun, Event, Need, NeedDesignation, Plan, PlanVersion
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.plans.library import document_of, list_plans


def plan_to_rehearse(actor: Actor, scenario: Scenario, subdistrict_id: int | None) -> int | None:
    """The id of the plan the scenario names (None when it names none), or InvalidInput on the plan's line when no
    plan the actor may read has that title or id, when several have that title, or when it does not cover the drill."""
    named = scenario.plan
    if named is None:
        return None
    plan = _named_plan(list_plans(actor), named)
    if not proposed_plans([_summary(plan)], scenario.category, scenario.level, [subdistrict_id] if subdistrict_id else []):
        params = {"category": scenario.category.value, "level": scenario.level.value}
        raise InvalidInput([FieldError("plan", "plan.not_covering", params, row=named.line)])
    return plan.id


def _named_plan(plans: list[Plan], named: PlanStart) -> Plan:
    titled = [plan for plan in plans if plan.title == named.named]
    if len(titled) > 1:
        raise InvalidInput([FieldError("plan", "drill.ambiguous_plan", {"plan": named.named, "count": len(titled)}, named.line)])
    found = titled[0] if titled else next((plan for plan in plans if plan.id == named.by_id), None)
    if found is None:
        raise InvalidInput([FieldError("plan", "drill.unknown_plan", {"plan": named.named}, row=named.line)])
    return found


def _summary(plan: Plan) -> PlanSummary:
    return PlanSummary(plan.id, plan.version, plan.subdistrict_id, plan.category, plan.min_level, plan.auto_start)


def rehearsed_plan_id(incident_id: int) -> int | None:
    """The plan the drill on this incident rehearses, as found when it started."""
    data = db.session.scalar(select(Event.data).where(Event.incident_id == incident_id, Event.kind == "drill.started"))
    return _plan_id_of(data or {})


def _plan_id_of(data: dict) -> int | None:
    plan_id = data.get("plan_id")
    return int(plan_id) if plan_id is not None else None


def rehearsal_of(run: DrillRun, logged: list[LoggedEvent], offers: list[OfferRow]) -> Rehearsal | None:
    """The plan beside what happened, task by task (None when the drill rehearses no plan): the version the drill
    started, or the plan's current one while it has not started it."""
    started_event = next((e for e in logged if e.kind == "drill.started"), None)
    plan_id = _plan_id_of(started_event.data) if started_event is not None else None
    if plan_id is None:
        return None
    plan = db.session.get(Plan, plan_id)
    started = next((e for e in logged if e.kind == "plan.started" and e.data.get("plan_id") == plan_id), None)
    number = int(started.data.get("version", plan.version)) if started is not None else plan.version
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.version == number))
    document = document_of(version)
    tasks = [PlannedTask(t.number, t.name, int(t.need.get("head_count") or 0)) for t in document.tasks]
    until = run.incident.closed_at or datetime.now(UTC)
    return rehearsal(
        (plan_id, document.title, version.version), started.at if started is not None else None, tasks,
        _posted(run.incident_id, version.id), logged, offers, until, _failed(logged),
    )  # fmt: skip


def _posted(incident_id: int, version_id: int) -> dict[int, PostedTask]:
    needs = db.session.execute(
        select(Need.id, Need.plan_task, Need.accepted).where(Need.incident_id == incident_id, Need.plan_version_id == version_id)
    ).all()
    designated: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(NeedDesignation.need_id, NeedDesignation.organization_id)
        .where(NeedDesignation.need_id.in_([need.id for need in needs]))
        .order_by(NeedDesignation.need_id, NeedDesignation.position)
    )
    for need_id, organization_id in rows:
        designated[need_id].append(organization_id)
    return {need.plan_task: PostedTask(need.id, need.accepted, tuple(designated[need.id])) for need in needs}


def _failed(logged: list[LoggedEvent]) -> tuple[Why, ...]:
    """Why the drill could not start its plan, if it could not."""
    failed = next((e for e in logged if e.kind == "drill.step_failed" and "plan_id" in e.data), None)
    if failed is None:
        return ()
    return tuple(Why(error["code"], error.get("params", {})) for error in failed.data.get("errors", []))
