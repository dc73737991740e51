"""``FakeWeCom``: a WeCom group robot endpoint (``/cgi-bin/webhook/send``) that checks requests as the platform does:
an unknown ``key`` is 93000, markdown over 4096 bytes is 40058, the 21st message of a robot in a rolling minute is
45009."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.robot_fake import RobotFake

INVALID_KEY = (93000, "invalid webhook url, hint: [1]")
TOO_LONG = (40058, "markdown.content exceed max length 4096")
TOO_FAST = (45009, "api freq out of limit")


@dataclass
class FakeWeCom(RobotFake):
    path: str = "/cgi-bin/webhook/send"
    keys: set[str] = field(default_factory=set)

    def check(self, query: dict[str, str], body: dict[str, Any]) -> tuple[str, tuple[int, str] | None]:
        key = query.get("key", "")
        if key not in self.keys:
            return key, INVALID_KEY
        content = (body.get("markdown") or {}).get("content") or ""
        if body.get("msgtype") != "markdown" or not content:
            return key, (40035, "missing markdown content")
        if len(content.encode()) > 4096:
            return key, TOO_LONG
        return key, None

    def rate_error(self) -> tuple[int, str]:
        return TOO_FAST

    def texts(self) -> list[str]:
        return [r.body["markdown"]["content"] for r in self.received]
