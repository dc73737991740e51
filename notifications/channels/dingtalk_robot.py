"""``DingTalkRobot``: a DingTalk group's custom robot (自定义机器人) with signing (加签), through plain HTTP.

Each request is signed as the platform documents: ``sign`` is the Base64 of HMAC-SHA256 keyed with the robot's
secret over ``"{timestamp}\\n{secret}"`` (timestamp in milliseconds; the platform refuses one more than an hour off),
URL-encoded in the query beside ``access_token`` and ``timestamp``. Messages are markdown; the duty officers' phones
are @-mentioned both in ``at.atMobiles`` and as ``@phone`` in the text (DingTalk highlights only what the text names).

Errors: 130101 (sending too fast: the robot's 20 a minute) and the network's troubles are temporary; 310000 (bad
signature, keyword or address), 300001 (no such token) and every other non-zero code are permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from notifications.channels import Outgoing, Sent
from notifications.channels.robot_http import post

API_BASE = "https://oapi.dingtalk.com"
TEMPORARY = {130101, -1}  # -1: the platform's "system busy"


def signature(secret: str, timestamp: str) -> str:
    """The ``sign`` value before URL encoding (the HTTP client encodes the query)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobot:
    name = "dingtalk"

    def __init__(self, access_token: str, secret: str, api_base: str | None = None, timeout_s: float = 10) -> None:
        self._token, self._secret = access_token, secret
        self._url = (api_base or API_BASE).rstrip("/") + "/robot/send"
        self._timeout_s = timeout_s
        self.sender = f"dingtalk:{access_token[:8]}"

    def send(self, message: Outgoing) -> Sent:
        """Post the message's markdown to the group; ``params`` gives its ``title`` and ``at_mobiles``."""
        mobiles = [str(phone) for phone in message.params.get("at_mobiles", [])]
        text = message.text + ("\n\n" + " ".join(f"@{phone}" for phone in mobiles) if mobiles else "")
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.params.get("title") or "值班提醒", "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False},
        }
        timestamp = str(int(time.time() * 1000))
        query = {"access_token": self._token, "timestamp": timestamp, "sign": signature(self._secret, timestamp)}
        post(self._url, query, body, self._timeout_s, TEMPORARY)
        return Sent(sid=f"DT{message.outbox_id}-{secrets.token_hex(8)}", status="delivered")

    def already_sent(self, message: Outgoing, since) -> str | None:
        return None  # a robot keeps no history to ask: a crash between sending and recording may repeat a message
