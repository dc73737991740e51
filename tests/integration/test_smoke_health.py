"""The health check says what the app runs on, and is honest when a part is missing."""

import pytest
from rq import SimpleWorker


def test_healthz_reports_database_redis_and_jobs(app):
    response = app.test_client().get("/healthz")
    body = response.get_json()
    assert body["database"]["ok"] and body["database"]["backend"] in {"sqlite", "postgresql"}
    if app.config["REDIS_URL"]:
        assert body["redis"] == {"ok": True, "mode": "redis"} and body["jobs"]["backend"] == "rq"
    else:
        assert response.status_code == 200 and body["status"] == "ok"
        assert body["redis"] == {"ok": True, "mode": "embedded"} and body["jobs"]["backend"] == "inline"


def test_a_queue_with_no_worker_is_reported_degraded(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column runs jobs in-process")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["jobs"] == {
        **response.get_json()["jobs"],
        "ok": False,
        "workers": 0,
    }


def test_a_registered_worker_makes_the_queue_healthy(app):
    if not app.config["REDIS_URL"]:
        pytest.skip("the embedded column runs jobs in-process")
    from redis import Redis

    worker = SimpleWorker([app.config["RQ_QUEUE"]], connection=Redis.from_url(app.config["REDIS_URL"]))
    worker.register_birth()
    try:
        body = app.test_client().get("/healthz").get_json()
        assert body["status"] == "ok" and body["jobs"]["workers"] == 1
    finally:
        worker.register_death()
