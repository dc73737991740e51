"""``WeComRobot``: a WeCom (企业微信) group robot (群机器人), through plain HTTP.

The webhook's ``key`` is the credential; there is no signing. Messages are markdown (at most 4096 bytes). WeCom's
markdown can @-mention only by user id (``<@userid>``), which this system does not know, and its phone mentions
(``mentioned_mobile_list``) exist only for plain-text messages: a second text message per notice would halve the
robot's 20 a minute, so WeCom group messages mention nobody, and the office sets the group to notify its duty staff.

Errors: 45009 (over the robot's rate), -1 (system busy) and the network's troubles are temporary; 93000 (invalid
key) and every other non-zero code are permanent.
"""

from __future__ import annotations

import secrets

from notifications.channels import Outgoing, Sent
from notifications.channels.robot_http import post

API_BASE = "https://qyapi.weixin.qq.com"
TEMPORARY = {45009, -1}


class WeComRobot:
    name = "wecom"

    def __init__(self, key: str, api_base: str | None = None, timeout_s: float = 10) -> None:
        self._key = key
        self._url = (api_base or API_BASE).rstrip("/") + "/cgi-bin/webhook/send"
        self._timeout_s = timeout_s
        self.sender = f"wecom:{key[:8]}"

    def send(self, message: Outgoing) -> Sent:
        """Post the message's markdown to the group."""
        body = {"msgtype": "markdown", "markdown": {"content": message.text}}
        post(self._url, {"key": self._key}, body, self._timeout_s, TEMPORARY)
        return Sent(sid=f"WC{message.outbox_id}-{secrets.token_hex(8)}", status="delivered")

    def already_sent(self, message: Outgoing, since) -> str | None:
        return None  # as DingTalk's: no history to ask
