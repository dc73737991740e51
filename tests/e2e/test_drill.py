"""A drill end to end, in production (gevent web, RQ worker with the sweeper, PostgreSQL, Redis, the real twilio client
against a fake Twilio): the scripted drill starts from its YAML file, runs its second step on its own clock, and
simulated leaders answer on a schedule, one on its phone's socket and the others by SMS. Every text is marked 【演练】,
and the drill report says what happened: who was offered what, who answered how and how fast, what is still unfilled."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import socketio as socketio_client

from dispatch.demo.seed import DEMO_PASSWORD
from tests.e2e.test_live_sms import SENDER, deployed, wait_for
from tests.live_client import login

__all__ = ["deployed"]  # the production server with a fake Twilio, shared with the SMS test's module
SCENARIO = Path(__file__).parent / "scenarios" / "typhoon-drill.yaml"


class PhoneLeader:
    """The demo leader's phone: a nudge on the socket makes it ask the API for its offers (as the phone page does), and
    it accepts each new one a second later."""

    def __init__(self, url: str) -> None:
        self.url, self.http = url, login(url, "demo-leader", DEMO_PASSWORD)
        self.organization = self.http.get(f"{url}/api/me", timeout=5).json()["organization_id"]
        self.accepted: list[int] = []
        self.seen: set[int] = set()
        self.heard = threading.Event()
        self.client = socketio_client.Client(reconnection=False)
        self.client.on("events", self._on_events)
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        self.client.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)

    def _on_events(self, nudges: list[dict]) -> None:
        if not any(nudge["kind"] == "offer.made" for nudge in nudges):
            return
        offered = self.http.get(f"{self.url}/api/assignments?state=offered", timeout=10).json()["items"]
        for offer in offered:
            if offer["id"] not in self.seen:
                self.seen.add(offer["id"])
                self.heard.set()
                threading.Timer(1.0, self._accept, args=(offer["id"],)).start()

    def _accept(self, assignment_id: int) -> None:
        answer = self.http.post(f"{self.url}/api/assignments/{assignment_id}/accept", json={"head_count": 2}, timeout=10)
        assert answer.status_code == 200, answer.text
        self.accepted.append(assignment_id)


def offers_of(duty, url: str, incident_id: int) -> list[dict]:
    needs = duty.get(f"{url}/api/incidents/{incident_id}/needs", timeout=10).json()["items"]
    return [a for need in needs for a in need["assignments"]]


def test_a_scripted_drill_runs_from_its_file_to_its_report(deployed):
    server, twilio = deployed
    url = server.url
    duty = login(url, "demo-duty", DEMO_PASSWORD)
    phone = PhoneLeader(url)
    texted_before = len(twilio.messages)
    started = duty.post(f"{url}/api/drills", json={"scenario": SCENARIO.read_text(encoding="utf-8"), "mode": "auto"}, timeout=15)
    assert started.status_code == 201, started.text
    drill = started.json()
    assert (drill["steps"], drill["steps_done"]) == (2, 1)  # the first step ran at once; the second waits for its time
    assert phone.heard.wait(10), "the offer did not reach the leader's phone over the socket"

    # The drill's own clock (the worker's sweeper) posts the second step 20 s in.
    run = wait_for(
        lambda: (body := duty.get(f"{url}/api/drills/{drill['id']}", timeout=5).json())["steps_done"] == 2 and body, 45
    )
    assert run["status"] == "finished"
    offers = wait_for(lambda: len(found := offers_of(duty, url, drill["incident_id"])) >= 4 and found)
    texts = wait_for(lambda: len(twilio.messages) - texted_before >= len(offers) and twilio.messages[texted_before:])
    assert all(message.body.startswith("【演练】") for message in texts)

    # On the second need the other leaders answer by SMS on a schedule: the first accepts 2, the next declines, the
    # rest stay silent; the need (6 people) stays open, so no answer races its filling.
    second_need = max(a["need_id"] for a in offers)
    by_sms = sorted((a for a in offers if a["need_id"] == second_need and a["organization"]["id"] != phone.organization),
                    key=lambda a: a["id"])  # fmt: skip
    assert len(by_sms) >= 2
    planned = {by_sms[0]["id"]: ("accepted", "1 {code} 2"), by_sms[1]["id"]: ("declined", "2 {code} 人手不足")}
    for offer in by_sms[:2]:
        code = offer["short_code"]
        message = next(m for m in texts if code in m.body)
        reply = planned[offer["id"]][1].format(code=code)
        assert twilio.inbound_sms(f"{url}/twilio/sms", message.to, SENDER, reply).status_code == 200
        time.sleep(0.5)
    to_phone = [a["id"] for a in offers if a["organization"]["id"] == phone.organization]
    wait_for(lambda: sorted(phone.accepted) == sorted(to_phone))

    report = duty.get(f"{url}/api/drills/{drill['id']}/report", timeout=10).json()
    now = {a["id"]: a for a in offers_of(duty, url, drill["incident_id"])}
    assert len(report["offers"]) == len(now)
    for row in report["offers"]:
        offer = now[row["assignment_id"]]
        assert row["answer"] == (offer["state"] if offer["state"] != "offered" else None)
        if offer["answered_at"]:
            recorded = (_time(offer["answered_at"]) - _time(offer["offered_at"])).total_seconds()
            assert row["answer_s"] == pytest.approx(recorded, abs=0.5)
    for assignment_id, (kind, _reply) in planned.items():
        assert now[assignment_id]["state"] == kind
    assert all(now[a]["state"] == "accepted" for a in phone.accepted)
    accepted = sum(a["state"] == "accepted" for a in now.values())
    assert report["headline"]["accepted_share"] == pytest.approx(accepted / len(now))
    first, second = report["steps"]
    by_phone = {need: 2 * sum(now[a]["need_id"] == need for a in to_phone) for need in (first["need_id"], second_need)}
    assert (first["step"], first["outcome"], first["accepted"]) == (1, "open", by_phone[first["need_id"]])
    assert (second["step"], second["need_id"], second["outcome"]) == (2, second_need, "open")
    assert second["accepted"] == 2 + by_phone[second_need]
    page = duty.get(f"{url}/drills/{drill['id']}/report", timeout=10).text  # the officer's page says the same
    assert page.count('data-outcome="open"') == 2 and "人手不足" in page
    declined = next(r for r in report["offers"] if r["answer"] == "declined")
    assert declined["reason"] == "人手不足"
    phone.client.disconnect()


def _time(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)
