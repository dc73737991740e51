"""/api/drills: start a drill from a YAML scenario, step or stop it, and read its report."""

from __future__ import annotations

from flask import Blueprint
from spectree import Response

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.drill_report import DrillReport, Why
from dispatch.domain.plans.rehearsal import DesignatedAnswer, Rehearsal
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.models import DrillRun
from dispatch.schemas.common import ErrorOut, Page, PageQuery, Ref
from dispatch.schemas.drills import (
    ChangeOut,
    DesignatedAnswerOut,
    DrillDetailOut,
    DrillIn,
    DrillOut,
    DrillReportOut,
    HeadlineOut,
    OfferReportOut,
    OrganizationReportOut,
    PlanTaskReportOut,
    RehearsalOut,
    StepReportOut,
    WhyOut,
)
from dispatch.services.records import drills

bp = Blueprint("api_drills", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["drills"]


def drill_out(run: DrillRun) -> DrillOut:
    steps, next_at = drills.schedule_of(run)
    subdistrict = run.subdistrict
    return DrillOut(
        id=run.id, title=run.title, incident_id=run.incident_id, mode=run.mode, status=run.status,
        subdistrict=Ref(id=subdistrict.id, code=subdistrict.code, name=subdistrict.label(language())),
        started_at=run.started_at, steps=steps, steps_done=run.steps_done, next_step_at=next_at,
    )  # fmt: skip


def _detail(run: DrillRun) -> DrillDetailOut:
    return DrillDetailOut(**drill_out(run).model_dump(), scenario=run.scenario)


@bp.post("/drills")
@spec.validate(json=DrillIn, resp=Response(HTTP_201=DrillDetailOut, **ERRORS), tags=TAGS)
def start(json: DrillIn):
    """Start a drill: the scenario is checked whole (a bad one changes nothing, and each problem names its line),
    then the drill incident opens; an auto drill runs its steps due at once."""
    return _detail(drills.start(current_actor(), json.scenario, json.mode, json.subdistrict_id)), 201


@bp.get("/drills")
@spec.validate(query=PageQuery, resp=Response(HTTP_200=Page[DrillOut], **ERRORS), tags=TAGS)
def list_drills(query: PageQuery):
    """Drills of your subdistrict (an admin: the county's), newest first."""
    rows, total = drills.list_runs(current_actor(), query)
    return Page[DrillOut](items=[drill_out(r) for r in rows], page=query.page, per_page=query.per_page, total=total)


@bp.get("/drills/<int:run_id>")
@spec.validate(resp=Response(HTTP_200=DrillDetailOut, **ERRORS), tags=TAGS)
def get_drill(run_id: int):
    return _detail(drills.get_run(current_actor(), run_id))


@bp.post("/drills/<int:run_id>/step")
@spec.validate(resp=Response(HTTP_200=DrillDetailOut, **ERRORS), tags=TAGS)
def step(run_id: int):
    """Run the next step now (a manual drill; an auto one is hurried)."""
    return _detail(drills.step(current_actor(), run_id))


@bp.post("/drills/<int:run_id>/stop")
@spec.validate(resp=Response(HTTP_200=DrillDetailOut, **ERRORS), tags=TAGS)
def stop(run_id: int):
    """No more steps; the drill incident stays open for the answers still coming, until the officer closes it."""
    return _detail(drills.stop(current_actor(), run_id))


@bp.get("/drills/<int:run_id>/report")
@spec.validate(resp=Response(HTTP_200=DrillReportOut, **ERRORS), tags=TAGS)
def report(run_id: int):
    """Who was offered what, how they answered and how fast, unfilled needs and why, and the change since the
    subdistrict's previous drill."""
    found = drills.report(current_actor(), run_id)
    this = found.report
    return DrillReportOut(
        drill=drill_out(found.run), steps=_steps(this), offers=_offers(this, found.names),
        organizations=_organizations(this, found.names), headline=HeadlineOut(**vars(this.headline)),
        previous=drill_out(found.previous) if found.previous is not None else None,
        comparison=[ChangeOut(**vars(change)) for change in found.comparison],
        rehearsal=_rehearsal(found.rehearsal, found.names) if found.rehearsal is not None else None,
    )  # fmt: skip


def _why(why: Why) -> WhyOut:
    return WhyOut(code=why.code, message=message(why.code, language(), **why.params))


def _steps(this: DrillReport) -> list[StepReportOut]:
    return [
        StepReportOut(
            step=s.number, at_s=s.offset_s, ran_at=s.ran_at, skills=list(s.skills), head_count=s.head_count,
            need_id=s.need_id, accepted=s.accepted, outcome=s.outcome, why=[_why(w) for w in s.why],
        )
        for s in this.steps
    ]  # fmt: skip


def _org(organization_id: int | None, names: dict[int, str]) -> Ref | None:
    return Ref(id=organization_id, name=names.get(organization_id, "")) if organization_id is not None else None


def _offers(this: DrillReport, names: dict[int, str]) -> list[OfferReportOut]:
    step_of = {s.need_id: s.number for s in this.steps if s.need_id is not None}
    return [
        OfferReportOut(
            assignment_id=o.assignment_id, need_id=o.need_id, step=step_of.get(o.need_id), organization=_org(o.organization_id, names),
            offered_at=o.offered_at, answer=o.answer, answer_s=o.answer_s, head_count=o.head_count, reason=o.reason,
        )
        for o in this.offers
    ]  # fmt: skip


def _organizations(this: DrillReport, names: dict[int, str]) -> list[OrganizationReportOut]:
    return [
        OrganizationReportOut(
            organization=_org(r.organization_id, names), offers=r.offers, accepted=r.accepted, declined=r.declined,
            expired=r.expired, people=r.people, median_answer_s=r.median_answer_s, median_arrive_s=r.median_arrive_s,
        )
        for r in this.figures.organizations
    ]  # fmt: skip


def _rehearsal(rehearsal: Rehearsal, names: dict[int, str]) -> RehearsalOut:
    return RehearsalOut(
        plan=Ref(id=rehearsal.plan_id, name=rehearsal.title), version=rehearsal.version, started_at=rehearsal.started_at,
        posted=rehearsal.posted, filled=rehearsal.filled, why=[_why(w) for w in rehearsal.why],
        tasks=[
            PlanTaskReportOut(
                task=t.number, name=t.name, head_count=t.head_count, posted=t.posted, need_id=t.need_id, accepted=t.accepted,
                filled=t.filled, elapsed_s=t.elapsed_s, designated=[_designated(d, names) for d in t.designated],
                not_answered=[_org(d.organization_id, names) for d in t.silent],
                declined=[_org(d.organization_id, names) for d in t.declined],
            )
            for t in rehearsal.tasks
        ],
    )  # fmt: skip


def _designated(answer: DesignatedAnswer, names: dict[int, str]) -> DesignatedAnswerOut:
    return DesignatedAnswerOut(
        organization=_org(answer.organization_id, names),
        position=answer.position,
        answer=answer.answer.value,
        reason=answer.reason,
    )
