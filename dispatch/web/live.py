"""The live pages: the duty officer's incident board and the leader's phone page (an installable web app).

Both are thin: they render a shell, and their scripts (``static/js/board.js``, ``static/js/phone.js``) talk to the
JSON API and listen on the socket. What each user may see and do is decided by the API, as for any other client.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, send_from_directory, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.scope import Forbidden, Role
from dispatch.services.dispatch import incidents, offer_links
from dispatch.services.dispatch.offers import CODE_LENGTH
from dispatch.services.errors import NotFound
from dispatch.services.records import reports
from dispatch.services.registry import places

bp = Blueprint("live", __name__)

BOARD_ROLES = {Role.ADMIN, Role.DUTY_OFFICER}


@bp.get("/board")
@login_required
def board():
    actor = current_actor()
    if actor.role not in BOARD_ROLES:
        raise Forbidden()
    config = current_app.config
    # A county administrator opens incidents for one of the county's subdistricts: the form asks which.
    subdistricts = places.list_subdistricts(actor) if actor.role is Role.ADMIN else []
    return render_template(
        "board.html",
        tiles=config["MAP_TILES"],
        attribution=config["MAP_ATTRIBUTION"],
        tiles_system=config["MAP_TILES_SYSTEM"],
        subdistricts=subdistricts,
    )


@bp.get("/incidents/<int:incident_id>/report")
@login_required
def report(incident_id: int):
    """The after-action report: how fast organizations answered and arrived, need by need and organization by one."""
    incident, figures, names = reports.incident_report(current_actor(), incident_id)
    return render_template("after_action.html", incident=incident, report=figures, names=names)


@bp.get("/incidents/<int:incident_id>/recovery")
@login_required
def recovery(incident_id: int):
    """The recovery board: each task's state on the map and in a table; tasks by hand or from unfinished needs."""
    actor = current_actor()
    if actor.role not in BOARD_ROLES:
        raise Forbidden()
    incident = incidents.get_incident(actor, incident_id)
    config = current_app.config
    return render_template(
        "recovery.html", incident=incident, tiles=config["MAP_TILES"], attribution=config["MAP_ATTRIBUTION"],
        tiles_system=config["MAP_TILES_SYSTEM"],
    )  # fmt: skip


@bp.get("/risks")
@login_required
def risks():
    """The subdistrict's inbox of risks reported from the ground: open an incident, send help, or close them."""
    if current_actor().role not in BOARD_ROLES:
        raise Forbidden()
    return render_template("risks.html")


@bp.get("/m")
@login_required
def phone():
    actor = current_actor()
    if actor.role is not Role.ORG_LEADER:
        return redirect(url_for("live.board")) if actor.role in BOARD_ROLES else redirect(url_for("pages.organizations"))
    return render_template("phone_app.html")


@bp.get("/m/o/<code>")
@login_required
def offer_link(code: str):
    """Where an offer SMS's short link leads: the phone page, at that offer (its card is ``#offer-<id>``)."""
    actor = current_actor()
    if actor.role is not Role.ORG_LEADER:
        raise Forbidden()
    if len(code) > CODE_LENGTH:
        raise NotFound()
    assignment = offer_links.offer_by_code(actor, code)
    return redirect(url_for("live.phone", _anchor=f"offer-{assignment.id}"))


@bp.get("/grid")
@login_required
def grid():
    """The grid worker's page: what is happening in my cells, live."""
    if current_actor().role is not Role.GRID_WORKER:
        raise Forbidden()
    return render_template("grid.html")


@bp.get("/m/manifest.webmanifest")
def manifest():
    body = {
        "name": "社区应急派单", "short_name": "应急派单", "start_url": "/m", "scope": "/m", "display": "standalone",
        "background_color": "#f5f6f8", "theme_color": "#12355b", "lang": "zh-CN",
        "icons": [{"src": url_for("static", filename="favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }  # fmt: skip
    return current_app.json.response(body), 200, {"Content-Type": "application/manifest+json"}


@bp.get("/m/sw.js")
def service_worker() -> Response:
    """Served under /m so that it may control the phone page (a worker's scope is its own folder)."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/m"
    return response
