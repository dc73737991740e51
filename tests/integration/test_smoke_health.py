"""The health check tells the truth: what the app runs on, whether a worker is alive (from its heartbeat in the
database, not from Redis), how late the sweeper is, and how long a due message has waited; each broken promise is
named under ``problems``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dispatch.domain.health import OUTBOX_LATE_S, SWEEPER_LATE_S, WORKER_STALE_S
from dispatch.extensions import db
from dispatch.jobs.sweeper import sweep_once
from dispatch.models import OutboxMessage, SweeperLease
from dispatch.services import liveness
from tests.integration.sms_helpers import first_offer, make_due, outbox


def health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


@pytest.fixture
def production(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column runs jobs in its web process: there is no worker to count")
    return app


def test_healthz_reports_the_database_redis_jobs_sweeper_and_outbox(app):
    sweep_once()
    liveness.beat("worker")
    status, body = health(app)
    assert (status, body["status"], body["problems"]) == (200, "ok", [])
    assert body["database"]["ok"] and body["database"]["backend"] in {"sqlite", "postgresql"}
    assert body["sweeper"]["ok"] and body["sweeper"]["lag_s"] < SWEEPER_LATE_S
    assert body["outbox"] == {"ok": True, "oldest_due_s": None}
    if app.config["REDIS_URL"]:
        assert body["redis"] == {"ok": True, "mode": "redis"} and body["jobs"]["backend"] == "rq"
        assert body["jobs"]["workers"] == 1
    else:
        assert body["redis"] == {"ok": True, "mode": "embedded"} and body["jobs"]["backend"] == "inline"


def test_a_sweeper_that_never_ran_or_stopped_running_is_named(app):
    liveness.beat("worker")
    status, body = health(app)
    assert status == 503 and "never_swept" in body["problems"]

    sweep_once()
    late = datetime.now(UTC) - timedelta(seconds=SWEEPER_LATE_S + 5)
    db.session.execute(update(SweeperLease).values(swept_at=late))
    db.session.commit()
    status, body = health(app)
    assert status == 503 and body["problems"] == ["sweeper_late"] and not body["sweeper"]["ok"]


def test_a_message_due_for_more_than_a_minute_is_named(app, world, browser):
    sweep_once()
    liveness.beat("worker")
    offer = first_offer(world, browser)
    waited = datetime.now(UTC) - timedelta(seconds=OUTBOX_LATE_S + 30)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox(offer["id"]).id).values(due_at=waited))
    db.session.commit()
    status, body = health(app)
    assert status == 503 and body["problems"] == ["outbox_late"] and body["outbox"]["oldest_due_s"] >= OUTBOX_LATE_S


def test_production_with_no_worker_beating_is_degraded(production):
    sweep_once()
    status, body = health(production)
    assert status == 503 and body["problems"] == ["no_worker"] and body["jobs"]["workers"] == 0


def test_a_worker_that_stopped_beating_is_not_counted(production, monkeypatch):
    sweep_once()
    monkeypatch.setattr(liveness, "process_id", lambda: "killed-worker")
    liveness.beat("worker", datetime.now(UTC) - timedelta(seconds=WORKER_STALE_S + 1))
    status, body = health(production)
    assert status == 503 and body["jobs"]["workers"] == 0


def test_healthz_names_the_technology_of_each_channel_and_what_it_has_due(app, world, browser, aliyun):
    offer = first_offer(world, browser)
    make_due(outbox(offer["id"]).id)
    _status, body = health(app)
    channels = body["channels"]
    assert channels["sms"] == {"ok": True, "technology": "aliyun", "due": 1, "replies": True}
    assert channels["voice"]["technology"] == app.extensions["dispatch.channels"]["voice"].name
