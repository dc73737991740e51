"""The duty group robots page: a subdistrict's officers (or the county's administrators) register their group's
DingTalk or WeCom robot by pasting its webhook address, send it a test message, and deactivate it."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.domain.phone import mask
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.schemas.duty_groups import new_group
from dispatch.services.duty_groups import registry
from dispatch.services.errors import InvalidInput

bp = Blueprint("duty_groups", __name__)
FIELDS = ("platform", "name", "webhook", "secret", "mention_phones")


@bp.get("/duty-groups")
@login_required
def groups_page():
    tested = session.pop("duty_group_test", None)  # kept in the session, so no link can put words on this page
    return _page(200, tested=tested is not None, test_error=(tested or {}).get("error", ""))


def _page(status: int, **shown):
    groups = registry.list_groups(current_actor())
    shown = {"typed": {}, "errors": {}, "tested": False, "test_error": "", **shown}
    return render_template("duty_groups.html", groups=groups, mask=mask, **shown), status


@bp.post("/duty-groups")
@login_required
@audited("duty_group.registered", "duty_group")
def register():
    typed = {name: request.form.get(name, "")[:1000] for name in FIELDS}
    try:
        group = registry.register(current_actor(), new_group(typed))
    except InvalidInput as failed:
        lang = language()
        errors: dict[str, list[str]] = {}
        for error in failed.errors:
            errors.setdefault(error.field, []).append(message(error.code, lang, **error.params))
        typed.pop("secret")  # a secret is never shown back
        return _page(422, typed=typed, errors=errors)
    return redirect(url_for("duty_groups.groups_page", registered=group.id))


@bp.post("/duty-groups/<int:group_id>/test")
@login_required
def send_test(group_id: int):
    session["duty_group_test"] = {"error": registry.send_test(current_actor(), group_id)}
    return redirect(url_for("duty_groups.groups_page"))


@bp.post("/duty-groups/<int:group_id>/deactivate")
@login_required
@audited("duty_group.deactivated", "duty_group")
def deactivate(group_id: int):
    registry.deactivate(current_actor(), group_id)
    return redirect(url_for("duty_groups.groups_page"))
