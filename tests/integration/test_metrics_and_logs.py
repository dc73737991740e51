"""What an operator sees of a request: its id on the response, the events and the log line; its count in /metrics,
with the offers it made and the state of the outbox; and /metrics only for those allowed to read it."""

from __future__ import annotations

import json
import logging
import re

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Event, OutboxMessage
from dispatch.telemetry.json_lines import JsonLines
from tests.integration.dispatch_helpers import need_body, open_incident, post_need

POST_ROUTE = "/api/incidents/<int:incident_id>/needs"


def scrape(app, **headers) -> dict[str, float]:
    response = app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain")
    return series(response.get_data(as_text=True))


def series(text: str) -> dict[str, float]:
    """Each sample line of the text format: 'name{labels}' → value."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


def test_a_posted_need_is_counted_as_a_request_its_offers_and_its_time_to_first_offer(app, world, browser):
    before = scrape(app)
    duty = browser(world.duty)
    posted = post_need(duty, open_incident(duty)["id"], need_body(world.cell_a1))
    assert posted.status_code == 201
    after = scrape(app)

    requests = f'dispatch_http_requests_total{{code="201",method="POST",route="{POST_ROUTE}",status="2xx"}}'
    assert after[requests] == before.get(requests, 0) + 1
    made = 'dispatch_offers_total{outcome="made"}'
    assert after[made] - before[made] == len(posted.get_json()["assignments"]) == 2
    first_offer = "dispatch_post_to_first_offer_seconds_count"
    assert after[first_offer] == before[first_offer] + 1
    pending = db.session.scalar(select(func.count()).where(OutboxMessage.status == "pending", OutboxMessage.channel == "sms"))
    assert after['dispatch_outbox_queued{channel="sms"}'] == pending > 0
    assert after["dispatch_database_up"] == 1 and after["dispatch_job_queue_up"] == 1


def test_an_accept_and_a_decline_are_counted_by_outcome(app, world, browser):
    duty = browser(world.duty)
    need = post_need(duty, open_incident(duty)["id"], need_body(world.cell_a1, head_count=1)).get_json()
    before = scrape(app)
    assert (
        browser(world.leader).post(f"/api/assignments/{need['assignments'][0]['id']}/accept", {"head_count": 1}).status_code
        == 200
    )
    after = scrape(app)
    assert after['dispatch_offers_total{outcome="accepted"}'] == before['dispatch_offers_total{outcome="accepted"}'] + 1
    # the need is filled: the other open offer is withdrawn in the same transaction
    assert after['dispatch_offers_total{outcome="withdrawn"}'] == before['dispatch_offers_total{outcome="withdrawn"}'] + 1


def test_the_request_id_from_nginx_is_on_the_response_and_in_the_events_it_recorded(app, world, browser):
    duty = browser(world.duty)
    incident = open_incident(duty)
    posted = duty.post(
        f"/api/incidents/{incident['id']}/needs", need_body(world.cell_a1), headers={"X-Request-ID": "abc123def456"}
    )
    assert posted.status_code == 201 and posted.headers["X-Request-ID"] == "abc123def456"
    need_id = posted.get_json()["id"]
    recorded = db.session.scalars(select(Event).where(Event.need_id == need_id)).all()
    assert recorded and all(event.data["request_id"] == "abc123def456" for event in recorded)


def test_a_request_id_that_is_not_one_is_replaced_by_our_own(app, world, browser):
    duty = browser(world.duty)
    answered = duty.get("/api/me", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", answered.headers["X-Request-ID"])


class Kept(logging.Handler):
    """The records a logger emits, kept (whatever handlers and propagation the process set up)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.logger = logging.getLogger(name)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> Kept:
        self.level_before = self.logger.level
        self.logger.setLevel(logging.INFO)
        self.logger.addHandler(self)
        return self

    def __exit__(self, *_exc) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.level_before)


def test_every_request_leaves_one_log_line_with_its_route_status_and_duration(app, world, browser):
    duty = browser(world.duty)
    with Kept("dispatch.requests") as kept:
        answered = duty.get("/api/me")
    [record] = [r for r in kept.records if r.fields["route"] == "/api/me"]
    line = json.loads(JsonLines().format(record))
    assert line["status"] == 200 and line["method"] == "GET" and line["duration_ms"] >= 0
    assert line["user_id"] == world.duty.id and line["message"] == "request"
    assert line["request_id"] == answered.headers["X-Request-ID"]


def test_a_refused_webhook_is_logged_with_its_reason_and_counted(app):
    with Kept("dispatch.requests") as kept:
        refused = app.test_client().post("/twilio/sms", data={"Body": "1"})
    assert refused.status_code == 404  # Twilio is not configured here
    [record] = [r for r in kept.records if r.getMessage() == "webhook refused"]
    assert record.fields == {"hook": "twilio", "reason": "not_configured", "route": "/twilio/sms"}
    assert scrape(app)['dispatch_webhooks_refused_total{hook="twilio",reason="not_configured"}'] >= 1


def test_a_request_refused_before_any_hook_still_has_its_id_and_its_time(app):
    """Aliyun's pushes are refused by their blueprint's token check, which runs before the app's own hooks."""
    with Kept("dispatch.requests") as kept:
        refused = app.test_client().post("/aliyun/not-the-token/report", data=b"[]")
    assert refused.status_code == 404
    [line] = [r.fields for r in kept.records if r.getMessage() == "request"]
    assert line["duration_ms"] >= 0 and line["request_id"] == refused.headers["X-Request-ID"]
    [refusal] = [r for r in kept.records if r.getMessage() == "webhook refused"]
    assert json.loads(JsonLines().format(refusal))["route"] == "/aliyun/<token>/report"


def test_metrics_are_refused_to_a_request_that_came_through_a_proxy(app):
    refused = app.test_client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert refused.status_code == 403
    assert "METRICS_TOKEN" in refused.get_data(as_text=True) and "dispatch_" not in refused.get_data(as_text=True)


def test_with_a_token_set_metrics_need_it_from_anywhere(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "scrape-me")
    client = app.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert scrape(app, Authorization="Bearer scrape-me")["dispatch_database_up"] == 1
    assert scrape(app, Authorization="bearer scrape-me")["dispatch_database_up"] == 1  # the scheme is any case
