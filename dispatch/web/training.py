"""Training pages for duty officers: record a session and who attended (attending may earn a certificate), and the
certificates running out soon, with a reminder to each leader. Leaders read the sessions their members attend."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Action, Resource, may
from dispatch.schemas.training import TrainingIn, TrainingQuery
from dispatch.services.records import training
from dispatch.services.registry import members
from dispatch.services.registry import organizations as org_service
from dispatch.services.registry.skills import list_skills
from dispatch.web.forms import parsed, row_id, row_ids
from dispatch.web.paging import list_query, pager, past_the_end

bp = Blueprint("training", __name__)


@bp.get("/training")
@login_required
def sessions():
    actor = current_actor()
    query = list_query(TrainingQuery, per_page=100)
    rows, total = training.list_sessions(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    return render_template(
        "training.html", rows=rows, skills=list_skills(), records=may(actor, Action.CREATE, Resource.TRAINING),
        **pager(query, total),
    )  # fmt: skip


@bp.post("/training")
@login_required
def create():
    fields = {key: value for key, value in request.form.items() if key != "csrf_token"}
    session = training.create_session(current_actor(), parsed(TrainingIn, fields))
    return redirect(url_for("training.session_page", session_id=session.id))


@bp.get("/training/<int:session_id>")
@login_required
def session_page(session_id: int):
    actor = current_actor()
    session = training.get_session(actor, session_id)
    chosen = row_id(request.args, "organization_id")
    records = may(actor, Action.EDIT, Resource.TRAINING)
    organizations = org_service.names_in_scope(actor) if records else []
    return render_template(
        "training_session.html", session=session, records=records, organizations=organizations, chosen=chosen,
        candidates=members.list_members(actor, chosen) if records and chosen else [],
        attended={a.member_id for a in session.attendances}, mine=actor.organization_id,
    )  # fmt: skip


@bp.post("/training/<int:session_id>/attendees")
@login_required
def add_attendees(session_id: int):
    ids = row_ids(request.form, "member_ids")
    training.add_attendees(current_actor(), session_id, ids)
    return redirect(url_for("training.session_page", session_id=session_id))


@bp.get("/certificates/expiring")
@login_required
def expiring():
    days = max(1, min(request.args.get("days", default=30, type=int), 365))  # the page says the days it shows
    groups = training.expiring(current_actor(), days)
    return render_template("expiring.html", groups=groups, days=days, reminded=request.args.get("reminded", type=int))


@bp.post("/organizations/<int:organization_id>/certificate-reminder")
@login_required
def remind(organization_id: int):
    days = request.form.get("days", default=30, type=int)
    training.remind(current_actor(), organization_id, max(1, min(days, 365)))
    return redirect(url_for("training.expiring", days=days, reminded=organization_id))
