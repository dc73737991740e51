"""GET /healthz: the state of the database, Redis (or "embedded") and the job runner, and how the server serves."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from sqlalchemy import text

from dispatch.extensions import csrf, db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def database_state() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # any driver error means "down"; the log has the details, the answer only the kind
        db.session.rollback()
        log.warning("health: database check failed: %s", exc)
        return {"ok": False, "backend": db.engine.dialect.name, "error": type(exc).__name__}


def redis_state() -> dict:
    url = current_app.config["REDIS_URL"]
    if not url:
        return {"ok": True, "mode": "embedded"}
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_timeout=2).ping()
        return {"ok": True, "mode": "redis"}
    except RedisError as exc:
        log.warning("health: redis check failed: %s", exc)
        return {"ok": False, "mode": "redis", "error": type(exc).__name__}


def jobs_state() -> dict:
    health = current_app.extensions["dispatch.jobs"].health()
    return {"ok": health.ok, "backend": health.backend, **health.detail}


@bp.get("/healthz")
@csrf.exempt
def healthz():
    checks = {"database": database_state(), "redis": redis_state(), "jobs": jobs_state()}
    ok = all(check["ok"] for check in checks.values())
    server = {"async_mode": current_app.config["SOCKETIO_ASYNC_MODE"]}
    return {"status": "ok" if ok else "degraded", **checks, "server": server}, 200 if ok else 503
