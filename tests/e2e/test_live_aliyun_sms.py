"""Production end to end, mainland China: a posted need's offers go out as approved template SMS, sent by the RQ worker
through Aliyun's own SDK to a fake Aliyun; the provider's pushes bring the delivery reports and the leader's reply
back to the live gevent server, and the reply is confirmed by one template SMS."""

from __future__ import annotations

import json
import random
import time

import pytest
import requests

from dispatch.demo.seed import DEMO_PASSWORD
from notifications.channels.aliyun_templates import SUGGESTED_TEXTS
from tests.e2e.conftest import serve
from tests.e2e.test_live_sms import wait_for
from tests.fake_aliyun_sms import FakeAliyunSms
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes

SIGN = "社区应急"
PUSH_TOKEN = "e2e-push-5d1c0a9f77b2"
CODES = {kind: f"SMS_77{n:02d}" for n, kind in enumerate(SUGGESTED_TEXTS)}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    with FakeAliyunSms(sign_name=SIGN, templates={CODES[kind]: text for kind, text in SUGGESTED_TEXTS.items()}) as aliyun:

        def settings(port: int) -> dict[str, str]:
            return {
                "ALIYUN_ACCESS_KEY_ID": aliyun.access_key_id, "ALIYUN_ACCESS_KEY_SECRET": aliyun.access_key_secret,
                "ALIYUN_SMS_SIGN_NAME": SIGN, "ALIYUN_SMS_TEMPLATES": json.dumps(CODES),
                "ALIYUN_SMS_ENDPOINT": aliyun.endpoint, "ALIYUN_PUSH_TOKEN": PUSH_TOKEN,
                "PUBLIC_URL": f"http://127.0.0.1:{port}",
                "FAILOVER": '{"III": "socket, sms@0s"}',  # text at once: the test has no time
            }  # fmt: skip

        with serve("production", tmp_path_factory, settings) as server:
            yield server, aliyun


def test_offers_go_out_as_templates_and_the_pushed_reply_and_reports_come_back_once(deployed):
    server, aliyun = deployed
    duty = login(server.url, "demo-duty", DEMO_PASSWORD)
    rng = random.Random(11)
    incident_id = open_incident(duty, server.url, "台风 e2e 阿里云")
    [(lon, lat)] = interior_points(cell_polygons(duty, server.url), 1, rng)
    body = {"skills": [skill_codes(duty, server.url)[0]], "head_count": 2, "location": {"lon": lon, "lat": lat}}
    need = duty.post(f"{server.url}/api/incidents/{incident_id}/needs", json=body, timeout=10).json()
    offers = {a["short_code"]: a for a in need["assignments"]}
    assert offers

    texted = wait_for(lambda: len(aliyun.sent) >= len(offers) and aliyun.sent)
    assert {m.params["code"] for m in texted} == set(offers) and len(texted) == len(offers)  # one SMS per offer
    assert {m.template_code for m in texted} == {CODES["offer"]} and all(m.content.startswith(f"【{SIGN}】") for m in texted)

    push = f"{server.url}/aliyun/{PUSH_TOKEN}"
    first = texted[0]
    reports = [vars(aliyun.report_for(m)) for m in texted]
    assert requests.post(f"{push}/report", json=reports, timeout=10).json()["code"] == 0
    reply = vars(aliyun.reply_from(first.phone, f"1 {first.params['code']} 1"))
    for _ in range(2):  # Aliyun pushes again when it thinks a push went unheard
        assert requests.post(f"{push}/reply", json=[reply], timeout=10).json()["code"] == 0
    assignment = duty.get(f"{server.url}/api/assignments/{offers[first.params['code']]['id']}", timeout=10).json()
    assert (assignment["state"], assignment["head_count"]) == ("accepted", 1)
    confirmation = wait_for(lambda: [m for m in aliyun.sent if m.template_code == CODES["confirmation"]])
    assert len(confirmation) == 1 and confirmation[0].phone == first.phone

    timeline = duty.get(f"{server.url}/api/incidents/{incident_id}/timeline", timeout=10).json()["items"]
    kinds = [e["kind"] for e in timeline]
    # the offers, and the confirmation of the answer, which the timeline shows under its offer
    assert kinds.count("sms.sent") == len(offers) + 1 and kinds.count("sms.delivered") == len(offers)
    assert "offer.accepted" in kinds
    assert requests.post(f"{server.url}/aliyun/guessed/reply", json=[reply], timeout=10).status_code == 404

    time.sleep(6)  # another sweeper pass: nothing is sent twice
    assert len(aliyun.sent) == len(offers) + 1
    channels = requests.get(f"{server.url}/healthz", timeout=5).json()["channels"]
    assert channels["sms"]["technology"] == "aliyun" and channels["sms"]["replies"] is True
