"""``FakeDingTalk``: a DingTalk custom robot endpoint (``/robot/send``) that checks requests as the platform does.

A robot is known by its ``access_token`` and signs with its secret: the fake recomputes the Base64 of
HMAC-SHA256(secret, ``"{timestamp}\\n{secret}"``) from the query's ``timestamp`` and compares it with the query's
``sign`` as it arrives URL-decoded (a client that forgets to encode ``+`` or ``/`` fails, as it would for real).
A timestamp more than an hour off is refused; so is the 21st message of a robot in a rolling minute (130101).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from tests.robot_fake import RobotFake

BAD_SIGNATURE = (310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
NO_TOKEN = (300001, "token is not exist")
TOO_FAST = (130101, "send too fast, exceed 20 times per minute")


@dataclass
class FakeDingTalk(RobotFake):
    path: str = "/robot/send"
    robots: dict[str, str] = field(default_factory=dict)  # access_token → signing secret

    def check(self, query: dict[str, str], body: dict[str, Any]) -> tuple[str, tuple[int, str] | None]:
        token = query.get("access_token", "")
        if token not in self.robots:
            return token, NO_TOKEN
        secret, timestamp = self.robots[token], query.get("timestamp", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > 3_600_000:
            return token, (310000, "invalid timestamp")
        expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode(), query.get("sign", "")):
            return token, BAD_SIGNATURE
        markdown = body.get("markdown") or {}
        if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return token, (40035, "missing markdown title or text")
        return token, None

    def rate_error(self) -> tuple[int, str]:
        return TOO_FAST

    def texts(self) -> list[str]:
        return [r.body["markdown"]["text"] for r in self.received]
