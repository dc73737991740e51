"""Changing one's password: the form (current password, the new one twice, the rules stated), and the hook that keeps
a person who must change theirs (a first login of an issued account, an expired password) on that form.

Until then every other page redirects to the form and every API call answers 403 ``password.change_required``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from dispatch.api.errors import error_response, wants_json
from dispatch.auth import follow_epoch, login_required
from dispatch.domain.password_policy import ChangeDue
from dispatch.extensions import limiter
from dispatch.field_labels import field_message
from dispatch.i18n import language
from dispatch.services import audit
from dispatch.services.errors import InvalidInput
from dispatch.services.identity import passwords
from dispatch.web.login import _safe_next, landing

bp = Blueprint("password", __name__)

# What a person who must change their password may still reach: this form, logging out, the language switch, and the
# CSRF token a script needs to log out.
# The one-tap offer link (tap.*) acts for no session: a password due in the browser that holds one does not stop it.
OPEN_WHILE_DUE = {
    "static",
    "login.logout",
    "login.choose_language",
    "health.healthz",
    "api_me.csrf_token",
    "tap.offer",
    "tap.answer",
}


@bp.get("/password")
@login_required
def change_form():
    return _form_page()


@bp.post("/password")
@limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"])  # the current password is guessed here as at login
@login_required
def change():
    form = request.form
    try:
        passwords.change_password(
            g.user, form.get("current_password", ""), form.get("new_password", ""), form.get("new_password_again", "")
        )
    except InvalidInput as exc:
        return _form_page(errors=exc.errors), 422
    follow_epoch(g.user)
    session.pop("password_due", None)
    return redirect(_safe_next(form.get("next"), landing(g.user.role)))


def _form_page(errors=()):
    lang = language()
    shown = {}
    for error in errors:
        shown.setdefault(error.field, []).append(field_message(error.field, error.code, lang, **error.params))
    due = passwords.change_due(g.user)
    next_page = request.values.get("next", "")
    return render_template("password.html", due=due, errors=shown, rules=passwords.rules(), next=next_page)


def hold_until_changed():
    """Before each request: a person who must change their password reaches nothing else until they have."""
    user = g.get("user")
    if user is None or request.endpoint in OPEN_WHILE_DUE or (request.blueprint == "password"):
        return None
    if session.get("via") == "code":  # a leader who logs in by texted code uses no password to change
        return None
    due = passwords.change_due(user)
    if due is None:
        return None
    _note_expiry_once(user, due)
    if wants_json():
        return error_response(403, "password.change_required")
    here = request.full_path.rstrip("?") if request.method == "GET" else ""
    return redirect(url_for("password.change_form", **({"next": here} if here else {})))


def _note_expiry_once(user, due: ChangeDue) -> None:
    """An expired password is audited once per session, when it first holds the person back."""
    if session.get("password_due") == due.value:
        return
    session["password_due"] = due.value
    if due is ChangeDue.EXPIRED:
        audit.record("password.expired", "refused", object_type="user", object_id=user.id, actor=user)
