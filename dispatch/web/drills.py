"""Drill pages for duty officers: start a drill from its scenario file (a bad file is listed line by line and changes
nothing), step or stop it, and read its report beside the subdistrict's previous drill."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.drills import DrillMode
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.schemas.common import PageQuery
from dispatch.services import drills
from dispatch.services.errors import InvalidInput
from dispatch.services.places import list_subdistricts
from dispatch.services.skills import list_skills
from dispatch.web.forms import row_id
from dispatch.web.paging import list_query, pager, past_the_end

bp = Blueprint("drills", __name__)

RUNS_PER_PAGE = 50


def _page(query: PageQuery, errors: list[dict] | None = None, scenario: str = "", status: int = 200):
    actor = current_actor()
    runs, total = drills.list_runs(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    schedules = {run.id: drills.schedule_of(run) for run in runs}
    page = render_template(
        "drills.html", runs=runs, schedules=schedules, errors=errors or [], scenario=scenario,
        subdistricts=list_subdistricts(actor), **pager(query, total),
    )  # fmt: skip
    return page, status


@bp.get("/drills")
@login_required
def drills_page():
    return _page(list_query(PageQuery, per_page=RUNS_PER_PAGE))


@bp.post("/drills")
@login_required
def start():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload and upload.filename else request.form.get("scenario", "")
    mode = DrillMode.MANUAL if request.form.get("mode") == "manual" else DrillMode.AUTO
    try:
        run = drills.start(current_actor(), text, mode, row_id(request.form, "subdistrict_id"))
    except InvalidInput as failed:
        lang = language()
        errors = [{"row": e.row, "field": e.field, "message": message(e.code, lang, **e.params)} for e in failed.errors]
        return _page(PageQuery(per_page=RUNS_PER_PAGE), errors, text, 422)
    return redirect(url_for("drills.report", run_id=run.id))


@bp.post("/drills/<int:run_id>/step")
@login_required
def step(run_id: int):
    drills.step(current_actor(), run_id)
    return redirect(url_for("drills.report", run_id=run_id))


@bp.post("/drills/<int:run_id>/stop")
@login_required
def stop(run_id: int):
    drills.stop(current_actor(), run_id)
    return redirect(url_for("drills.report", run_id=run_id))


@bp.get("/drills/<int:run_id>/report")
@login_required
def report(run_id: int):
    found = drills.report(current_actor(), run_id)
    steps, next_at = drills.schedule_of(found.run)
    lang = language()
    return render_template(
        "drill_report.html", found=found, steps=steps, next_at=next_at,
        why_text=lambda why: message(why.code, lang, **why.params),
        skill_names={skill.code: skill.label(lang) for skill in list_skills()},
    )  # fmt: skip
