"""Faults in the middle of work, on production as deployed (gevent web process, RQ workers, PostgreSQL, a Redis of
its own that can be killed, the real twilio client against a fake Twilio), and how late the clock runs after each.

A round posts two needs: A, sequential, whose first offer runs out after 30 s, and B, whose failover SMS comes due
at the same moment (FAILOVER: level III texts 30 s after the offer). Two seconds before that moment the round
injects its fault. Then it reads the event log: when A's offer expired, when A passed on to the next organization,
and when B's SMS was sent, each against when it was due. Shared by ``test_chaos.py`` (which asserts the promise:
within 10 s) and ``tests/bench/bench_faults.py`` (which reports the figures).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests

from dispatch.demo.seed import DEMO_PASSWORD
from tests import services
from tests.e2e.conftest import LiveServer, free_port, serve
from tests.fake_twilio import FakeTwilio
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes

OFFER_TIMEOUT_S = 30
SMS_AFTER_S = 30
LEAD_S = 2.0  # the fault comes this long before the deadline: the worst moment, with no pass to spare
PROMISE_S = 10.0  # every deadline and due message is acted on within this long, whatever the fault


@dataclass(frozen=True)
class Lateness:
    """Seconds past due: A's offer expired, A passed on to the next organization, B's failover SMS sent."""

    fault: str
    expired_s: float
    passed_on_s: float
    sms_s: float

    @property
    def worst_s(self) -> float:
        return max(self.expired_s, self.passed_on_s, self.sms_s)


class PrivateRedis:
    """A Redis of the test's own on a free port of 127.0.0.1, which it can kill and start again, empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = services.start_private_redis(self.port)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def restart_empty(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        time.sleep(1)
        self.process = services.start_private_redis(self.port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


@contextmanager
def chaos_stack(tmp_path_factory) -> Iterator[tuple[LiveServer, PrivateRedis]]:
    """Production with one worker, a private Redis and a fake Twilio."""
    redis = PrivateRedis()
    try:
        with FakeTwilio() as twilio:

            def settings(port: int) -> dict[str, str]:
                return {
                    "REDIS_URL": redis.url, "TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
                    "TWILIO_FROM": "+15005550006", "TWILIO_API_BASE": twilio.url, "PUBLIC_URL": f"http://127.0.0.1:{port}",
                    "FAILOVER": f'{{"III": {{"sms_after_s": {SMS_AFTER_S}, "voice_after_s": null}}}}',
                }  # fmt: skip

            with serve("production", tmp_path_factory, settings) as server:
                yield server, redis
    finally:
        redis.stop()


class Rounds:
    """Posts a round's two needs, waits for the worst moment, injects the fault, and measures the lateness."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.duty = login(server.url, "demo-duty", DEMO_PASSWORD)
        self.skill = skill_codes(self.duty, server.url)[0]
        self.points = iter(interior_points(cell_polygons(self.duty, server.url), 200, random.Random(11)))

    def run(self, fault: str, inject: Callable[[], None]) -> Lateness:
        incident = open_incident(self.duty, self.server.url, f"故障演练:{fault}")
        first = self._post(incident, "sequential", OFFER_TIMEOUT_S)
        texted = self._post(incident, "broadcast", 10 * OFFER_TIMEOUT_S)
        deadline = _when(first["assignments"][0]["deadline"])
        sms_due = _when(texted["assignments"][0]["offered_at"]) + timedelta(seconds=SMS_AFTER_S)
        _sleep_until(min(deadline, sms_due) - timedelta(seconds=LEAD_S))
        inject()
        return self._measure(fault, incident, first, texted["assignments"][0]["id"], deadline, sms_due)

    def _post(self, incident: int, policy: str, timeout_s: int) -> dict:
        lon, lat = next(self.points)
        body = {"skills": [self.skill], "head_count": 1, "policy": policy, "broadcast_k": 1, "offer_timeout_s": timeout_s,
                "location": {"lon": lon, "lat": lat}}  # fmt: skip
        response = self.duty.post(f"{self.server.url}/api/incidents/{incident}/needs", json=body, timeout=15)
        assert response.status_code == 201, response.text
        return response.json()

    def _measure(self, fault: str, incident: int, first: dict, texted_id: int, deadline: datetime, sms_due: datetime):
        offer = first["assignments"][0]["id"]
        give_up = time.monotonic() + OFFER_TIMEOUT_S + 60
        while time.monotonic() < give_up:
            events = self._timeline(incident)
            expired = _first(events, "offer.expired", assignment_id=offer)
            passed_on = _first(events, "offer.made", need_id=first["id"], after=offer)
            sms = _first(events, "sms.sent", assignment_id=texted_id)
            if expired and passed_on and sms:
                return Lateness(fault, _late(expired, deadline), _late(passed_on, deadline), _late(sms, sms_due))
            time.sleep(0.5)
        raise AssertionError(f"{fault}: still waiting a minute past due; logs in {self.server.logs}")

    def _timeline(self, incident: int) -> list[dict]:
        try:
            response = self.duty.get(f"{self.server.url}/api/incidents/{incident}/timeline", timeout=10)
            return response.json()["items"] if response.status_code == 200 else []
        except requests.RequestException:
            return []


def holder_pid(server: LiveServer) -> int:
    """The pid of the worker holding the sweeper's lease, as /healthz names it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        holder = requests.get(f"{server.url}/healthz", timeout=5).json().get("sweeper", {}).get("holder", "")
        if holder:
            return int(holder.rsplit(":", 1)[1])
        time.sleep(0.5)
    raise AssertionError("no process holds the sweeper's lease")


def worker_with_pid(server: LiveServer, pid: int) -> subprocess.Popen:
    return next(p for p in server.workers if p.pid == pid and p.poll() is None)


def kill(process: subprocess.Popen) -> None:
    """kill -9 the process and whatever it started (its group), as a supervisor or the OOM killer would."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def freeze(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGSTOP)


def thaw(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGCONT)


def standing_by(server: LiveServer) -> None:
    """Start a second worker and give it time to beat and stand by."""
    server.start_worker()
    time.sleep(6)


def _first(events: list[dict], kind: str, *, after: int | None = None, **match) -> dict | None:
    for event in events:
        if event["kind"] == kind and all(event.get(k) == v for k, v in match.items()) and event["assignment_id"] != after:
            return event
    return None


def _late(event: dict, due: datetime) -> float:
    return round((_when(event["at"]) - due).total_seconds(), 2)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds()))
