"""Every request: an id (nginx's ``X-Request-ID``, else one of our own) that the response, the log line and the events
it records carry; one JSON log line with its route, status and duration; and its count in the metrics."""

from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect

from dispatch.telemetry import metrics
from dispatch.telemetry.counting import trusted_request_id

log = logging.getLogger("dispatch.requests")
HEADER = "X-Request-ID"


def init_app(app: Flask) -> None:
    """The request's clock and id start before anything can refuse it: the first of the URL value preprocessors,
    which run before every ``before_request`` (CSRF, rate limits) and before a blueprint's own (Aliyun's token)."""
    app.url_value_preprocessors.setdefault(None, []).insert(0, _begin)
    app.after_request(_end)


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def seconds_so_far() -> float:
    return time.perf_counter() - g.get("request_began", time.perf_counter())


def _begin(_endpoint: str | None = None, _values: dict | None = None) -> None:
    g.request_began = time.perf_counter()
    g.request_id = trusted_request_id(request.headers.get(HEADER)) or uuid.uuid4().hex


def _end(response: Response) -> Response:
    seconds = seconds_so_far()
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    metrics.count_request(route, request.method, response.status_code, seconds)
    response.headers.setdefault(HEADER, g.get("request_id", ""))
    log.info(
        "request",
        extra={
            "fields": {
                "request_id": g.get("request_id"),
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": _user_id(),
            }
        },
    )
    return response


def _user_id() -> int | None:
    """The logged-in user's id as it was loaded, without a query: a rolled-back request's user is expired, and the
    rollback may be the database going away (a 503 must not turn into a 500 here)."""
    user = g.get("user")
    if user is None:
        return None
    state = inspect(user, raiseerr=False)
    if state is None:  # not a mapped object
        return getattr(user, "id", None)
    return state.identity[0] if state.identity else None


def refused_webhook(hook: str, reason: str) -> None:
    """A provider's callback refused (not configured, wrong signature or token, address not allowed): logged with
    the reason and counted, since the caller only sees a 403 or 404."""
    metrics.WEBHOOKS_REFUSED.labels(hook, reason).inc()
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"  # a path may hold a secret token
    log.warning("webhook refused", extra={"fields": {"hook": hook, "reason": reason, "route": route}})
