"""Redis only carries queues: killed and restarted (empty) while needs are posted, it loses no offer and no SMS.
Posts go on answering 201 while it is away; once it is back the worker re-arms the sweeper, which finds the SMS
still due in the database and sends each exactly once."""

from __future__ import annotations

import random
import re
import signal
import time

from dispatch.demo.seed import DEMO_PASSWORD
from tests import services
from tests.e2e.conftest import free_port, serve
from tests.fake_twilio import FakeTwilio
from tests.live_client import cell_polygons, interior_points, login, open_incident, skill_codes


def test_offers_and_their_sms_survive_a_redis_restart_under_load(tmp_path_factory):
    redis_port = free_port()
    redis = services.start_private_redis(redis_port)
    try:
        with FakeTwilio() as twilio:

            def settings(port: int) -> dict[str, str]:
                return {
                    "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "TWILIO_ACCOUNT_SID": twilio.account_sid,
                    "TWILIO_AUTH_TOKEN": twilio.auth_token, "TWILIO_FROM": "+15005550006", "TWILIO_API_BASE": twilio.url,
                    "PUBLIC_URL": f"http://127.0.0.1:{port}", "FAILOVER": '{"III": {"sms_after_s": 0, "voice_after_s": null}}',
                }  # fmt: skip

            with serve("production", tmp_path_factory, settings) as server:
                duty = login(server.url, "demo-duty", DEMO_PASSWORD)
                incident = open_incident(duty, server.url, "Redis 重启")
                points = interior_points(cell_polygons(duty, server.url), 24, random.Random(5))
                skill = skill_codes(duty, server.url)[0]
                codes: list[str] = []

                def post(batch) -> None:
                    for lon, lat in batch:
                        body = {"skills": [skill], "head_count": 1, "broadcast_k": 2, "location": {"lon": lon, "lat": lat}}
                        response = duty.post(f"{server.url}/api/incidents/{incident}/needs", json=body, timeout=15)
                        assert response.status_code == 201, response.text
                        codes.extend(a["short_code"] for a in response.json()["assignments"])
                        time.sleep(0.05)

                post(points[:8])
                redis.send_signal(signal.SIGKILL)
                redis.wait()
                post(points[8:16])  # Redis is away: the posts still land
                redis = services.start_private_redis(redis_port)  # back, and empty
                post(points[16:])

                deadline = time.monotonic() + 90
                while len(twilio.messages) < len(codes) and time.monotonic() < deadline:
                    time.sleep(0.5)
                time.sleep(6)  # one more sweeper pass: nothing goes twice
                bodies = [m.body for m in twilio.messages]
                # A code as a word: a one-tap link's token (base-62) may hold four such letters by chance.
                texted = sorted(
                    code for body in bodies for code in codes if re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", body)
                )
                if texted != sorted(codes) or len(bodies) != len(codes):
                    print((server.logs / "worker.log").read_text()[-12000:], *bodies, sep="\n")
                assert len(bodies) == len(codes), (len(bodies), len(codes))  # one SMS an offer, none twice
                assert texted == sorted(codes), (len(texted), len(codes), (server.logs / "worker.log").read_text()[-3000:])
    finally:
        redis.terminate()
        redis.wait()
