"""What the DingTalk and WeCom fakes share: a real HTTP server on a free 127.0.0.1 port that takes JSON posts to one
path, a platform-side rate limit per robot (a rolling minute, on the fake's own clock), and the record of what
arrived and what was refused. Each platform's fake says how a request is checked (``tests/fake_dingtalk.py``,
``tests/fake_wecom.py``).
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    robot: str  # the token or key it came for
    body: dict[str, Any]
    at: float


@dataclass
class RobotFake(ABC):
    """What both platforms' fakes share; each says how its platform checks a request, refuses a fast robot, and
    where a message's text is."""

    path: str = ""
    per_minute: int = 20
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    answer_next: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (HTTP status, body) to answer first
    delay_s: float = 0.0  # how long the platform takes to answer (a slow platform: the client's timeout runs out)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @abstractmethod
    def check(self, query: dict[str, str], body: dict[str, Any]) -> tuple[str, tuple[int, str] | None]:
        """The platform's checks: the robot a request is for, and the error it earns (None: it is accepted)."""

    @abstractmethod
    def rate_error(self) -> tuple[int, str]:
        """The platform's answer to a robot over its rate."""

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @abstractmethod
    def texts(self) -> list[str]:
        """The text of each message received, as the platform shows it."""

    def __enter__(self) -> RobotFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                time.sleep(fake.delay_s)
                status, answer = fake.handle(self.path, self.rfile.read(int(self.headers.get("Content-Length", 0))))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, raw_path: str, raw_body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(raw_path)
        if parts.path != self.path:
            return 404, {"errcode": 404, "errmsg": "not found"}
        with self._lock:
            if self.answer_next:
                return self.answer_next.pop(0)
            query = {key: values[0] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            try:
                body = json.loads(raw_body)
            except ValueError:
                return self._refuse((40035, "invalid json"))
            robot, error = self.check(query, body)
            now = time.time()
            if error is None and len([r for r in self.received if r.robot == robot and r.at > now - 60]) >= self.per_minute:
                error = self.rate_error()
            if error is not None:
                return self._refuse(error)
            self.received.append(Received(robot, body, now))
            return 200, {"errcode": 0, "errmsg": "ok"}

    def _refuse(self, error: tuple[int, str]) -> tuple[int, dict[str, Any]]:
        self.refused.append(error)
        return 200, {"errcode": error[0], "errmsg": error[1]}
