"""The floor under sending SMS through Aliyun: its own SDK client in a bare loop against the same fake, one thread.

``measure_floor(...)`` runs the loop in a child process, as the worker is one (the fake answers from threads of the
bench's own process, so a loop there would share its interpreter lock), without the proxy variables, as the worker
runs. The client is built as ``notifications.channels.aliyun_sms.AliyunSms`` builds it (``alibabacloud-dysmsapi20170525``
``Client(Config(access_key_id, access_key_secret, endpoint, protocol="http"))``, the same ``RuntimeOptions``: no SDK
retries, the same timeouts), then the requests are sent one after the other exactly as the worker's went out in the
round just measured (``requests_like``): as many requests, each with as many recipients, the same template and the
same template values; a request of one recipient is a ``SendSms``, of several a ``SendBatchSms``, as
``delivery._send_claimed`` chooses. The numbers are the worker's with 139 for 138, and ``OutId`` is ``floor-<n>``, so
the bench can tell the floor's messages from the rows'. Nothing else: no database, no outbox row claimed or recorded,
no text rendered, no event, no RQ. Figures: messages per second, the child's CPU per message, each request's round trip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FLOOR_OUT_ID = "floor-"  # how the floor's OutIds begin
PROXIES = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"}
TIMEOUT_MS = 10_000  # AliyunSms' default timeout_s, in milliseconds


@dataclass
class Floor:
    per_second: float
    cpu_per_message_ms: float
    latencies_ms: list[float]  # each request, in order
    sent: int
    requests: int


def requests_like(sent: list) -> list[dict]:
    """The requests that carried ``sent`` (the fake's ``SentSms`` records of one round), in order, as the floor sends
    them: template code, numbers (139 for 138) and template values, one entry per request (BizId)."""
    found: dict[str, dict] = {}
    for sms in sent:
        request = found.setdefault(sms.biz_id, {"template_code": sms.template_code, "phones": [], "params": []})
        request["phones"].append("139" + sms.phone[3:])
        request["params"].append(sms.params)
    return list(found.values())


def measure_floor(access_key_id: str, access_key_secret: str, endpoint: str, sign_name: str, requests: list[dict]) -> Floor:
    spec = {"id": access_key_id, "secret": access_key_secret, "endpoint": endpoint, "sign": sign_name, "requests": requests}
    env = {k: v for k, v in os.environ.items() if k not in PROXIES}  # the SDK would use a proxy even for 127.0.0.1
    result = subprocess.run(
        [sys.executable, str(Path(__file__).resolve())],
        input=json.dumps(spec, ensure_ascii=False),  # on stdin: a round's requests are more than one argument may hold
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=max(60, len(requests)),  # a second a request: far beyond any working fake
    )
    if result.returncode != 0:
        raise RuntimeError(f"the Aliyun SMS floor loop failed:\n{result.stderr[-2000:]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return Floor(
        found["sent"] / found["seconds"],
        found["cpu_s"] * 1000 / max(1, found["sent"]),
        found["latencies_ms"],
        found["sent"],
        len(requests),
    )


def bare_loop(spec: dict) -> dict:
    from alibabacloud_dysmsapi20170525.client import Client
    from alibabacloud_dysmsapi20170525.models import SendBatchSmsRequest, SendSmsRequest
    from alibabacloud_tea_openapi.utils_models import Config
    from darabonba.runtime import RuntimeOptions

    config = Config(access_key_id=spec["id"], access_key_secret=spec["secret"], endpoint=spec["endpoint"], protocol="http")
    client = Client(config)
    runtime = RuntimeOptions(autoretry=False, max_attempts=0, read_timeout=TIMEOUT_MS, connect_timeout=min(TIMEOUT_MS, 5000))
    sign, latencies, sent = spec["sign"], [], 0
    cpu, started = time.process_time(), time.perf_counter()
    for n, one in enumerate(spec["requests"]):
        sent_at = time.perf_counter()
        phones, values = one["phones"], one["params"]
        if len(phones) == 1:
            request = SendSmsRequest(phone_numbers=phones[0], sign_name=sign, template_code=one["template_code"],
                                     template_param=json.dumps(values[0], ensure_ascii=False), out_id=f"{FLOOR_OUT_ID}{n}")  # fmt: skip
            body = client.send_sms_with_options(request, runtime).body
        else:
            request = SendBatchSmsRequest(
                phone_number_json=json.dumps(phones), sign_name_json=json.dumps([sign] * len(phones), ensure_ascii=False),
                template_code=one["template_code"], template_param_json=json.dumps(values, ensure_ascii=False),
                out_id=f"{FLOOR_OUT_ID}{n}",
            )  # fmt: skip
            body = client.send_batch_sms_with_options(request, runtime).body
        if body.code != "OK":
            raise RuntimeError(f"the fake refused the floor's request {n}: {body.code} {body.message}")
        sent += len(phones)
        latencies.append((time.perf_counter() - sent_at) * 1000)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"sent": sent, "seconds": seconds, "cpu_s": cpu, "latencies_ms": [round(v, 3) for v in latencies]}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(bare_loop(json.loads(sys.stdin.read()))))
