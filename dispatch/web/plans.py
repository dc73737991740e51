"""Plan pages for duty officers: the plans they keep and may start, writing one in the plan form (each mistake beside
its box) or as YAML (typed, pasted or uploaded; a wrong one listed line by line), both read as the same document and
kept as the same versions, nothing kept while anything is wrong; a plan with who each task would ask right now, its
versions, and withdrawing it. Starting a plan is on the incident board, where the incident is."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, request, url_for
from sqlalchemy import select

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.field_labels import field_message
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.models import Organization, Plan
from dispatch.services.errors import Conflict, InvalidInput
from dispatch.services.plans import choices, library, preview
from dispatch.services.registry.places import list_subdistricts
from dispatch.services.registry.skills import list_skills
from dispatch.web.forms import row_id
from dispatch.web.plan_form import PlanForm, box_error, errors_by_box

bp = Blueprint("plans", __name__)

EXAMPLE = "docs/example-plan.yaml"


@bp.get("/plans")
@login_required
def plans_page():
    actor = current_actor()
    return render_template("plans.html", plans=library.list_plans(actor, include_withdrawn=True))


@bp.get("/plans/new")
@login_required
def new_plan():
    library.list_plans(current_actor())  # the role may keep plans, or this is refused
    return _editor(None, PlanForm.blank_form(), text="")


@bp.post("/plans")
@login_required
def create_plan():
    return _saved_or_editor(None)


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int):
    plan, previews = preview.preview(current_actor(), plan_id)
    lang = language()
    return render_template(
        "plan.html", plan=plan, previews=previews, versions=plan.versions,
        problem_text=lambda e: field_message(e.field, e.code, lang, **e.params), names=_names(previews),
        editable=_editable(plan), skill_names={skill.code: skill.label(lang) for skill in list_skills()},
    )  # fmt: skip


@bp.get("/plans/<int:plan_id>/edit")
@login_required
def edit_plan(plan_id: int):
    plan = library.get_plan(current_actor(), plan_id)
    version = library.latest_version(plan)
    return _editor(plan, PlanForm.of(library.document_of(version)), version.text)


@bp.post("/plans/<int:plan_id>")
@login_required
def save_plan(plan_id: int):
    return _saved_or_editor(plan_id)


def _saved_or_editor(plan_id: int | None):
    """Keep the plan the form or the YAML says; the form's other buttons add or remove a task, or show its YAML,
    and keep nothing."""
    actor = current_actor()
    plan = library.get_plan(actor, plan_id) if plan_id is not None else None
    built = PlanForm.read(request.form) if request.form.get("source") == "form" else None
    if built is not None and (changed := _changed(built)) is not None:
        return _editor(plan, changed, changed.text(), shown_yaml=request.form.get("action") == "yaml")
    text = built.text() if built is not None else _text()
    try:
        saved = library.save_plan(
            actor, text, plan_id=plan_id, subdistrict_id=row_id(request.form, "subdistrict_id"),
            based_on=row_id(request.form, "based_on"),
        )  # fmt: skip
    except InvalidInput as failed:
        if built is not None:
            return _editor(plan, built.compacted(), text, form_failed=failed)
        return _editor(plan, _saved_form(plan), text, failed)
    return redirect(url_for("plans.plan_page", plan_id=saved.id))


def _changed(built: PlanForm) -> PlanForm | None:
    """The form after a button that keeps nothing (another task, one task fewer, the YAML), or None to save."""
    action, remove = request.form.get("action", "save"), request.form.get("remove", "")
    if remove.isascii() and remove.isdigit() and int(remove) < len(built.rows):  # "²" is a digit int() refuses
        return built.without_row(int(remove))
    if action == "add_task":
        return built.with_another_row()
    return built if action == "yaml" else None


def _saved_form(plan: Plan | None) -> PlanForm:
    return PlanForm.of(library.document_of(library.latest_version(plan))) if plan is not None else PlanForm.blank_form()


@bp.post("/plans/<int:plan_id>/withdraw")
@login_required
def withdraw(plan_id: int):
    library.withdraw_plan(current_actor(), plan_id)
    return redirect(url_for("plans.plan_page", plan_id=plan_id))


@bp.get("/plans/<int:plan_id>/versions/<int:version>.yaml")
@login_required
def version_yaml(plan_id: int, version: int):
    found = library.get_version(current_actor(), plan_id, version)
    headers = {"Content-Disposition": f'attachment; filename="plan-{plan_id}-v{version}.yaml"'}
    return Response(found.text, mimetype="application/yaml", headers=headers)


def _text() -> str:
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:  # a plan saved by a Chinese Windows editor: GBK, which GB18030 reads
            return data.decode("gb18030", errors="replace")
    return request.form.get("text", "")


def _editor(
    plan: Plan | None, built: PlanForm, text: str, failed: InvalidInput | None = None, *,
    form_failed: InvalidInput | None = None, shown_yaml: bool = False,
):  # fmt: skip
    """The editor: the form (its mistakes beside their boxes) and the YAML (its mistakes by line)."""
    actor = current_actor()
    lang = language()
    errors = [
        {"row": e.row, "field": e.field, "message": field_message(e.field, e.code, lang, **e.params)}
        for e in (failed.errors if failed else [])
    ]
    box_errors = [box_error(e.field, message(e.code, lang, **e.params)) for e in (form_failed.errors if form_failed else [])]
    subdistricts = list_subdistricts(actor) if actor.role is Role.ADMIN and plan is None else []
    page = render_template(
        "plan_edit.html", plan=plan, text=text, errors=errors, subdistricts=subdistricts, built=built,
        form_errors=box_errors, error_at=errors_by_box(box_errors), shown_yaml=shown_yaml or bool(errors),
        skills=[(s.code, s.label(lang)) for s in list_skills()], choices=choices.form_choices(actor, plan, lang),
        chosen_subdistrict=request.form.get("subdistrict_id", ""), example=_example(),
    )  # fmt: skip
    refused = failed or form_failed
    return page, (409 if isinstance(refused, Conflict) else 422) if refused else 200


def _example() -> str:
    path = Path(__file__).resolve().parents[2] / EXAMPLE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _names(previews) -> dict[int, str]:
    ids = {c.org_id for p in previews for c in p.candidates}
    if not ids:
        return {}
    return dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())


def _editable(plan) -> bool:
    actor = current_actor()
    return actor.role is Role.ADMIN or plan.subdistrict_id == actor.subdistrict_id
