"""Log in, log out and choose the language; after logging in, each role starts where its work is."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from dispatch.auth import hold_for_second_factor, log_in, log_out
from dispatch.domain.phone import to_e164
from dispatch.domain.scope import Role
from dispatch.domain.two_factor import SecondFactor
from dispatch.extensions import db, limiter
from dispatch.i18n import LANGUAGES, language
from dispatch.messages import message
from dispatch.models import User
from dispatch.services import audit
from dispatch.services.errors import InvalidInput
from dispatch.services.identity import login_codes, login_guard, two_factor
from dispatch.services.identity.users import authenticate

bp = Blueprint("login", __name__)

# Where each role's work is: the page a person lands on after logging in, unless they were on their way elsewhere.
LANDING = {
    Role.ADMIN: "overview.county",
    Role.DUTY_OFFICER: "live.board",
    Role.ORG_LEADER: "live.phone",
    Role.GRID_WORKER: "live.grid",
}


def landing(role: Role) -> str:
    return url_for(LANDING[role])


# The live pages each belong to some roles; a ``next`` to another role's (a leader sent to /board) is not followed.
LIVE_PAGE_ROLES = {
    "overview.county": {Role.ADMIN},
    "live.board": {Role.ADMIN, Role.DUTY_OFFICER},
    "live.risks": {Role.ADMIN, Role.DUTY_OFFICER},
    "live.phone": {Role.ORG_LEADER},
    "live.grid": {Role.GRID_WORKER},
}


def _opens_for(target: str, role: Role) -> bool:
    """Whether ``target`` is a page of the site (a GET route: not /logout, not a path that is no page) that ``role``
    may open, as far as the page's own name tells."""
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(urlsplit(target).path, method="GET")
    except HTTPException:
        return False
    return role in LIVE_PAGE_ROLES.get(endpoint, {role})


def _safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths, so the login page cannot be used to send people elsewhere. Browsers read a backslash as
    a slash and drop tabs and newlines, so ``/\\host`` and ``/<tab>/host`` would be ``//host``: neither is a path."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return fallback
    return target


def _enter(user: User, target: str | None, via: str = "password"):
    """After the first factor: on to the second where this person needs one, else into the session."""
    step = two_factor.what_next(user)
    if step is SecondFactor.NONE:
        return start_session(user, target, via)
    hold_for_second_factor(user, target, via)
    return redirect(url_for("second_factor.enrol" if step is SecondFactor.ENROL else "second_factor.prompt"))


def start_session(user: User, target: str | None, via: str = "password"):
    """Start the session and go where the person was headed, or else to where their role's work is."""
    log_in(user, via)
    return redirect(destination_for(user, target))


def destination_for(user: User, target: str | None) -> str:
    home = landing(user.role)
    destination = _safe_next(target, home)
    return destination if _opens_for(destination, user.role) else home


@bp.get("/login")
def login_form():
    expired = request.args.get("expired") == "1"
    return render_template("login.html", next=request.args.get("next", ""), expired=expired, failed=False)


def _limit(setting: str):
    """A per-address limit read from the settings at each request (tests and operators change it)."""
    return limiter.limit(lambda: current_app.config[setting])


@bp.post("/login")
@_limit("RATE_LIMIT_LOGIN")
def login():
    typed = request.form.get("username", "")[:80]
    name = login_guard.name_for_password(typed)
    attempt = {"object_type": "login_name", "object_id": name, "actor_name": typed, "county_id": login_guard.county_of(name)}
    with login_guard.one_at_a_time(name):
        if until := login_guard.locked_until(name):
            audit.record("login.password", "locked", **attempt)
            return locked_page("login.html", until, next=request.form.get("next", ""), expired=False, failed=False)
        user = authenticate(typed, request.form.get("password", ""))
        if user is None:
            until = login_guard.note_failure(name)  # counted before the next try of this name is judged
            audit.record("login.password", "failed", **attempt)
            if until:
                audit.record("account.locked", "ok", **attempt)
                return locked_page("login.html", until, next=request.form.get("next", ""), expired=False, failed=False)
            return render_template("login.html", next=request.form.get("next", ""), expired=False, failed=True), 401
        login_guard.clear(name)
        user_id = user.id
        audit.record("login.password", "ok", object_type="user", object_id=user_id, actor=user)
    return _enter(db.session.get(User, user_id), request.form.get("next"))


def locked_page(template: str, until: datetime, **context):
    """429 with Retry-After; the same words whether or not an account has the name."""
    seconds = max(1, int((until - datetime.now(UTC)).total_seconds()))
    locked = message("login.locked", language(), minutes=max(1, -(-seconds // 60)))
    response = current_app.make_response((render_template(template, locked=locked, **context), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.get("/login/code")
def code_form():
    return _code_page(phone="", next=request.args.get("next", ""))


@bp.post("/login/code")
@limiter.shared_limit(lambda: current_app.config["RATE_LIMIT_LOGIN_CODE"], scope="login-code")
def send_code():
    phone = request.form.get("phone", "")[:40]
    try:
        login_codes.request_code(phone)
    except InvalidInput as exc:
        return _code_page(phone=phone, error=message(exc.errors[0].code, language())), 422
    return _code_page(phone=phone, sent=True)


@bp.post("/login/code/verify")
@limiter.shared_limit(lambda: current_app.config["RATE_LIMIT_LOGIN_CODE"], scope="login-code")
def check_code():
    phone = request.form.get("phone", "")[:40]
    name = _code_login_name(phone)
    attempt = {"object_type": "login_name", "object_id": name, "county_id": login_codes.leader_county(phone)}
    with login_guard.one_at_a_time(name):
        if until := login_guard.locked_until(name):
            audit.record("login.code", "locked", **attempt)
            return locked_page("login_code.html", until, phone=phone, sent=True, failed=False, error=None, next=_next())
        try:
            user = login_codes.verify(phone, request.form.get("code", "")[:12])
        except InvalidInput:
            user = None
        if user is None:
            until = login_guard.note_failure(name)
            audit.record("login.code", "failed", **attempt)
            if until:
                audit.record("account.locked", "ok", **attempt)
                return locked_page("login_code.html", until, phone=phone, sent=True, failed=False, error=None, next=_next())
            return _code_page(phone=phone, sent=True, failed=True), 401
        login_guard.clear(name)
        user_id = user.id
        audit.record("login.code", "ok", object_type="user", object_id=user_id, actor=user)
    return _enter(db.session.get(User, user_id), request.form.get("next"), via="code")


def _code_login_name(phone: str) -> str:
    """The lock's name for a code login: the number as dialled everywhere, so spellings of it share one lock."""
    try:
        return login_guard.name_for_code(to_e164(phone))
    except ValueError:
        return login_guard.name_for_code(phone.strip())


def _next() -> str:
    return request.form.get("next", "")


def _code_page(phone: str, sent: bool = False, failed: bool = False, error: str | None = None, next: str | None = None):
    """The code form; the page a person was headed for rides along in a hidden field, as on the password form."""
    kept = request.form.get("next", "") if next is None else next
    return render_template("login_code.html", phone=phone, sent=sent, failed=failed, error=error, next=kept)


@bp.post("/logout")
def logout():
    if g.get("user") is not None:
        audit.record("logout", "ok", object_type="user", object_id=g.user.id)
    log_out()
    return redirect(url_for("login.login_form"))


@bp.get("/lang/<code>")
def choose_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path, url_for("pages.home")))
