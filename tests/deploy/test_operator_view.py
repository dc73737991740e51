"""What an operator of the deployment sees: metrics counted across every web process and worker, scraped through nginx
with the token; one JSON log line a request carrying nginx's request id; alert rules Prometheus accepts; and alert
rules and dashboard that name only series the service exports."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

from tests import services
from tests.deploy.arrangement import DEPLOY, Deployment, deployed
from tests.deploy.test_deployment import _Phone, _session
from tests.live_client import cell_polygons, interior_points

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
BUILT_IN = {"up"}  # series Prometheus makes itself


@pytest.fixture(scope="module")
def busy(tmp_path_factory) -> Deployment:
    """The deployment after some work: a need posted with a leader's phone online, a webhook refused."""
    import random

    with deployed(tmp_path_factory.mktemp("operator")) as running:
        duty, leader = _session(running, "demo-duty"), _session(running, "demo-leader")
        phone = _Phone(running, leader)
        phone.connect()
        opened = {"title": "运维检查", "category": "natural_disaster", "level": "I"}  # level I: the SMS goes at once
        incident = duty.post(f"{running.url}/api/incidents", json=opened, timeout=10).json()["id"]
        (lon, lat), *_ = interior_points(cell_polygons(duty, running.url), 1, random.Random(3))
        body = {"skills": ["first_aid"], "head_count": 1, "broadcast_k": 5, "location": {"lon": lon, "lat": lat}}
        assert duty.post(f"{running.url}/api/incidents/{incident}/needs", json=body, timeout=10).status_code == 201
        requests.post(f"{running.url}/twilio/sms", data={"Body": "1"}, timeout=5)  # Twilio is not configured: refused
        _until_a_job_ran(running)
        yield running
        phone.close()


def scrape(deployment: Deployment, url: str | None = None) -> str:
    token = deployment.env["METRICS_TOKEN"]
    response = requests.get(url or f"{deployment.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def samples(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line and line[0] != "#"}


def exported_names(text: str) -> set[str]:
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in text.splitlines() if line and line[0] != "#"}


def test_metrics_through_nginx_need_the_token(busy):
    assert requests.get(f"{busy.url}/metrics", timeout=5).status_code == 403
    assert requests.get(f"{busy.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=5).status_code == 403


def test_any_web_process_answers_for_every_process_and_the_workers(busy):
    straight = [samples(scrape(busy, f"http://127.0.0.1:{port}/metrics")) for port in busy.web_ports]
    for each in straight:
        offers_made = each['dispatch_offers_total{outcome="made"}']
        assert offers_made >= 1
        assert sum(v for k, v in each.items() if k.startswith("dispatch_jobs_total") and 'outcome="done"' in k) >= 1
        assert each["dispatch_workers_alive"] == 2 and each["dispatch_database_up"] == 1
        sockets = {k: v for k, v in each.items() if k.startswith("dispatch_sockets_connected")}
        assert len(sockets) >= len(busy.web_ports) and sum(sockets.values()) == 1  # a gauge each live process
    assert len({s['dispatch_offers_total{outcome="made"}'] for s in straight}) == 1  # the same sum from each


def test_each_request_is_one_json_log_line_with_the_id_nginx_gave_it(busy):
    [posted] = [e for e in busy.access_log() if e["method"] == "POST" and e["path"].endswith("/needs")]
    lines = [
        json.loads(line) for path in busy.logs.glob("web-*.log") for line in path.read_text().splitlines() if line.startswith("{")
    ]
    [logged] = [line for line in lines if line.get("request_id") == posted["request_id"] and line["message"] == "request"]
    assert logged["status"] == 201 and logged["route"] == "/api/incidents/<int:incident_id>/needs"
    assert logged["method"] == "POST" and logged["duration_ms"] > 0
    jobs = [
        json.loads(line)
        for path in busy.logs.glob("worker-*.log")
        for line in path.read_text().splitlines()
        if '"message": "job"' in line
    ]
    assert jobs and all(job["outcome"] == "done" for job in jobs)
    refused = [line for line in lines if line["message"] == "webhook refused"]
    assert refused and refused[0]["reason"] == "not_configured" and refused[0]["hook"] == "twilio"


def test_prometheus_accepts_the_alert_rules():
    checked = subprocess.run(
        [services.ensure_promtool(), "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_alert_rules_and_dashboard_name_only_series_the_service_exports(busy):
    exported = exported_names(scrape(busy)) | BUILT_IN
    rules = (DEPLOY / "prometheus" / "alerts.yml").read_text()
    dashboard = json.loads((DEPLOY / "grafana" / "dispatch.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    named = set(re.findall(r"\b(dispatch_[a-z_]+|up)\{|\b(dispatch_[a-z_]+)\b", rules + "\n".join(expressions)))
    names = {a or b for a, b in named}
    assert names and sorted(names - exported) == []


def _until_a_job_ran(deployment: Deployment, seconds: float = 60) -> None:
    """The offer's SMS is sent by a worker's drain job a moment after the post."""
    import time

    deadline = time.monotonic() + seconds
    while not any(k.startswith("dispatch_jobs_total") and v for k, v in samples(scrape(deployment)).items()):
        assert time.monotonic() < deadline, "no job ran"
        time.sleep(0.3)
