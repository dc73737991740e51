"""The one-tap offer link (``/t/<token>``): an offer's page that its leader answers without logging in.

The token is the only key: it opens this one offer's page and nothing else, and grants no session. Answers go through
the same accept and decline as the phone page and SMS replies (``dispatch/services/dispatch/offer_links.py``). The page is
plain HTML whose forms work with no script (WeChat's and DingTalk's built-in browsers, JavaScript off). It is never
stored by a cache on the way, and no link on it tells the map site the token (``Referrer-Policy: no-referrer``).
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import force_locale

from dispatch.api.dispatch_presenters import place_name
from dispatch.domain.assignments import ACTIVE_STATES, AssignmentState
from dispatch.domain.navigation import navigation_links
from dispatch.extensions import db
from dispatch.field_labels import field_message
from dispatch.i18n import LANGUAGES, language
from dispatch.models import Assignment
from dispatch.schemas.dispatching import AcceptIn, ReasonIn
from dispatch.services import audit
from dispatch.services.dispatch import offer_links
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.notify.delivery import leader_language
from dispatch.web.forms import parsed

bp = Blueprint("tap", __name__)

AUDIT_ACTION = "offer.answered_by_link"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
ANSWERED = {**dict.fromkeys((*ACTIVE_STATES, AssignmentState.COMPLETED), "accepted"), AssignmentState.DECLINED: "declined"}


@bp.get("/t/<token>")
def offer(token: str):
    assignment = offer_links.offer_by_token(token)
    with force_locale(_language(assignment)):
        return _page(assignment, 200)


@bp.post("/t/<token>")
def answer(token: str):
    assignment = offer_links.offer_by_token(token)
    action = request.form.get("action", "")
    with force_locale(_language(assignment)):
        try:
            _answer(assignment, action)
        except Conflict:  # answered already (here, by SMS or on the phone page), expired, withdrawn, or the need closed
            _audit(assignment, action, "failed", 409)
            return _page(_fresh(assignment.id), 409)
        except InvalidInput as refused:
            _audit(assignment, action, "failed", 422)
            return _page(_fresh(assignment.id), 422, errors=refused.errors)
    _audit(assignment, action, "ok", 303)
    return redirect(url_for("tap.offer", token=token, **_kept_language()), 303)


@bp.errorhandler(NotFound)
def no_such_offer(_exc: NotFound):
    """A token this service did not sign: one clear page, in the request's language, recorded as any refusal is."""
    db.session.rollback()
    audit.record("access.refused", "refused", object_type="path", object_id=request.path,
                 detail={"status": 404, "code": "offer_link.unknown", "method": request.method})  # fmt: skip
    with force_locale(_language(None)):
        return _headers(render_template("tap.html", missing=True), 404)


def _answer(assignment: Assignment, action: str) -> None:
    if action == "accept":
        offer_links.accept_by_link(assignment, parsed(AcceptIn, {"head_count": request.form.get("head_count", "")}).head_count)
    elif action == "decline":
        offer_links.decline_by_link(assignment, parsed(ReasonIn, {"reason": request.form.get("reason", "")}).reason)
    else:
        raise InvalidInput([FieldError("action", "value_error")])


def _page(assignment: Assignment, status: int, errors: list[FieldError] | None = None):
    need, lang = assignment.need, language()
    place = place_name(need, lang)
    shown = {
        "assignment": assignment, "need": need, "place": place, "drill": need.incident.drill,
        "open": offer_links.open_for_answer(assignment), "answered": ANSWERED.get(assignment.state),
        "skills": [skill.label(lang) for skill in need.skills],
        "navigation": [asdict(link) for link in navigation_links(need.lon, need.lat, place)],
        "suggested": request.form.get("head_count") or offer_links.suggested_head_count(assignment),
        "reason": request.form.get("reason", ""), "errors": _messages(errors or [], lang),
    }  # fmt: skip
    return _headers(render_template("tap.html", missing=False, **shown), status)


def _messages(errors: list[FieldError], lang: str) -> dict[str, str]:
    """Each field's first error, said in the page's language (the head count's next to its box)."""
    said: dict[str, str] = {}
    for error in errors:
        said.setdefault(error.field, field_message(error.field, error.code, lang, **error.params))
    return said


def _headers(body: str, status: int):
    return body, status, HEADERS


def _fresh(assignment_id: int) -> Assignment:
    return db.session.get(Assignment, assignment_id, populate_existing=True)


def _language(assignment: Assignment | None) -> str:
    """The language asked for on this page or chosen before; else English for a leader who reads it; else what
    the browser prefers (Chinese first)."""
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if assignment is not None and leader_language(assignment.organization_id) == "en":
        return "en"
    return language()


def _kept_language() -> dict[str, str]:
    chosen = request.args.get("lang")
    return {"lang": chosen} if chosen in LANGUAGES else {}


def _audit(assignment: Assignment, action: str, result: str, status: int) -> None:
    if result != "ok":
        db.session.rollback()  # nothing of a refused answer is kept, and its locks go before the record
    county_id = assignment.need.incident.subdistrict.county_id
    audit.record(AUDIT_ACTION, result, object_type="assignment", object_id=assignment.id, county_id=county_id,
                 detail={"action": action[:20], "status": status})  # fmt: skip
