"""Complaint pages: file one from an organization's page; the managing body's inbox, where each is decided once."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from dispatch.audited import audited
from dispatch.auth import current_actor, login_required
from dispatch.domain.complaints import DECIDED_BY, ComplaintStatus
from dispatch.schemas.concerns import ComplaintIn, ComplaintQuery, DecisionIn
from dispatch.services.records import complaints
from dispatch.web.forms import parsed
from dispatch.web.paging import list_query, pager, past_the_end

bp = Blueprint("complaints", __name__)


@bp.get("/complaints")
@login_required
def inbox():
    actor = current_actor()
    status = request.args.get("status") or ComplaintStatus.OPEN.value
    query = list_query(ComplaintQuery, per_page=100, status=None if status == "all" else status)
    rows, total = complaints.list_complaints(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    return render_template(
        "complaints.html", rows=rows, status=status, decides=lambda c: DECIDED_BY[c.managing_body] is actor.role,
        sees_contact=complaints.sees_contact(actor), **pager(query, total),
    )  # fmt: skip


@bp.post("/organizations/<int:organization_id>/complaints")
@login_required
def file_complaint(organization_id: int):
    fields = {key: value for key, value in request.form.items() if key in ("summary", "contact")}
    data = parsed(ComplaintIn, {"organization_id": organization_id, **fields})
    complaints.file_complaint(current_actor(), data)
    return redirect(url_for("pages.organization", organization_id=organization_id, complained=1))


@bp.post("/complaints/<int:complaint_id>/decision")
@login_required
@audited("complaint.decided", "complaint")
def decide(complaint_id: int):
    data = parsed(DecisionIn, {"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")})
    complaints.decide(current_actor(), complaint_id, data.outcome, data.note)
    return redirect(url_for("complaints.inbox"))
