"""The floor under sending SMS: the real ``twilio`` client in a bare loop against the same fake Twilio, one thread.

``measure_floor(...)`` runs the loop in a child process, as the worker is one (the fake answers from threads of the
bench's own process, so a loop there would share its interpreter lock): the app's own client construction
(``notifications.channels.twilio.twilio_client``: ``RedirectingHttpClient``, one session, the same timeout), then
``count`` ``messages.create`` calls, one after the other, with the form fields the worker's messages carried (a
status callback, a validity period). Nothing else: no database, no outbox row claimed or recorded, no text rendered,
no event, no RQ. Figures: messages per second, the child's CPU per message, and each call's round trip.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOOR_BODY = "【演练】底线"  # how the floor's texts begin, so a bench can tell them from the worker's


@dataclass
class Floor:
    per_second: float
    cpu_per_message_ms: float
    latencies_ms: list[float]  # each call, in order
    sent: int


def measure_floor(api_base: str, account_sid: str, auth_token: str, sender: str, count: int, extra: dict) -> Floor:
    """``count`` messages through the bare client in a child process; ``extra``: ``messages.create`` options
    beside to, from and body (``status_callback``, ``validity_period``)."""
    spec = {"api_base": api_base, "sid": account_sid, "token": auth_token, "sender": sender, "count": count, "extra": extra}
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=max(60, count),  # a second a message: far beyond any working fake
    )
    if result.returncode != 0:
        raise RuntimeError(f"the SMS floor loop failed:\n{result.stderr[-2000:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return Floor(
        found["sent"] / found["seconds"], found["cpu_s"] * 1000 / max(1, found["sent"]), found["latencies_ms"], found["sent"]
    )


def extra_options(form: dict[str, str]) -> dict:
    """The ``messages.create`` options a recorded message's form carried beside To, From and Body."""
    found = {}
    if "StatusCallback" in form:
        found["status_callback"] = form["StatusCallback"]
    if "ValidityPeriod" in form:
        found["validity_period"] = int(form["ValidityPeriod"])
    return found


def bare_loop(spec: dict) -> dict:
    from notifications.channels.twilio import twilio_client

    client = twilio_client(spec["sid"], spec["token"], spec["api_base"])
    latencies = []
    cpu, started = time.process_time(), time.perf_counter()
    for i in range(spec["count"]):
        sent_at = time.perf_counter()
        client.messages.create(to=f"+86139{i:08d}", from_=spec["sender"], body=f"{FLOOR_BODY} {i}:请查收", **spec["extra"])
        latencies.append((time.perf_counter() - sent_at) * 1000)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"sent": spec["count"], "seconds": seconds, "cpu_s": cpu, "latencies_ms": [round(v, 3) for v in latencies]}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(bare_loop(json.loads(sys.argv[1]))))
