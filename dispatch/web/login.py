"""Log in, log out and choose the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for

from dispatch.auth import log_in, log_out
from dispatch.i18n import LANGUAGES
from dispatch.services.users import authenticate

bp = Blueprint("login", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be used to send people elsewhere."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.organizations")
    return target


@bp.get("/login")
def login_form():
    expired = request.args.get("expired") == "1"
    return render_template("login.html", next=request.args.get("next", ""), expired=expired, failed=False)


@bp.post("/login")
def login():
    user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        return render_template("login.html", next=request.form.get("next", ""), expired=False, failed=True), 401
    log_in(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("login.login_form"))


@bp.get("/lang/<code>")
def choose_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))
