"""The county administrator's security pages: the audit trail (filter, page through, export) and the accounts now
locked by wrong passwords, with the lift."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Action, Resource, require
from dispatch.schemas.audit import AuditQuery
from dispatch.services import audit
from dispatch.services.audit.listing import actions_seen, export_rows, list_records
from dispatch.services.errors import NotFound
from dispatch.services.identity import login_guard
from dispatch.services.records.exports import inert
from dispatch.web.helpers import LOCAL_ZONE
from dispatch.web.paging import list_query, pager, past_the_end

bp = Blueprint("audit", __name__)

# What each action is, in words; an action not named here is shown by its code.
ACTION_WORDS = {
    "login.password": _l("Password login"),
    "login.code": _l("SMS code login"),
    "login.second_factor": _l("Second step of logging in"),
    "two_factor.enrolled": _l("Second step set up"),
    "two_factor.reset": _l("Second step reset"),
    "two_factor.new_recovery_codes": _l("New recovery codes"),
    "session.ended": _l("Session ended"),
    "phone.revealed": _l("Full phone numbers shown"),
    "member.forgotten": _l("Member forgotten"),
    "password.changed": _l("Password changed"),
    "password.expired": _l("Password expired"),
    "user.created": _l("Account created"),
    "account.locked": _l("Login name locked"),
    "account.unlocked": _l("Lock lifted"),
    "logout": _l("Logout"),
    "access.refused": _l("Access refused"),
    "rate_limited": _l("Too many requests"),
    "audit.exported": _l("Audit exported"),
    "export": _l("Export"),
    "import": _l("Import"),
    "evaluation.published": _l("Evaluation published"),
    "complaint.decided": _l("Complaint decided"),
    "duty_group.registered": _l("Duty group robot registered"),
    "duty_group.deactivated": _l("Duty group robot deactivated"),
    "duty_group.tested": _l("Duty group robot test message"),
    "offer.answered_by_link": _l("Offer answered by one-tap link"),
}
RESULT_WORDS = {"ok": _l("Succeeded"), "failed": _l("Failed"), "refused": _l("Refused"), "locked": _l("Locked")}
EXPORT_COLUMNS = ("id", "at", "actor_id", "actor_name", "address", "user_agent", "action", "object_type", "object_id",
                  "result", "detail", "previous", "seal")  # fmt: skip


@bp.get("/audit")
@login_required
def trail():
    actor = current_actor()
    query = list_query(AuditQuery)
    rows, total = list_records(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    return render_template(
        "audit.html", rows=rows, locks=login_guard.locks_for(actor), actions=actions_seen(actor),
        action_words=ACTION_WORDS, result_words=RESULT_WORDS, **pager(query, total),
    )  # fmt: skip


@bp.get("/audit.csv")
@login_required
def export():
    actor = current_actor()
    query = list_query(AuditQuery)
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in export_rows(actor, query):
        values = {name: getattr(row, name) for name in EXPORT_COLUMNS}
        values["at"] = row.at.astimezone(LOCAL_ZONE).isoformat()
        writer.writerow([inert(values[name]) for name in EXPORT_COLUMNS])
        count += 1
    filters = query.model_dump(mode="json", exclude_none=True, exclude={"page", "per_page"})
    audit.record("audit.exported", object_type="audit", detail={"rows": count, "filters": filters})
    headers = {"Content-Disposition": "attachment; filename=audit.csv"}
    return Response(out.getvalue(), mimetype="text/csv", headers=headers)


@bp.post("/audit/locks/<int:user_id>/lift")
@login_required
def lift_lock(user_id: int):
    actor = current_actor()
    require(actor, Action.EDIT, Resource.ACCOUNT)
    user = login_guard.lift(actor, user_id)
    if user is None:
        raise NotFound("user")
    audit.record("account.unlocked", object_type="user", object_id=user.id, detail={"username": user.username})
    return redirect(url_for("audit.trail", **request.args))
