"""Plan pages for duty officers: the plans they keep and may start, writing one as YAML (typed, pasted or uploaded;
a wrong one listed line by line, nothing kept), a plan with who each task would ask right now, its versions, and
withdrawing it. Starting a plan is on the incident board, where the incident is."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, request, url_for
from sqlalchemy import select

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.models import Organization
from dispatch.services.errors import InvalidInput
from dispatch.services.plans import library, preview
from dispatch.services.registry.places import list_subdistricts
from dispatch.web.forms import row_id

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
    return _editor(None, text="")


@bp.post("/plans")
@login_required
def create_plan():
    text = _text()
    try:
        plan = library.save_plan(current_actor(), text, subdistrict_id=row_id(request.form, "subdistrict_id"))
    except InvalidInput as failed:
        return _editor(None, text, failed)
    return redirect(url_for("plans.plan_page", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>")
@login_required
def plan_page(plan_id: int):
    plan, previews = preview.preview(current_actor(), plan_id)
    lang = language()
    return render_template(
        "plan.html", plan=plan, previews=previews, versions=plan.versions,
        problem_text=lambda e: message(e.code, lang, **e.params), names=_names(previews),
        editable=_editable(plan),
    )  # fmt: skip


@bp.get("/plans/<int:plan_id>/edit")
@login_required
def edit_plan(plan_id: int):
    plan = library.get_plan(current_actor(), plan_id)
    return _editor(plan, library.latest_version(plan).text)


@bp.post("/plans/<int:plan_id>")
@login_required
def save_plan(plan_id: int):
    text = _text()
    try:
        library.save_plan(current_actor(), text, plan_id=plan_id)
    except InvalidInput as failed:
        return _editor(library.get_plan(current_actor(), plan_id), text, failed)
    return redirect(url_for("plans.plan_page", plan_id=plan_id))


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


def _editor(plan, text: str, failed: InvalidInput | None = None):
    actor = current_actor()
    lang = language()
    errors = (
        [{"row": e.row, "field": e.field, "message": message(e.code, lang, **e.params)} for e in failed.errors] if failed else []
    )
    subdistricts = list_subdistricts(actor) if actor.role is Role.ADMIN and plan is None else []
    page = render_template(
        "plan_edit.html", plan=plan, text=text, errors=errors, subdistricts=subdistricts,
        chosen_subdistrict=request.form.get("subdistrict_id", ""), example=_example(),
    )  # fmt: skip
    return page, 422 if failed else 200


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
