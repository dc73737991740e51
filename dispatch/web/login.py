"""Log in, log out and choose the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for

from dispatch.auth import log_in, log_out
from dispatch.i18n import LANGUAGES, language
from dispatch.messages import message
from dispatch.services import login_codes
from dispatch.services.errors import InvalidInput
from dispatch.services.users import authenticate

bp = Blueprint("login", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so the login page cannot be used to send people elsewhere. Browsers read a backslash as
    a slash and drop tabs and newlines, so ``/\\host`` and ``/<tab>/host`` would be ``//host``: neither is a path."""
    if not target or urlsplit(target).netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.organizations")
    if "\\" in target or any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
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


@bp.get("/login/code")
def code_form():
    return render_template("login_code.html", phone="", sent=False, failed=False, error=None)


@bp.post("/login/code")
def send_code():
    phone = request.form.get("phone", "")[:40]
    try:
        login_codes.request_code(phone)
    except InvalidInput as exc:
        error = message(exc.errors[0].code, language())
        return render_template("login_code.html", phone=phone, sent=False, failed=False, error=error), 422
    return render_template("login_code.html", phone=phone, sent=True, failed=False, error=None)


@bp.post("/login/code/verify")
def check_code():
    phone = request.form.get("phone", "")[:40]
    try:
        user = login_codes.verify(phone, request.form.get("code", "")[:12])
    except InvalidInput:
        user = None
    if user is None:
        return render_template("login_code.html", phone=phone, sent=True, failed=True, error=None), 401
    log_in(user)
    return redirect(url_for("live.phone"))


@bp.post("/logout")
def logout():
    log_out()
    return redirect(url_for("login.login_form"))


@bp.get("/lang/<code>")
def choose_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))
