"""The phone simulator page (embedded default only): a leader's phone, its messages and calls, and a reply box."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dispatch.auth import current_actor, login_required
from dispatch.services.notify import phones
from notifications.replies import MAX_HEAD_COUNT
from notifications.segments import Encoding, SmsSize

bp = Blueprint("phones", __name__, url_prefix="/phones")


@bp.get("/<int:organization_id>")
@login_required
def phone(organization_id: int):
    organization = phones.phone_of(current_actor(), organization_id)
    return render_template("phone.html", org=organization, lines=phones.conversation(organization), said=said, cost=cost)


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


def said(outcome: str) -> str:
    """What a typed reply did, in the reader's words (the services name it by a code)."""
    words = {
        "accepted": _("Accepted"),
        "declined": _("declined"),
        "already_accepted": _("Accepted already"),
        "already_declined": _("Declined already"),
        "not_found": _("No offer has this code"),
        "closed": _("The offer is closed"),
        "too_many": _("More people than the need still lacks"),
        "over_capacity": _("More people than the organization has free"),
        "no_one_free": _("No one in the organization is free"),
        "reply.empty": _("Empty reply"),
        "reply.no_action": _("Not understood: start with 1 (accept) or 2 (decline)"),
        "reply.no_code": _("Not understood: the offer code is missing"),
        "reply.bad_code": _("Not understood: no offer has such a code"),
        "reply.bad_head_count": _("Not understood: the head count must be a number from 1 to %(most)s", most=MAX_HEAD_COUNT),
        "standby.answered": _("Standby answer recorded"),
        "standby.none": _("No standby question is open"),
        "standby.unreadable": _("Not understood: a standby reply is READY and a number of people"),
        "standby.over_team": _("More people than the team has registered"),
        "": _("Being answered"),
    }
    return words.get(outcome, _("Not done"))


def cost(size: SmsSize) -> str:
    """What a message cost, as a person says it: "1 条短信（中文编码）"."""
    if size.encoding is Encoding.UCS2:
        return _("%(n)s SMS (Chinese encoding)", n=size.segments)
    return _("%(n)s SMS (Latin encoding)", n=size.segments)
