"""Production end to end: a posted need's offers are texted by the RQ worker through the real twilio client to a
fake Twilio; Twilio's signed delivery report and the leader's SMS reply come back to the live gevent server."""

from __future__ import annotations

import random
import time

import pytest
import requests

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import serve
from tests.fake_twilio import FakeTwilio
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes

SENDER = "+15005550006"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with FakeTwilio() as twilio:

        def settings(port: int) -> dict[str, str]:
            return {
                "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": SENDER,
                "TWILIO_API_BASE": twilio.url, "PUBLIC_URL": f"http://127.0.0.1:{port}",
                "FAILOVER": '{"III": {"sms_after_s": 0, "voice_after_s": null}}',  # text at once: the test has no time
            }  # fmt: skip

        with serve("production", tmp_path_factory, settings) as server:
            yield server, twilio


def wait_for(condition, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError("waited in vain")


def test_offers_are_texted_once_and_the_reply_and_delivery_report_come_back(deployed):
    server, twilio = deployed
    duty = login(server.url, "demo-duty", DEMO_PASSWORD)
    rng = random.Random(7)
    incident_id = open_incident(duty, server.url, "台风 e2e")
    [(lon, lat)] = interior_points(cell_polygons(duty, server.url), 1, rng)
    body = {"skills": [skill_codes(duty, server.url)[0]], "head_count": 2, "location": {"lon": lon, "lat": lat}}
    need = duty.post(f"{server.url}/api/incidents/{incident_id}/needs", json=body, timeout=10).json()
    offers = {a["short_code"]: a for a in need["assignments"]}
    assert offers

    texted = wait_for(lambda: len(twilio.messages) >= len(offers) and twilio.messages)
    by_code = {code: m for m in texted for code in offers if code in m.body}
    assert set(by_code) == set(offers) and len(texted) == len(offers)  # one SMS per offer

    code, message = next(iter(by_code.items()))
    report = twilio.status_callback(message, "delivered")
    assert report.status_code == 204
    answer = twilio.inbound_sms(f"{server.url}/twilio/sms", message.to, SENDER, f"1 {code} 1")
    assert answer.status_code == 200 and "<Message>" in answer.text
    assignment = duty.get(f"{server.url}/api/assignments/{offers[code]['id']}", timeout=10).json()
    assert (assignment["state"], assignment["head_count"]) == ("accepted", 1)

    timeline = duty.get(f"{server.url}/api/incidents/{incident_id}/timeline", timeout=10).json()["items"]
    kinds = [e["kind"] for e in timeline]
    assert kinds.count("sms.sent") == len(offers) and kinds.count("sms.delivered") == 1 and "offer.accepted" in kinds
    forged = twilio.inbound_sms(f"{server.url}/twilio/sms", message.to, SENDER, f"2 {code}", forged=True)
    assert forged.status_code == 403

    time.sleep(6)  # another sweeper pass: nothing is sent twice
    assert len(twilio.messages) == len(offers)
    assert requests.get(f"{server.url}/healthz", timeout=5).json()["server"]["async_mode"] == "gevent"
