"""The deployment in deploy/, running: nginx in front of three web processes and two workers under supervisord.

An offer posted by an officer on one web process reaches a leader whose websocket nginx holds on another; a killed
web process or worker is started again by supervisord while nginx sends requests round it; nginx serves the static
files and refuses an absurd body itself. ``make deploy-check`` also brings the https site up (DEPLOY_CHECK_TLS=1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio as socketio_client

from dispatch.demo.seed import DEMO_PASSWORD
from tests.deploy.arrangement import DEPLOY, Deployment, _certificate, deployed
from tests.live_client import cell_polygons, interior_points, login

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    with deployed(tmp_path_factory.mktemp("deploy")) as running:
        yield running


def test_an_offer_reaches_a_leader_whose_socket_is_on_another_web_process(deployment):
    duty = _session(deployment, "demo-duty")
    duty_process = _process_of(deployment, duty)
    leader = _session(deployment, "demo-leader")
    for _ in range(30):  # each browser gets its own route: log in afresh until nginx puts the leader elsewhere
        if _process_of(deployment, leader) != duty_process:
            break
        leader = _session(deployment, "demo-leader")
    leader_process = _process_of(deployment, leader)
    assert leader_process != duty_process

    phone = _Phone(deployment, leader)
    sockets_before = len(deployment.access_log())
    phone.connect()
    incident = _open_incident(deployment, duty)
    organization = leader.get(f"{deployment.url}/api/me", timeout=5).json()["organization_id"]
    skills = leader.get(f"{deployment.url}/api/organizations/{organization}", timeout=5).json()["skills"]
    skill = next(s["code"] for s in skills if s["capacity"] > 0)
    posts_before = len(deployment.access_log())
    (lon, lat), *_ = interior_points(cell_polygons(duty, deployment.url), 1, _rng())
    body = {"skills": [skill], "head_count": 1, "broadcast_k": 20, "location": {"lon": lon, "lat": lat}}
    posted = duty.post(f"{deployment.url}/api/incidents/{incident}/needs", json=body, timeout=10)
    assert posted.status_code == 201, posted.text

    offer = next((a for a in posted.json()["assignments"] if a["organization"]["id"] == organization), None)
    assert offer is not None, "the demo leader's organization was not offered the need"
    assert phone.heard_offer.wait(10), "the offer did not reach the leader's socket"
    phone.close()
    assert deployment.upstreams("/api/incidents/", since=posts_before) == {duty_process}
    assert deployment.upstreams("/socket.io/", since=sockets_before) == {leader_process}


def test_supervisord_restarts_a_killed_web_process_and_nginx_sends_requests_round_it(deployment):
    duty = _session(deployment, "demo-duty")
    port = _process_of(deployment, duty).rsplit(":", 1)[1]
    before = deployment.pids()
    os.kill(before[f"web-{port}"], signal.SIGKILL)
    answers = [duty.get(f"{deployment.url}/api/me", timeout=10).status_code for _ in range(10)]
    assert answers == [200] * 10  # the session lives in the database: any web process answers it

    after = deployment.wait_until_all_running()
    assert after[f"web-{port}"] != before[f"web-{port}"]
    assert duty.get(f"{deployment.url}/api/me", timeout=10).status_code == 200


def test_supervisord_restarts_a_killed_worker_and_health_says_ok_again(deployment):
    before = deployment.pids()
    os.kill(before["worker-0"], signal.SIGKILL)
    after = deployment.wait_until_all_running()
    assert after["worker-0"] != before["worker-0"]
    deadline = time.monotonic() + 20
    while (health := requests.get(f"{deployment.url}/healthz", timeout=5).json())["status"] != "ok":
        assert time.monotonic() < deadline, health
        time.sleep(0.3)
    assert health["jobs"]["workers"] >= 1 and health["sweeper"]["lag_s"] < 10


def test_nginx_serves_the_static_files_itself_with_their_headers(deployment):
    before = len(deployment.access_log())
    response = requests.get(f"{deployment.url}/static/js/phone.js", timeout=5)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "javascript" in response.headers["Content-Type"]
    [entry] = deployment.logged("/static/js/phone.js", since=before)
    assert entry["upstream"] == ""  # no web process was asked


def test_a_body_far_over_the_limit_is_refused_by_nginx_in_words(deployment):
    limit = 2 * 1024 * 1024
    duty = _session(deployment, "demo-duty")
    response = duty.post(f"{deployment.url}/api/needs/1/widen", data=b"x" * (2 * limit + 1), timeout=30)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    near = duty.post(f"{deployment.url}/api/needs/1/widen", data=b"x" * (limit + 1), timeout=30)
    assert near.status_code == 413 and "2048 KB" in near.json()["error"]["message"]  # the app's own words


def test_secrets_in_paths_stay_out_of_nginx_logs(deployment):
    """A one-tap link's token and the Aliyun push token are in the path; nginx logs neither, even when no web
    process can take the request (its error log writes whole request lines)."""
    before = len(deployment.access_log())
    requests.get(f"{deployment.url}/t/secretTOKEN123", timeout=5)
    requests.post(f"{deployment.url}/aliyun/secretPUSHtoken456/report", data=b"[]", timeout=5)
    assert deployment.upstreams("/t/…", since=before)  # logged, as a one-tap link
    assert deployment.logged("/aliyun/…/report", since=before)
    logs = "".join(path.read_text() for path in deployment.logs.glob("nginx-*.log"))
    assert "secretTOKEN123" not in logs and "secretPUSHtoken456" not in logs


def test_with_no_web_process_up_nginx_answers_503_to_try_again_and_keeps_tokens_out_of_its_error_log(deployment):
    web = [f"dispatch:web-{port}" for port in deployment.web_ports]
    deployment.ctl("stop", *web)
    try:
        down = requests.get(f"{deployment.url}/api/me", timeout=10)
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert down.json()["error"]["code"] == "unavailable"
        requests.get(f"{deployment.url}/t/downTOKEN789", timeout=10)
        assert "downTOKEN789" not in (deployment.logs / "nginx-error.log").read_text()
    finally:
        deployment.ctl("start", *web)
        deployment.wait_until_all_running()


def test_the_tls_site_is_a_valid_nginx_configuration(deployment, tmp_path):
    """``make deploy-check`` serves it; here nginx checks it with a certificate made for the test."""
    render = [
        sys.executable, str(DEPLOY / "render.py"), "--out", str(tmp_path), "--tls-cert", str(tmp_path / "cert.pem"),
        "--tls-key", str(tmp_path / "key.pem"), "--log-dir", str(tmp_path), "--run-dir", str(tmp_path),
    ]  # fmt: skip
    subprocess.run(render, check=True, capture_output=True, timeout=60)
    _certificate(tmp_path)  # as the https deployment makes one
    main = tmp_path / "nginx.conf"
    main.write_text(
        (deployment.etc / "nginx.conf")
        .read_text()
        .replace(str(deployment.etc / "nginx-dispatch-http.conf"), str(tmp_path / "nginx-dispatch.conf"))
    )
    checked = subprocess.run(["nginx", "-t", "-c", str(main)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.skipif(not os.environ.get("DEPLOY_CHECK_TLS"), reason="make deploy-check serves the https site")
def test_the_https_site_serves_pages_and_sockets_with_secure_cookies(tmp_path, monkeypatch):
    with deployed(tmp_path, web=2, workers=1, tls=True) as running:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.verify))  # the certificate made for the test
        leader = _session(running, "demo-leader")
        secure = [c for c in leader.cookies if c.name == "session"]
        assert secure and all(c.secure for c in secure)
        page = leader.get(f"{running.url}/", timeout=5)  # the leader's phone page
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert (
            requests.get(f"{running.url}/static/js/phone.js", timeout=5)
            .headers["Strict-Transport-Security"]
            .startswith("max-age=")
        )
        phone = _Phone(running, leader)
        phone.connect()
        assert phone.client.transport() == "websocket"
        phone.close()


class _Phone:
    """A leader's phone on its websocket through nginx, noting when an offer to its organization arrives."""

    def __init__(self, deployment: Deployment, http: requests.Session) -> None:
        self.deployment, self.http = deployment, http
        self.heard_offer = threading.Event()
        self.client = socketio_client.Client(reconnection=False, http_session=http, ssl_verify=True)
        self.client.on("events", self._heard)

    def _heard(self, nudges: list[dict]) -> None:
        if any(n.get("kind") == "offer.made" for n in nudges):
            self.heard_offer.set()

    def connect(self) -> None:
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.client.connect(self.deployment.url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)

    def close(self) -> None:
        threading.Thread(target=self.client.disconnect, daemon=True).start()


def _session(deployment: Deployment, username: str) -> requests.Session:
    """A browser of its own: logged in through nginx, with the route cookie nginx gave it."""
    http = login(deployment.url, username, DEMO_PASSWORD)
    http.verify = deployment.verify  # the websocket's TLS reads the certificate to trust from here
    return http


def _process_of(deployment: Deployment, http: requests.Session) -> str:
    """The web process (127.0.0.1:port) nginx sends this browser to: asked once, read from the access log."""
    before = len(deployment.access_log())
    assert http.get(f"{deployment.url}/api/me", timeout=10).status_code == 200
    [process] = deployment.upstreams("/api/me", since=before)
    return process


def _open_incident(deployment: Deployment, duty: requests.Session) -> int:
    body = {"title": "部署检查", "category": "natural_disaster", "level": "III"}
    response = duty.post(f"{deployment.url}/api/incidents", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _rng():
    import random

    return random.Random(7)
