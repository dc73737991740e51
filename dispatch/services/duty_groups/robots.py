"""The ``group`` channel: an outbox row addressed to a duty group (its id as the recipient) goes out through that
group's own robot, DingTalk's or WeCom's, with its credentials and the phones its messages @-mention.

The mentioned phones are added here, at sending, from the group's sealed column: the outbox keeps the message's
text without them. ``already_sent`` is always None: a robot keeps no history to ask, so a worker that dies between
sending and recording, or a send that timed out (the platform may have taken it), may repeat one group message; it
never loses one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import current_app

from dispatch.domain.phone import national
from dispatch.extensions import db
from dispatch.models import DutyGroup
from notifications.channels import Outgoing, PermanentFailure, Sent
from notifications.channels.dingtalk_robot import DingTalkRobot
from notifications.channels.wecom_robot import WeComRobot


def mentions(group: DutyGroup) -> list[str]:
    """The phones a group's messages @-mention, as DingTalk knows its members' (national digits for +86); WeCom none."""
    return [national(phone) for phone in group.phones] if group.platform == "dingtalk" else []


def robot_for(group: DutyGroup) -> DingTalkRobot | WeComRobot:
    """The group's robot, pointed at the platform (or, in tests, at the fake the settings name)."""
    config = current_app.config
    timeout_s = config["ROBOT_TIMEOUT_S"]
    if group.platform == "dingtalk":
        return DingTalkRobot(group.token, group.secret or "", config["DINGTALK_API_BASE"], timeout_s)
    return WeComRobot(group.token, config["WECOM_API_BASE"], timeout_s)


class GroupRobots:
    """The channel port for duty groups: each message to the robot of the group it names."""

    name = "robot"
    sender = "duty group robots"

    def send(self, message: Outgoing) -> Sent:
        group = db.session.get(DutyGroup, int(message.to)) if message.to.isdigit() else None
        if group is None or not group.active:
            raise PermanentFailure("duty group removed")
        params = {**message.params, "at_mobiles": mentions(group)}
        return robot_for(group).send(replace(message, params=params))

    def already_sent(self, message: Outgoing, since: datetime) -> str | None:
        return None
