"""One place that turns errors into answers: JSON under /api, pages elsewhere, always in the user's language."""

from __future__ import annotations

import time

from flask import Flask, jsonify, make_response, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from dispatch.api.validation import MAX_JSON_DEPTH, JsonRequired, JsonTooDeep, MalformedJson, MultipartRequired
from dispatch.auth import LoginRequired
from dispatch.domain.scope import Forbidden
from dispatch.extensions import db, limiter
from dispatch.field_labels import field_message
from dispatch.i18n import language
from dispatch.message_words import WORDED
from dispatch.messages import DUPLICATES, message
from dispatch.services import audit
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz" or request.is_json


def error_response(status: int, code: str, errors: list[FieldError] | None = None, **params):
    lang = language()
    body = {"code": code, "message": message(code, lang, **params), "errors": [_field(e, lang) for e in errors or []]}
    if wants_json():
        return jsonify(error=body), status
    return render_template("error.html", status=status, error=body), status


def _here() -> str:
    """The page asked for, to come back to after logging in: its path, and its query only when it has one."""
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path


def _field(error: FieldError, lang: str) -> dict:
    entry = {"field": error.field, "code": error.code, "message": field_message(error.field, error.code, lang, **error.params)}
    if error.row is not None:
        entry["row"] = error.row
    return entry


def headline(exc: InvalidInput) -> str:
    """What the refusal is, above its field errors: a duplicate and a state that forbids the action are two things."""
    codes = {error.code for error in exc.errors}
    if isinstance(exc, Conflict):
        return "conflict" if codes & DUPLICATES else "state_conflict"
    return "state_conflict" if codes and codes <= WORDED.keys() else exc.code


def _audit_refusal(status: int, code: str = "not_found") -> None:
    """A record or page outside the caller's reach (or no such record: the answer is the same). What the request
    had begun is dropped first; nothing of a refused request is kept."""
    db.session.rollback()
    audit.record(
        "access.refused",
        "refused",
        object_type="path",
        object_id=request.path,
        detail={"status": status, "code": code, "method": request.method},
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput):
        status = 409 if isinstance(exc, Conflict) else 422
        return error_response(status, headline(exc), exc.errors)

    @app.errorhandler(NotFound)
    def not_found(_exc: NotFound):
        _audit_refusal(404)
        return error_response(404, "not_found")

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden):
        _audit_refusal(403, exc.code)
        return error_response(403, exc.code)

    @app.errorhandler(LoginRequired)
    def login_required(exc: LoginRequired):
        code = "session_expired" if exc.expired else "login_required"
        if wants_json():
            return error_response(401, code)
        return redirect(url_for("login.login_form", next=_here(), **({"expired": 1} if exc.expired else {})))

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc: CSRFError):
        return error_response(400, "csrf_failed")

    @app.errorhandler(MalformedJson)
    def malformed(exc: MalformedJson):
        return error_response(400, "malformed_json", detail=exc.detail)

    @app.errorhandler(JsonTooDeep)
    def too_deep(_exc: JsonTooDeep):
        return error_response(400, "json.too_deep", limit=MAX_JSON_DEPTH)

    @app.errorhandler(JsonRequired)
    def json_required(_exc: JsonRequired):
        return error_response(415, "json_required")

    @app.errorhandler(MultipartRequired)
    def multipart_required(_exc: MultipartRequired):
        return error_response(415, "multipart_required")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge):
        limit = f"{app.config['MAX_CONTENT_LENGTH'] // 1024} KB"
        return error_response(413, "too_large", limit=limit)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(_exc: Exception):
        """The database went away, restarted, or ended a transaction it found idle, or every connection of this
        process's pool stayed busy past its timeout (a thousand phones reconnecting at once): nothing was done, try
        again."""
        db.session.rollback()
        response = make_response(*error_response(503, "database_unavailable"))
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(RateLimitExceeded)
    def too_many(_exc: RateLimitExceeded):
        """429 with Retry-After: the seconds until the spent budget's window lets this address in again."""
        breached = limiter.current_limit
        seconds = max(1, breached.reset_at - int(time.time())) if breached else 60
        audit.record("rate_limited", "refused", object_type="path", object_id=request.path, detail={"method": request.method})
        response = make_response(*error_response(429, "too_many_requests", seconds=seconds))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 400
        code = {404: "not_found", 405: "method_not_allowed"}.get(status, "internal_error" if status >= 500 else "bad_request")
        return error_response(status, code)
