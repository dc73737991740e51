"""The JSON API on a live server as clients other than ours reach it: a fuzzer over its OpenAPI document, as each
kind of user, and bodies sent chunked (no Content-Length), which each of our two web servers must read.

The fuzzer runs in production (PostgreSQL, gevent) as a duty officer, a leader and a grid worker: only PostgreSQL's
32-bit integers overflow, and each role reaches other routes past the login. In embedded mode (SQLite, Werkzeug) it
runs as the duty officer alone, the role that reaches the most: a role costs about a minute, and what the other two
would add there is the role checks, which are the same code on both databases.
"""

from __future__ import annotations

import json

import pytest
from urllib3 import encode_multipart_formdata

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import serve
from tests.e2e.fuzzing import fuzz


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    with serve(request.param, tmp_path_factory) as live:
        yield live


RUNS = [("production", "demo-duty"), ("production", "demo-leader"), ("production", "demo-grid"), ("embedded", "demo-duty")]


@pytest.mark.parametrize(("server", "username"), RUNS, indirect=["server"])
def test_the_api_answers_every_request_as_its_document_says(server, username):
    report = fuzz(server.url, server.login(username, DEMO_PASSWORD))
    print(f"\n{username}: {report}")
    assert report.cases > 1000 and report.successes > 100  # logged in, and past the validation
    assert not report.failures and report.server_errors == 0, str(report)


def chunked(data: bytes, piece: int = 1000):
    """The body in pieces: requests sends a generator chunked, with no Content-Length."""
    for start in range(0, len(data), piece):
        yield data[start : start + piece]


@pytest.fixture
def duty(server):
    http = server.login("demo-duty", DEMO_PASSWORD)
    http.headers["Accept-Language"] = "en"
    return http


@pytest.mark.parametrize("server", ["production", "embedded"], indirect=True)
def test_a_chunked_json_body_is_read_whole(server, duty):
    body = json.dumps({"title": "分块发送的事件" * 20, "category": "accident", "level": "IV"}).encode()
    response = duty.post(f"{server.url}/api/incidents", data=chunked(body, 50), headers={"Content-Type": "application/json"})
    assert response.status_code == 201 and response.json()["title"] == "分块发送的事件" * 20


@pytest.mark.parametrize("server", ["production", "embedded"], indirect=True)
def test_a_chunked_body_that_is_not_json_is_refused(server, duty):
    headers = {"Content-Type": "application/json"}
    malformed = duty.post(f"{server.url}/api/incidents", data=chunked(b'{"title": "x", '), headers=headers)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"
    text = duty.post(f"{server.url}/api/incidents", data=chunked(b"title=x"), headers={"Content-Type": "text/plain"})
    assert text.status_code == 415


@pytest.mark.parametrize("server", ["production", "embedded"], indirect=True)
def test_a_chunked_upload_is_read_whole(server, duty):
    community = duty.get(f"{server.url}/api/communities").json()["items"][0]["code"]
    rows = f"名称,类型,统一社会信用代码,社区代码,技能,负责人,负责人手机\n分块上传应急队,备案,,{community},rescue:5,钱队长,13900001234\n"
    body, content_type = encode_multipart_formdata({"file": ("orgs.csv", rows.encode())})
    response = duty.post(
        f"{server.url}/api/imports/organizations", data=chunked(body, 50), headers={"Content-Type": content_type}
    )
    assert response.status_code == 200 and response.json()["created"]["organizations"] == 1


@pytest.mark.parametrize("server", ["production", "embedded"], indirect=True)
def test_a_chunked_body_over_the_limit_is_refused(server, duty):
    body = json.dumps({"title": "x" * (3 * 1024 * 1024), "category": "accident", "level": "IV"}).encode()
    response = duty.post(
        f"{server.url}/api/incidents", data=chunked(body, 64 * 1024), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
