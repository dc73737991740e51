"""A person's own account and security: their sessions (end any, or all but this one), their second factor (set it
up, new recovery codes), the way to the password form; and the county administrator's accounts page."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from dispatch.auth import current_actor, login_required
from dispatch.domain.two_factor import new_secret
from dispatch.extensions import limiter
from dispatch.services import audit
from dispatch.services.identity import accounts, sessions, two_factor
from dispatch.web.second_factor import enrolment_page

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def security():
    user = g.user
    return render_template(
        "account.html", sessions=sessions.open_sessions(user.id), current=session.get("sid"),
        enrolled=two_factor.enrolled(user), codes_left=two_factor.recovery_codes_left(user),
        required=two_factor.what_next(user).value != "none" or two_factor.enrolled(user),
    )  # fmt: skip


@bp.post("/account/sessions/<session_id>/end")
@login_required
def end_session(session_id: str):
    if sessions.end(g.user.id, session_id[:64]):
        audit.record("session.ended", object_type="session", object_id=session_id[:12])
    if session_id == session.get("sid"):
        session.clear()
        return redirect(url_for("login.login_form"))
    return redirect(url_for("account.security"))


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    ended = sessions.end_all(g.user.id, keep=session.get("sid"))
    audit.record("session.ended", object_type="user", object_id=g.user.id, detail={"others": ended})
    return redirect(url_for("account.security"))


@bp.get("/account/two-factor")
@login_required
def enrol_form():
    if two_factor.enrolled(g.user):  # replacing it takes an administrator's reset, not a session that may be stolen
        return redirect(url_for("account.security"))
    return _enrol_page(failed=False)


@bp.post("/account/two-factor")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"])
@login_required
def enrol():
    if two_factor.enrolled(g.user):
        return redirect(url_for("account.security"))
    secret = session.get("enrolling_secret")
    codes = two_factor.confirm_enrolment(g.user, secret, request.form.get("code", "")[:12]) if secret else None
    if codes is None:
        audit.record("two_factor.enrolled", "failed", object_type="user", object_id=g.user.id)
        return _enrol_page(failed=True), 422
    session.pop("enrolling_secret", None)
    audit.record("two_factor.enrolled", "ok", object_type="user", object_id=g.user.id)
    return render_template("recovery_codes.html", codes=codes, go=url_for("account.security"))


@bp.post("/account/recovery-codes")
@login_required
def new_recovery_codes():
    if not two_factor.enrolled(g.user):
        return redirect(url_for("account.security"))
    codes = two_factor.new_codes(g.user)
    audit.record("two_factor.new_recovery_codes", "ok", object_type="user", object_id=g.user.id)
    return render_template("recovery_codes.html", codes=codes, go=url_for("account.security"))


def _enrol_page(failed: bool):
    """As at the first login, with the secret kept in this session until a code made from it comes back."""
    if "enrolling_secret" not in session:
        session["enrolling_secret"] = new_secret()
    return enrolment_page(g.user, session["enrolling_secret"], failed, url_for("account.enrol"))


@bp.get("/accounts")
@login_required
def county_accounts():
    return render_template("accounts.html", accounts=accounts.county_accounts(current_actor()))


@bp.post("/accounts/<int:user_id>/end-sessions")
@login_required
def end_sessions_of(user_id: int):
    user, ended = accounts.end_all_sessions(current_actor(), user_id)
    audit.record("session.ended", object_type="user", object_id=user.id, detail={"all": ended, "username": user.username})
    return redirect(url_for("account.county_accounts"))


@bp.post("/accounts/<int:user_id>/reset-two-factor")
@login_required
def reset_two_factor_of(user_id: int):
    user = accounts.reset_second_factor(current_actor(), user_id)
    audit.record("two_factor.reset", object_type="user", object_id=user.id, detail={"username": user.username})
    return redirect(url_for("account.county_accounts"))
