"""Pages: the organization list and detail, and the grid-cell list, all within the user's jurisdiction."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, redirect, render_template, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Action, Resource, may, sees_phone_numbers, sees_worker_phone
from dispatch.schemas.organizations import OrganizationQuery
from dispatch.schemas.places import CellQuery
from dispatch.services.notify import phones
from dispatch.services.registry import cells, forgetting, members, places
from dispatch.services.registry import organizations as org_service
from dispatch.services.registry.skills import list_skills
from dispatch.web.login import landing
from dispatch.web.paging import list_query, pager, past_the_end
from dispatch.web.phones_shown import PhonesShown

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """Where the visitor's work is: their role's page once logged in, the login form before."""
    if g.get("user") is None:
        return redirect(url_for("login.login_form"))
    return redirect(landing(g.actor.role))


@bp.get("/organizations")
@login_required
def organizations():
    actor = current_actor()
    shown = PhonesShown.asked("organizations")
    query = list_query(OrganizationQuery, ignore=PhonesShown.PARAMETERS)
    items, total = org_service.list_organizations(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    return render_template(
        "organizations.html",
        items=items,
        **pager(query, total),
        skills=list_skills(),
        subdistricts=places.list_subdistricts(actor),
        counts=org_service.member_counts([o.id for o in items]),
        phone=lambda org: shown.number(org.leader_phone, sees_phone_numbers(actor, org.id)),
        **shown.context(any(sees_phone_numbers(actor, org.id) for org in items)),
    )


@bp.get("/organizations/<int:organization_id>")
@login_required
def organization(organization_id: int):
    actor = current_actor()
    org = org_service.get_organization(actor, organization_id)
    shows_members = may(actor, Action.READ, Resource.MEMBER)
    sees = sees_phone_numbers(actor, org.id)
    shown = PhonesShown.asked("organization", org.id)
    return render_template(
        "organization.html",
        org=org,
        members=members.list_members(actor, org.id) if shows_members else [],
        shows_members=shows_members,
        may_forget=may(actor, Action.EDIT, Resource.MEMBER),
        today=datetime.now(UTC).date(),
        phone=lambda number: shown.number(number, sees),
        **shown.context(sees),
        phone_simulator=phones.simulated() and actor.role in phones.SIMULATING_ROLES,
    )


@bp.post("/members/<int:member_id>/forget")
@login_required
def forget_member(member_id: int):
    member = forgetting.forget_member(current_actor(), member_id)
    return redirect(url_for("pages.organization", organization_id=member.organization_id))


@bp.get("/cells")
@login_required
def cell_list():
    actor = current_actor()
    shown = PhonesShown.asked("cells")
    query = list_query(CellQuery, ignore=PhonesShown.PARAMETERS)
    items, total = cells.list_cells(actor, query)
    if last_page := past_the_end(query, total):
        return last_page
    return render_template(
        "cells.html",
        items=items,
        **pager(query, total),
        phone=lambda cell: shown.number(cell.worker_phone, sees_worker_phone(actor, cell.id)),
        **shown.context(any(sees_worker_phone(actor, cell.id) for cell in items)),
    )
