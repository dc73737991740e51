"""The duty group robots page: a subdistrict's officers (or the county's administrators) register their group's
DingTalk or WeCom robot by pasting its webhook address, send it a test message, and deactivate it. The page holds
robot tokens as they are typed: it is never cached."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.domain.phone import mask
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.schemas.duty_groups import new_group
from dispatch.services import audit
from dispatch.services.duty_groups import registry
from dispatch.services.duty_groups.health import robot_health
from dispatch.services.errors import InvalidInput

bp = Blueprint("duty_groups", __name__)
FIELDS = ("platform", "name", "webhook", "secret", "mention_phones")


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/duty-groups")
@login_required
def groups_page():
    tested = session.pop("duty_group_test", None)  # kept in the session, so no link can put words on this page
    return _page(200, tested=tested)


def _page(status: int, **shown):
    groups = registry.list_groups(current_actor())
    shown = {"typed": {}, "errors": {}, "tested": None, "busy_s": 0, **shown}
    return render_template("duty_groups.html", groups=groups, health=robot_health(groups), mask=mask, **shown), status


@bp.post("/duty-groups")
@login_required
def register():
    typed = {name: request.form.get(name, "")[:1000] for name in FIELDS}
    try:
        group = registry.register(current_actor(), new_group(typed))
    except InvalidInput as failed:
        audit.record("duty_group.registered", "failed", object_type="duty_group", object_id=request.path,
                     detail={"errors": len(failed.errors), "status": 422})  # fmt: skip
        lang = language()
        errors: dict[str, list[str]] = {}
        for error in failed.errors:
            errors.setdefault(error.field, []).append(message(error.code, lang, **error.params))
        return _page(422, typed={**typed, "secret": "", "webhook": ""}, errors=errors)  # credentials never shown back
    return redirect(url_for("duty_groups.groups_page", registered=group.id))


@bp.post("/duty-groups/<int:group_id>/test")
@login_required
def send_test(group_id: int):
    try:
        outcome = registry.send_test(current_actor(), group_id)
    except registry.OverBudget as busy:
        response, status = _page(429, busy_s=busy.wait_s)
        return response, status, {"Retry-After": str(busy.wait_s)}
    session["duty_group_test"] = {"outcome": outcome.outcome, "error": outcome.error}
    return redirect(url_for("duty_groups.groups_page"))


@bp.post("/duty-groups/<int:group_id>/deactivate")
@login_required
@audited("duty_group.deactivated", "duty_group")
def deactivate(group_id: int):
    registry.deactivate(current_actor(), group_id)
    return redirect(url_for("duty_groups.groups_page"))
