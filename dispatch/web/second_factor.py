"""The second factor at login: the code from the authenticator app (or a recovery code), and the first enrolment,
with a QR code to scan and the recovery codes shown once.

Wrong codes count toward the same lock as wrong passwords (``dispatch.services.identity.login_guard``).
"""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from markupsafe import Markup

from dispatch.auth import log_in, waiting_for_second_factor
from dispatch.domain.two_factor import enrolment_uri, new_secret
from dispatch.extensions import db, limiter
from dispatch.models import User
from dispatch.services import audit
from dispatch.services.identity import login_guard, two_factor
from dispatch.web.login import destination_for, locked_page

bp = Blueprint("second_factor", __name__)

_limit = limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"])


def _back_to_login():
    session.pop("second_factor", None)
    return redirect(url_for("login.login_form", expired=1))


@bp.get("/login/second-factor")
def prompt():
    if waiting_for_second_factor() is None:
        return _back_to_login()
    return render_template("second_factor.html", failed=False)


@bp.post("/login/second-factor")
@_limit
def check():
    waiting = waiting_for_second_factor()
    if waiting is None:
        return _back_to_login()
    user, target = waiting
    name = login_guard.name_for_password(user.username)
    with login_guard.one_at_a_time(name):
        if until := login_guard.locked_until(name):
            audit.record("login.second_factor", "locked", object_type="user", object_id=user.id, actor=user)
            return locked_page("second_factor.html", until, failed=False)
        how = two_factor.check(user, request.form.get("code", "")[:40])
        if how is None:
            until = login_guard.note_failure(name)
            audit.record("login.second_factor", "failed", object_type="user", object_id=user.id, actor=user)
            if until:
                audit.record("account.locked", "ok", object_type="login_name", object_id=name, actor=user)
                return locked_page("second_factor.html", until, failed=False)
            return render_template("second_factor.html", failed=True), 401
        login_guard.clear(name)
        audit.record("login.second_factor", "ok", object_type="user", object_id=user.id, actor=user, detail={"by": how})
    user = db.session.get(User, user.id)
    log_in(user, session["second_factor"].get("via", "password"))
    if how == "recovery_code":
        return render_template("recovery_used.html", left=two_factor.recovery_codes_left(user), go=destination_for(user, target))
    return redirect(destination_for(user, target))


@bp.get("/login/second-factor/enrol")
def enrol():
    waiting = waiting_for_second_factor()
    if waiting is None:
        return _back_to_login()
    if two_factor.enrolled(waiting[0]):  # a second factor is replaced only by proving it, never with the password
        return redirect(url_for("second_factor.prompt"))
    return _enrol_page(waiting[0], failed=False)


@bp.post("/login/second-factor/enrol")
@_limit
def confirm():
    waiting = waiting_for_second_factor()
    if waiting is None or "secret" not in session["second_factor"]:
        return _back_to_login()
    user, target = waiting
    if two_factor.enrolled(user):
        return redirect(url_for("second_factor.prompt"))
    codes = two_factor.confirm_enrolment(user, session["second_factor"]["secret"], request.form.get("code", "")[:12])
    if codes is None:
        audit.record("two_factor.enrolled", "failed", object_type="user", object_id=user.id, actor=user)
        return _enrol_page(user, failed=True), 422
    audit.record("two_factor.enrolled", "ok", object_type="user", object_id=user.id, actor=user)
    audit.record("login.second_factor", "ok", object_type="user", object_id=user.id, actor=user, detail={"by": "enrolment"})
    log_in(user, session["second_factor"].get("via", "password"))
    return render_template("recovery_codes.html", codes=codes, go=destination_for(user, target))


def _enrol_page(user: User, failed: bool):
    held = session["second_factor"]
    if "secret" not in held:
        held["secret"] = new_secret()
        session.modified = True
    return enrolment_page(user, held["secret"], failed, url_for("second_factor.confirm"))


def enrolment_page(user: User, secret: str, failed: bool, action: str):
    """The QR code of a secret kept in the session until a code made from it comes back to ``action``."""
    uri = enrolment_uri(secret, user.username, current_app.config["TWO_FACTOR_ISSUER"])
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=5, omitsize=True, title="QR"))  # our own markup: paths, no user text
    spaced = " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
    return render_template("second_factor_enrol.html", qr=qr, secret=spaced, failed=failed, action=action)
