"""The DingTalk and WeCom robot adapters through plain HTTP against local fakes that check requests as the platforms
do: signatures, tokens and keys, their 20 a minute, and which errors are worth trying again."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from notifications.channels import Outgoing, PermanentFailure, TemporaryFailure
from notifications.channels.dingtalk_robot import DingTalkRobot, signature
from notifications.channels.robot_http import RobotTimedOut, RobotUnreachable
from notifications.channels.wecom_robot import WeComRobot
from tests.fake_dingtalk import FakeDingTalk
from tests.fake_wecom import FakeWeCom

TOKEN, SECRET, KEY = "b" * 64, "SEC" + "5a3ecf88" * 8, "693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa"


def outgoing(n: int = 1, **params) -> Outgoing:
    return Outgoing(
        outbox_id=n, kind="notice", to="1", text=f"**需求无人可派**：台风 {n}", params={"title": "值班提醒", **params}
    )


@pytest.fixture
def dingtalk():
    with FakeDingTalk(robots={TOKEN: SECRET}) as fake:
        yield fake


@pytest.fixture
def wecom():
    with FakeWeCom(keys={KEY}) as fake:
        yield fake


def test_a_dingtalk_message_arrives_signed_as_markdown_mentioning_the_duty_officer(dingtalk):
    sent = DingTalkRobot(TOKEN, SECRET, dingtalk.url, timeout_s=3).send(outgoing(at_mobiles=["13800001111"]))
    assert sent.sid.startswith("DT1-") and sent.status == "delivered"
    [received] = dingtalk.received
    assert received.body["markdown"]["title"] == "值班提醒"
    assert received.body["markdown"]["text"].startswith("**需求无人可派**：台风 1")
    assert received.body["markdown"]["text"].endswith("@13800001111")
    assert received.body["at"] == {"atMobiles": ["13800001111"], "isAtAll": False}


def test_dingtalk_refuses_a_wrong_secret_or_token_for_good(dingtalk):
    with pytest.raises(PermanentFailure, match="310000"):
        DingTalkRobot(TOKEN, "SEC" + "0" * 64, dingtalk.url, timeout_s=3).send(outgoing())
    with pytest.raises(PermanentFailure, match="300001"):
        DingTalkRobot("c" * 64, SECRET, dingtalk.url, timeout_s=3).send(outgoing())
    assert dingtalk.received == []


def test_the_fake_refuses_a_timestamp_an_hour_off_and_a_sign_sent_unencoded(dingtalk):
    url = f"{dingtalk.url}/robot/send"
    body = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x"}}
    old = str(int(time.time() * 1000) - 3_700_000)
    answer = requests.post(url, params={"access_token": TOKEN, "timestamp": old, "sign": signature(SECRET, old)}, json=body)
    assert answer.json()["errcode"] == 310000
    now = next(ts for ts in map(str, range(int(time.time() * 1000), 0, -1)) if "+" in signature(SECRET, ts))
    raw = f"{url}?access_token={TOKEN}&timestamp={now}&sign={signature(SECRET, now)}"  # '+' unencoded reads as ' '
    assert requests.post(raw, json=body).json()["errcode"] == 310000
    assert dingtalk.received == []


def test_the_twenty_first_message_in_a_minute_is_throttled_and_worth_retrying(dingtalk, wecom):
    robot, group_robot = DingTalkRobot(TOKEN, SECRET, dingtalk.url, timeout_s=3), WeComRobot(KEY, wecom.url, timeout_s=3)
    for n in range(20):
        robot.send(outgoing(n))
        group_robot.send(outgoing(n))
    with pytest.raises(TemporaryFailure, match="130101"):
        robot.send(outgoing(21))
    with pytest.raises(TemporaryFailure, match="45009"):
        group_robot.send(outgoing(21))
    assert len(dingtalk.received) == len(wecom.received) == 20


def test_server_errors_and_an_unreachable_platform_are_temporary(dingtalk):
    dingtalk.answer_next.append((502, {"errcode": -1, "errmsg": "bad gateway"}))
    with pytest.raises(TemporaryFailure, match="502"):
        DingTalkRobot(TOKEN, SECRET, dingtalk.url, timeout_s=3).send(outgoing())
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(RobotUnreachable, match="unreachable"):
        WeComRobot(KEY, f"http://127.0.0.1:{port}", timeout_s=1).send(outgoing())


def test_a_platform_that_answers_too_late_is_a_timeout_the_message_may_have_arrived_in(dingtalk):
    dingtalk.delay_s = 1.0
    with pytest.raises(RobotTimedOut) as timed_out:
        DingTalkRobot(TOKEN, SECRET, dingtalk.url, timeout_s=0.2).send(outgoing())
    assert isinstance(timed_out.value, TemporaryFailure)  # worth retrying, though it may repeat the message


def test_a_wecom_message_arrives_as_markdown_and_a_wrong_key_is_permanent(wecom):
    sent = WeComRobot(KEY, wecom.url, timeout_s=3).send(outgoing(7))
    assert sent.sid.startswith("WC7-")
    assert wecom.texts() == ["**需求无人可派**：台风 7"]
    with pytest.raises(PermanentFailure, match="93000"):
        WeComRobot("wrong-key-0000", wecom.url, timeout_s=3).send(outgoing())
