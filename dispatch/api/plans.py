"""/api/plans: emergency plans (应急预案) written as YAML, kept as versions, previewed task by task; and, on an
incident, the plans that cover it and starting one."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response
from sqlalchemy import select

from dispatch.api.dispatch_presenters import candidate_out, need_out
from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.plans.document import PlanTask
from dispatch.extensions import db
from dispatch.field_labels import field_message
from dispatch.i18n import language
from dispatch.models import Organization, Plan
from dispatch.schemas.common import ErrorOut, Ref
from dispatch.schemas.plans import (
    EmergencyPlanDetailOut,
    EmergencyPlanIn,
    EmergencyPlanList,
    EmergencyPlanOut,
    EmergencyPlanPreviewOut,
    EmergencyPlanTaskOut,
    EmergencyPlanVersionOut,
    PlanStartIn,
    PlanStartOut,
    ProposalList,
    ProposalOut,
    TaskPreviewOut,
)
from dispatch.services.plans import library, preview, starting

bp = Blueprint("api_plans", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["plans"]


def plan_out(plan: Plan) -> EmergencyPlanOut:
    subdistrict = plan.subdistrict
    return EmergencyPlanOut(
        id=plan.id, title=plan.title, category=plan.category, min_level=plan.min_level, auto_start=plan.auto_start,
        subdistrict=Ref(id=subdistrict.id, code=subdistrict.code, name=subdistrict.label(language())) if subdistrict else None,
        version=plan.version, active=plan.active, updated_at=plan.updated_at,
    )  # fmt: skip


def task_out(task: PlanTask) -> EmergencyPlanTaskOut:
    place = task.place.value if task.place.kind == "address" else f"{task.place.kind}: {task.place.value}"
    return EmergencyPlanTaskOut(
        number=task.number, name=task.name, skills=list(task.need.get("skills") or []),
        head_count=task.need.get("head_count") or 0, place=str(place), designated=list(task.designated),
    )  # fmt: skip


def _detail(plan: Plan) -> EmergencyPlanDetailOut:
    version = library.latest_version(plan)
    tasks = [task_out(task) for task in library.document_of(version).tasks]
    return EmergencyPlanDetailOut(**plan_out(plan).model_dump(), text=version.text, tasks=tasks)


@bp.get("/plans")
@spec.validate(resp=Response(HTTP_200=EmergencyPlanList, **ERRORS), tags=TAGS)
def list_plans():
    """Plans you keep or may start: your subdistrict's and the county's (an administrator: every plan of the county)."""
    return EmergencyPlanList(items=[plan_out(p) for p in library.list_plans(current_actor())])


@bp.post("/plans")
@spec.validate(json=EmergencyPlanIn, resp=Response(HTTP_201=EmergencyPlanDetailOut, **ERRORS), tags=TAGS)
def create_plan(json: EmergencyPlanIn):
    """Keep a new plan: its text is checked whole (each problem names its line) and nothing is kept if any is wrong.
    Saving finds every place (an address too) where the plan may mobilize, and refuses a designated team that does
    not offer all of its task's skills (``plan.designated_lacks_skills``), as the ranking would never ask it."""
    return _detail(library.save_plan(current_actor(), json.text, subdistrict_id=json.subdistrict_id)), 201


@bp.get("/plans/<int:plan_id>")
@spec.validate(resp=Response(HTTP_200=EmergencyPlanDetailOut, **ERRORS), tags=TAGS)
def get_plan(plan_id: int):
    return _detail(library.get_plan(current_actor(), plan_id))


@bp.put("/plans/<int:plan_id>")
@spec.validate(json=EmergencyPlanIn, resp=Response(HTTP_200=EmergencyPlanDetailOut, **ERRORS), tags=TAGS)
def edit_plan(plan_id: int, json: EmergencyPlanIn):
    """Keep a new version of the plan; incidents that started an earlier one keep theirs."""
    return _detail(library.save_plan(current_actor(), json.text, plan_id=plan_id, based_on=json.based_on))


@bp.get("/plans/<int:plan_id>/versions/<int:version>")
@spec.validate(resp=Response(HTTP_200=EmergencyPlanVersionOut, **ERRORS), tags=TAGS)
def get_version(plan_id: int, version: int):
    found = library.get_version(current_actor(), plan_id, version)
    return EmergencyPlanVersionOut(plan_id=found.plan_id, version=found.version, text=found.text, created_at=found.created_at)


@bp.post("/plans/<int:plan_id>/withdraw")
@spec.validate(resp=Response(HTTP_200=EmergencyPlanOut, **ERRORS), tags=TAGS)
def withdraw_plan(plan_id: int):
    """Withdraw the plan: it is no longer proposed or started; what it posted stays."""
    return plan_out(library.withdraw_plan(current_actor(), plan_id))


@bp.get("/plans/<int:plan_id>/preview")
@spec.validate(resp=Response(HTTP_200=EmergencyPlanPreviewOut, **ERRORS), tags=TAGS)
def preview_plan(plan_id: int):
    """Who each task would be offered to right now: the designated organizations that could answer, then the
    ranking's best (nothing is saved)."""
    plan, previews = preview.preview(current_actor(), plan_id)
    ids = {c.org_id for p in previews for c in p.candidates}
    names = (
        dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()) if ids else {}
    )
    lang = language()
    tasks = [
        TaskPreviewOut(
            task=task_out(p.task), candidates=[candidate_out(c, names, {}, lang) for c in p.candidates],
            problems=[field_message(e.field, e.code, lang, **e.params) for e in p.problems],
        )
        for p in previews
    ]  # fmt: skip
    return EmergencyPlanPreviewOut(plan=plan_out(plan), tasks=tasks)


@bp.get("/incidents/<int:incident_id>/plans")
@spec.validate(resp=Response(HTTP_200=ProposalList, **ERRORS), tags=TAGS)
def proposals(incident_id: int):
    """The plans that cover the incident (its category, its level or a graver one, its subdistrict or the county),
    the subdistrict's first, with the tasks already posted."""
    found = starting.proposals(current_actor(), incident_id)
    return ProposalList(
        items=[
            ProposalOut(plan=plan_out(p.plan), started_tasks=sorted(p.started_tasks), starts_by_itself=p.starts_by_itself)
            for p in found
        ]
    )


@bp.post("/incidents/<int:incident_id>/plans/<int:plan_id>/start")
@spec.validate(json=PlanStartIn, resp=Response(HTTP_200=PlanStartOut, **ERRORS), tags=TAGS)
def start_plan(incident_id: int, plan_id: int, json: PlanStartIn):
    """Start the plan on the incident: its tasks (or those named or numbered) are posted as needs in one
    transaction, each offered first to the organizations it designates. Starting again posts no task twice."""
    started = starting.start(current_actor(), incident_id, plan_id, json.tasks)
    lang = language()
    return PlanStartOut(
        plan=plan_out(started.plan), version=started.version, posted=[need_out(n, lang) for n in started.posted],
        already_posted=started.already_posted,
    )  # fmt: skip
