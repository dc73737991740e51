"""Who each task of a plan would be offered to right now (the candidate preview of the needs page, per task): the
designated organizations that could answer, in the plan's order, then the ranking's best. Nothing is written.

There is no incident yet: each task is looked at as a need of an active incident of the plan's subdistrict (a
county plan's: the subdistrict of the task's place, escalated to the whole county).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.domain.incidents import IncidentStatus
from dispatch.domain.matching import RankedCandidate
from dispatch.domain.plans.document import PlanTask
from dispatch.domain.scope import Actor
from dispatch.extensions import db
from dispatch.models import Incident, Plan, Subdistrict
from dispatch.services.dispatch.needs import would_ask
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.plans.library import document_of, get_plan, latest_version, territory_of
from dispatch.services.plans.task_needs import TaskNeed, task_needs
from dispatch.services.registry.geography import places
from geo.coords import to_wgs84

SHOWN = 10  # candidates shown per task


@dataclass(frozen=True)
class TaskPreview:
    task: PlanTask
    candidates: list[RankedCandidate]
    problems: list[FieldError]  # why the task could not be posted now (its place, its skills)


def preview(actor: Actor, plan_id: int) -> tuple[Plan, list[TaskPreview]]:
    plan = get_plan(actor, plan_id)
    document = document_of(latest_version(plan))
    found, errors = task_needs(document, territory_of(plan))
    by_task = {t.task.number: t for t in found}
    previews = []
    for task in document.tasks:
        problems = [e for e in errors if e.field.startswith(f"{task.where}.")]
        task_need = by_task.get(task.number)
        candidates = []
        if task_need is not None:
            try:
                candidates = would_ask(actor, _as_if_active(plan, task_need), task_need.need, task_need.designated, SHOWN)
            except InvalidInput as exc:
                problems += exc.errors
        previews.append(TaskPreview(task, candidates, problems))
    return plan, previews


def _as_if_active(plan: Plan, task_need: TaskNeed) -> Incident:
    """An incident that is never stored: active, led by the plan's subdistrict (or the task place's, escalated)."""
    subdistrict_id = plan.subdistrict_id
    if subdistrict_id is None and (point := task_need.need.location) is not None:
        subdistrict_id = places().cells.subdistrict_of(*to_wgs84(point.lon, point.lat, point.system))
    if subdistrict_id is None:  # no point to place it by: any subdistrict leads a county-wide incident
        subdistrict_id = db.session.scalar(select(Subdistrict.id).where(Subdistrict.county_id == plan.county_id).limit(1))
    incident = Incident(
        category=plan.category, level=plan.min_level, subdistrict_id=subdistrict_id, status=IncidentStatus.ACTIVE, drill=False,
        escalated_at=datetime.now(UTC) if plan.subdistrict_id is None else None,
    )  # fmt: skip
    set_committed_value(incident, "subdistrict", db.session.get(Subdistrict, subdistrict_id) if subdistrict_id else None)
    return incident
