"""The county administrator's overview: where the county stands now, subdistrict by subdistrict, with a way into
each subdistrict's board. The administrator lands here after logging in."""

from __future__ import annotations

from flask import Blueprint, render_template

from dispatch.auth import current_actor, login_required
from dispatch.services.dispatch.overview import county_overview

bp = Blueprint("overview", __name__)


@bp.get("/overview")
@login_required
def county():
    return render_template("overview.html", overview=county_overview(current_actor()))
