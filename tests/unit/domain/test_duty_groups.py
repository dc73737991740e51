"""The duty groups' rules: what a notice says, how a robot's 20 a minute is kept, and which webhook addresses count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.domain.duty_groups import (
    Facts,
    Limits,
    NotARobotUrl,
    Pending,
    Platform,
    check_message_text,
    compose,
    group_name,
    is_notice,
    may_send,
    next_message,
    notice_text,
    robot_credential,
    secret_is_valid,
    wait_for_room,
)

BOARD = "https://dispatch.example.cn/board"
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
DINGTALK = Limits(per_minute=20, max_bytes=4000)


def notice(n: int, kind: str = "need.unfilled") -> Pending:
    text = notice_text(Facts(kind, incident=f"台风{n}", level="III", need=f"西湖区{n}号", still_needed=3,
                             options=("escalate_to_county",)))  # fmt: skip
    return Pending(n, kind, text)


def test_the_events_a_duty_office_must_not_miss_become_notices_and_others_do_not():
    for kind in ("incident.opened", "incident.escalated", "need.unfilled", "need.filled", "sms.failed", "voice.failed"):
        assert is_notice(kind)
    for kind in ("offer.accepted", "sms.sent", "group.failed", "summary"):
        assert not is_notice(kind)


def test_an_unfilled_need_names_what_is_missing_and_the_officer_s_options():
    text = notice_text(Facts("need.unfilled", incident="台风“烟花”", level="II", need="文三路 1 号", still_needed=4,
                             options=("widen_radius", "escalate_to_county"), drill=True))  # fmt: skip
    assert text.startswith("**需求无人可派**：【演练】台风“烟花”（Ⅱ级（重大））")
    assert "还差 4 人" in text and "扩大搜索半径、升级至区县调度" in text


def test_user_text_cannot_become_markdown_links_or_headings():
    text = notice_text(Facts("incident.opened", incident="[点这里](http://evil.example)\n# 标题"))
    assert "[" not in text and "](" not in text and "\n" not in text and "#" not in text


def test_one_notice_goes_as_it_is_with_the_board_link():
    message = compose([notice(1)], 4000, BOARD)
    assert message.notice_ids == (1,) and message.title == "值班提醒：需求无人可派"
    assert message.text.endswith(f"[打开值班台]({BOARD})")


def test_a_message_too_big_lists_what_fits_and_counts_the_rest_by_kind():
    pending = [notice(n, "need.unfilled" if n % 2 else "sms.failed") for n in range(1, 101)]
    message = compose(pending, 4000, BOARD)
    assert len(message.text.encode()) <= 4000
    assert message.notice_ids == tuple(range(1, 101))
    assert 0 < message.listed < 100 and message.listed + sum(message.counted.values()) == 100
    assert f"另有 {100 - message.listed} 条" in message.text and "见值班台" in message.text


def test_the_robot_sends_at_most_its_rate_in_any_rolling_minute_and_paces_itself():
    assert may_send([], T0, DINGTALK)
    assert not may_send([T0], T0 + timedelta(seconds=2), DINGTALK)  # 60 / 20 = 3 s apart
    assert may_send([T0], T0 + timedelta(seconds=3), DINGTALK)
    twenty = [T0 + timedelta(seconds=3 * n) for n in range(20)]
    assert not may_send(twenty, T0 + timedelta(seconds=59.5), DINGTALK)
    assert may_send(twenty, T0 + timedelta(seconds=60.5), DINGTALK)  # the first left the window


@pytest.mark.parametrize("spacing_s", [0.0, 0.1, 0.5])
def test_a_hundred_events_in_a_minute_all_arrive_in_at_most_twenty_messages(spacing_s):
    arrivals = {n: T0 + timedelta(seconds=n * spacing_s) for n in range(100)}
    pending: list[Pending] = []
    sent: list[datetime] = []
    carried: list[int] = []
    now = T0
    while now < T0 + timedelta(minutes=5):
        pending += [notice(n) for n, at in arrivals.items() if at <= now and n not in {p.id for p in pending} | set(carried)]
        if message := next_message(pending, sent, now, DINGTALK, BOARD):
            sent.append(now)
            carried += message.notice_ids
            pending = [p for p in pending if p.id not in message.notice_ids]
        now += timedelta(seconds=0.1)
    assert sorted(carried) == list(range(100))  # every one, once
    assert len(sent) <= 20
    assert all(len([s for s in sent if at - timedelta(seconds=60) < s <= at]) <= 20 for at in sent)


def test_nothing_waits_forever_when_the_budget_is_spent():
    sent = [T0 + timedelta(seconds=3 * n) for n in range(20)]
    assert next_message([notice(1)], sent, T0 + timedelta(seconds=58), DINGTALK, BOARD) is None
    later = next_message([notice(1)], sent, T0 + timedelta(seconds=61), DINGTALK, BOARD)
    assert later is not None and later.notice_ids == (1,)


def test_the_token_is_taken_from_the_webhook_address_as_the_platform_shows_it():
    token = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
    assert robot_credential(Platform.DINGTALK, f" https://oapi.dingtalk.com/robot/send?access_token={token} ") == token
    key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    assert robot_credential(Platform.WECOM, f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}") == key


@pytest.mark.parametrize(
    "platform, webhook",
    [
        (Platform.DINGTALK, "http://oapi.dingtalk.com/robot/send?access_token=abcdefgh12345678"),  # not https
        (Platform.DINGTALK, "https://oapi.dingtalk.com.evil.cn/robot/send?access_token=abcdefgh12345678"),
        (Platform.DINGTALK, "https://oapi.dingtalk.com/robot/send"),  # no token
        (Platform.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=abc'<script>"),
        (Platform.DINGTALK, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4"),  # WeCom's
        (Platform.WECOM, "https://oapi.dingtalk.com/robot/send?access_token=abcdefgh12345678"),  # DingTalk's
        (Platform.WECOM, "钉钉机器人"),
        (Platform.WECOM, ""),
        (Platform.DINGTALK, "https://127.0.0.1:1@oapi.dingtalk.com/robot/send?access_token=abcdefgh12345678"),
        (Platform.DINGTALK, "https://user@oapi.dingtalk.com/robot/send?access_token=abcdefgh12345678"),
        (Platform.DINGTALK, "https://oapi.dingtalk.com:8443/robot/send?access_token=abcdefgh12345678"),
        (Platform.WECOM, "https://qyapi.weixin.qq.com:1/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4"),
        (Platform.WECOM, "https://qyapi.weixin.qq.com:x/cgi-bin/webhook/send?key=693a91f6-7aoc-4bc4"),
    ],
)
def test_an_address_that_is_not_the_platform_s_robot_is_refused(platform, webhook):
    with pytest.raises(NotARobotUrl):
        robot_credential(platform, webhook)


def test_a_dingtalk_secret_is_sec_and_letters_and_digits():
    assert secret_is_valid("SEC" + "0a1b2c3d" * 8)
    assert not secret_is_valid("0a1b2c3d" * 8) and not secret_is_valid("SEC12") and not secret_is_valid("SEC 12345678901234567")


def test_the_platform_s_host_on_its_default_port_is_accepted_written_either_way():
    address = "https://OAPI.dingtalk.com:443/robot/send?access_token=abcdefgh12345678"
    assert robot_credential(Platform.DINGTALK, address) == "abcdefgh12345678"


def test_a_name_of_invisible_characters_is_empty_and_they_are_taken_out_of_any_name():
    assert group_name("\u202e\u200b") == "" and group_name(" \u2060\ufeff\u200b ") == ""
    assert group_name("\u202e群班值 \u200b 西湖") == "群班值 西湖"


def test_the_test_message_names_the_group_as_inert_text():
    text = check_message_text("[点我](http://x/phish) **急**", BOARD)
    assert "值班群「［点我］（http://x/phish） ＊＊急＊＊」" in text and "](http://x" not in text
    assert text.endswith(f"[打开值班台]({BOARD})")


def test_a_robot_has_room_once_its_oldest_message_of_the_minute_ages_out():
    sent = [T0 + timedelta(seconds=n) for n in range(20)]
    assert wait_for_room(sent[:19], T0 + timedelta(seconds=19), DINGTALK) == timedelta(0)
    assert wait_for_room(sent, T0 + timedelta(seconds=20), DINGTALK) == timedelta(seconds=40)
    assert wait_for_room(sent, T0 + timedelta(seconds=60), DINGTALK) == timedelta(0)
