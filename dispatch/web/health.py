"""GET /healthz: whether the system keeps its promises now, and the facts behind the verdict.

The database, Redis (or "embedded"), the job queue, the workers (production: those that beat in the database within
the last seconds, so a restarted Redis does not hide them), the sweeper's lag and the longest wait of a message that
is due. 200 "ok" when every promise holds; 503 "degraded" with the broken ones named under ``problems``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, current_app
from sqlalchemy import text

from dispatch.domain.health import problems
from dispatch.extensions import csrf, db
from dispatch.services import liveness

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


def promises_state() -> tuple[dict, list[str]]:
    """The jobs, sweeper and outbox sections, and the promises broken now."""
    queue = current_app.extensions["dispatch.jobs"].health()
    counts_workers = queue.backend != "inline"  # the embedded default runs its jobs in this very process
    facts = liveness.facts(counts_workers)
    broken = [problem.value for problem in problems(facts)]
    jobs = {"ok": queue.ok and "no_worker" not in broken, "backend": queue.backend, **queue.detail}
    if counts_workers:
        jobs["workers"] = facts.workers_alive
    sweeper = {"ok": not {"never_swept", "sweeper_late"} & set(broken), "lag_s": facts.sweeper_lag_s}
    sweeper["holder"] = liveness.sweeper_holder()
    outbox = {"ok": "outbox_late" not in broken, "oldest_due_s": facts.oldest_due_s}
    return {"jobs": jobs, "sweeper": sweeper, "outbox": outbox}, broken


def channels_state() -> dict:
    """Each role a message can play, the technology configured to play it, whether answers can come back, and how
    many of its messages are due now (configuration, not a verdict: the outbox section says whether sending keeps up)."""
    from sqlalchemy import func, select

    from dispatch.models import OutboxMessage

    now = datetime.now(UTC)
    due = dict(
        db.session.execute(
            select(OutboxMessage.channel, func.count())
            .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
            .group_by(OutboxMessage.channel)
        ).all()
    )
    db.session.commit()
    config = current_app.config
    answers = {"aliyun": bool(config["ALIYUN_PUSH_TOKEN"]), "twilio": bool(config["TWILIO_AUTH_TOKEN"]), "outbox": True}
    found = {}
    for role, channel in current_app.extensions["dispatch.channels"].items():
        found[role] = {"ok": True, "technology": getattr(channel, "name", role), "due": due.get(role, 0)}
        if role == "sms":
            found[role]["replies"] = answers.get(channel.name, False)
    return found


@bp.get("/healthz")
@csrf.exempt
def healthz():
    checks = {"database": database_state(), "redis": redis_state()}
    broken = [f"{name}_down" for name, check in checks.items() if not check["ok"]]
    if checks["database"]["ok"]:
        sections, promises = promises_state()
        checks.update(sections)
        checks["channels"] = {"ok": True, **channels_state()}
        broken += promises
    ok = all(check["ok"] for check in checks.values()) and not broken
    server = {"async_mode": current_app.config["SOCKETIO_ASYNC_MODE"]}
    return {"status": "ok" if ok else "degraded", "problems": broken, **checks, "server": server}, 200 if ok else 503
