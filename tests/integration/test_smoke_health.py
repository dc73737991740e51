"""The health check says what the app runs on."""


def test_healthz_reports_database_redis_and_jobs(app):
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["database"]["backend"] in {"sqlite", "postgresql"}
    if app.config["REDIS_URL"]:
        assert body["redis"] == {"ok": True, "mode": "redis"} and body["jobs"]["backend"] == "rq"
    else:
        assert body["redis"] == {"ok": True, "mode": "embedded"} and body["jobs"]["backend"] == "inline"
