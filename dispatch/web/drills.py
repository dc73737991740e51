"""Drill pages for duty officers: start a drill from the form (title and steps) or from its scenario file (a bad one
is listed line by line, a bad form box by box, and neither changes anything), step or stop it, and read its report
beside the subdistrict's previous drill."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.drills import DrillMode
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.schemas.common import PageQuery
from dispatch.services.errors import InvalidInput
from dispatch.services.records import drills
from dispatch.services.registry.places import list_subdistricts
from dispatch.services.registry.skills import list_skills
from dispatch.web.drill_form import DrillForm, FormError, form_error
from dispatch.web.forms import row_id
from dispatch.web.paging import list_query, pager, past_the_end

bp = Blueprint("drills", __name__)

RUNS_PER_PAGE = 50


def _page(query: PageQuery, status: int = 200, **shown):
    """The drills page: the form (as typed, with its errors and YAML, if any), the file form, the drills so far."""
    actor = current_actor()
    runs, total = drills.list_runs(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    lang = language()
    shown = {"errors": [], "scenario": "", "built": DrillForm.blank(), "form_errors": [], "built_yaml": "", **shown}
    shown["error_at"] = _by_box(shown["form_errors"])
    page = render_template(
        "drills.html", runs=runs, schedules={run.id: drills.schedule_of(run) for run in runs},
        subdistricts=list_subdistricts(actor), skills=[(s.code, s.label(lang)) for s in list_skills()],
        chosen=_chosen(), **shown, **pager(query, total),
    )  # fmt: skip
    return page, status


def _by_box(errors: list[FormError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.box, []).append(error.message)
    return found


def _chosen() -> dict:
    """The clock and subdistrict the officer picked, kept when the page comes back."""
    return {"mode": request.form.get("mode", "auto"), "subdistrict_id": request.form.get("subdistrict_id", "")}


def _first_page(status: int = 200, **shown):
    return _page(PageQuery(per_page=RUNS_PER_PAGE), status, **shown)


@bp.get("/drills")
@login_required
def drills_page():
    return _page(list_query(PageQuery, per_page=RUNS_PER_PAGE))


@bp.post("/drills")
@login_required
def start():
    """Start a drill from the file form, or (``source=form``) from the drill form, whose other buttons add a row,
    show the YAML it makes or download it, and save nothing."""
    if request.form.get("source") == "form":
        return _from_form(DrillForm.read(request.form), request.form.get("action", "start"))
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload and upload.filename else request.form.get("scenario", "")
    try:
        run = _start(text)
    except InvalidInput as failed:
        errors = [{"row": e.row, "field": e.field, "message": message} for e, message in _messages(failed)]
        return _first_page(422, errors=errors, scenario=text)
    return redirect(url_for("drills.report", run_id=run.id))


def _from_form(built: DrillForm, action: str):
    if action == "add_step":
        return _first_page(built=built.with_another_row())
    if action == "yaml":
        return _first_page(built=built, built_yaml=built.scenario())
    if action == "download":
        headers = {"Content-Disposition": 'attachment; filename="drill.yaml"'}
        return Response(built.scenario(), mimetype="application/yaml", headers=headers)
    try:
        run = _start(built.scenario())
    except InvalidInput as failed:
        errors = [form_error(e.field, message) for e, message in _messages(failed)]
        return _first_page(422, built=built.compacted(), form_errors=errors)
    return redirect(url_for("drills.report", run_id=run.id))


def _start(text: str):
    mode = DrillMode.MANUAL if request.form.get("mode") == "manual" else DrillMode.AUTO
    return drills.start(current_actor(), text, mode, row_id(request.form, "subdistrict_id"))


def _messages(failed: InvalidInput) -> list[tuple]:
    lang = language()
    return [(e, message(e.code, lang, **e.params)) for e in failed.errors]


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
