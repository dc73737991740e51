"""The phone simulator page (embedded default only): a leader's phone, its messages and calls, and a reply box."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from dispatch.auth import current_actor, login_required
from dispatch.services import phones

bp = Blueprint("phones", __name__, url_prefix="/phones")


@bp.get("/<int:organization_id>")
@login_required
def phone(organization_id: int):
    organization = phones.phone_of(current_actor(), organization_id)
    return render_template("phone.html", org=organization, lines=phones.conversation(organization))


@bp.post("/<int:organization_id>/reply")
@login_required
def reply(organization_id: int):
    phones.reply(current_actor(), organization_id, request.form.get("text", "")[:500])
    return redirect(url_for("phones.phone", organization_id=organization_id))


@bp.post("/<int:organization_id>/calls/<int:outbox_id>")
@login_required
def press(organization_id: int, outbox_id: int):
    phones.press(current_actor(), organization_id, outbox_id, request.form.get("digits", ""))
    return redirect(url_for("phones.phone", organization_id=organization_id))
