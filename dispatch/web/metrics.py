"""GET /metrics: the Prometheus text format, for an operator's Prometheus (deploy/prometheus/).

Every process's metrics (``dispatch/telemetry/metrics.py``) and the system's state read now
(``dispatch/telemetry/state.py``). Allowed with ``Authorization: Bearer <METRICS_TOKEN>``, or, without a token,
only to a request made on this machine straight to a web process (not one that came through nginx): what a request
counts tells a stranger how busy the service is and which routes it has.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request

from dispatch.extensions import csrf
from dispatch.messages import MESSAGES
from dispatch.telemetry import metrics, state

bp = Blueprint("metrics", __name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@bp.get("/metrics")
@csrf.exempt
def scrape():
    if not _allowed():  # said in plain text, in both languages: the reader is a scraper's log
        return Response(" · ".join(MESSAGES["metrics.forbidden"]) + "\n", status=403, content_type=CONTENT_TYPE)
    metrics.forget_dead_processes()
    return Response(metrics.exposition() + state.exposition(), content_type=CONTENT_TYPE)


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("X-Real-IP"):
        return False  # came through a proxy: its client may be anyone
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
