"""Duty groups: which events a DingTalk or WeCom group hears, in what words, and how a robot's rate is kept.

Pure rules on plain values. Group messages are Chinese only: a duty group is a room of the street office's own staff,
and the platforms' markdown is read on their phones in Chinese; the pages around them are bilingual.

The merge rule, for one robot allowed ``per_minute`` messages in any rolling minute (DingTalk and WeCom both
document 20):

- a message goes only when fewer than ``per_minute`` went in the last 60 s, and at least ``60 / per_minute`` s after
  the previous one (pacing: a burst arriving one event at a time cannot spend the minute's budget in its first
  seconds and leave the rest waiting a whole minute; the cost is at most 3 s of delay for DingTalk's 20);
- each message carries every notice pending at that moment: one alone as it is, several merged into one list,
  trimmed to the platform's size limit, the rest named as counts by kind ("另有 12 条……，见值班台");
- nothing pending is ever dropped: a notice is either in a message's text or counted in its last line, and while the
  budget is spent the notices wait for the window.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import parse_qs, urlsplit

WINDOW = timedelta(seconds=60)


class Platform(str, Enum):
    DINGTALK = "dingtalk"
    WECOM = "wecom"


class NoticeStatus(str, Enum):
    PENDING = "pending"
    COMPOSED = "composed"


# The events a duty office must not miss, and the few words that name each in a count.
NOTICE_KINDS: dict[str, str] = {
    "incident.opened": "新事件",
    "incident.escalated": "升级至区县",
    "need.unfilled": "需求无人可派",
    "need.filled": "需求已满足",
    "sms.failed": "短信发送失败",
    "sms.undelivered": "短信未送达",
    "voice.failed": "电话拨打失败",
    "summary": "每小时汇总",
    "test": "测试消息",
}
FAILURES = {"sms.failed", "sms.undelivered", "voice.failed"}
LEVEL_WORDS = {"I": "Ⅰ级（特别重大）", "II": "Ⅱ级（重大）", "III": "Ⅲ级（较大）", "IV": "Ⅳ级（一般）"}
OPTION_WORDS = {"widen_radius": "扩大搜索半径", "escalate_to_county": "升级至区县调度"}
# Markdown's own characters in user text become their full-width twins: a title can never turn into a link.
_INERT = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "<": "＜", ">": "＞", "*": "＊", "_": "＿",
                        "#": "＃", "`": "｀", "\n": " ", "\r": " ", "|": "｜", "~": "～", "!": "！"})  # fmt: skip


def is_notice(kind: str) -> bool:
    """Whether an event of this kind becomes a group notice."""
    return kind in NOTICE_KINDS and kind not in ("summary", "test")


@dataclass(frozen=True)
class Facts:
    """What a notice says about its event, read from the records when the event is written."""

    kind: str
    incident: str = ""  # the incident's title
    level: str = ""
    drill: bool = False
    need: str = ""  # the need's place or description
    still_needed: int | None = None
    options: tuple[str, ...] = ()
    organization: str = ""
    error: str = ""


@dataclass(frozen=True)
class Summary:
    """An active incident's hour, for its hourly summary."""

    incident: str
    level: str
    drill: bool
    hour: str  # "14:00", local time
    needs_open: int
    needs_filled: int
    needs_unfilled: int
    people_accepted: int
    people_needed: int
    offers_out: int
    failures: int


def plain(text: str, limit: int = 80) -> str:
    """User text as inert markdown, on one line, cut visibly."""
    text = " ".join(text.translate(_INERT).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _heading(facts: Facts | Summary) -> str:
    tag = "【演练】" if facts.drill else ""
    level = f"（{LEVEL_WORDS.get(facts.level, facts.level)}）" if facts.level else ""
    return f"{tag}{plain(facts.incident)}{level}"


def notice_text(facts: Facts) -> str:
    """The markdown of one notice (without the board link and mentions: the message adds those once)."""
    about = _heading(facts)
    need = f"需求「{plain(facts.need)}」" if facts.need else "需求"
    if facts.kind == "incident.opened":
        return f"**新事件**：{about}"
    if facts.kind == "incident.escalated":
        return f"**事件升级至区县**：{about}"
    if facts.kind == "need.unfilled":
        options = "、".join(OPTION_WORDS.get(o, o) for o in facts.options) or "请人工联系"
        return f"**需求无人可派**：{about} {need}还差 {facts.still_needed or 0} 人。可选：{options}"
    if facts.kind == "need.filled":
        return f"**需求已满足**：{about} {need}"
    failure = NOTICE_KINDS.get(facts.kind, facts.kind)
    who = f"「{plain(facts.organization)}」" if facts.organization else ""
    error = f"（{plain(facts.error, 60)}）" if facts.error else ""
    return f"**派单{failure}**：{about} {need}，发给{who}负责人的消息{failure}{error}"


def summary_text(summary: Summary) -> str:
    return (
        f"**{summary.hour} 汇总**：{_heading(summary)}\n\n"
        f"- 需求：进行中 {summary.needs_open}，已满足 {summary.needs_filled}，无人可派 {summary.needs_unfilled}\n"
        f"- 人数：已接受 {summary.people_accepted} / 需要 {summary.people_needed}，待答复派单 {summary.offers_out}\n"
        f"- 近一小时发送失败：{summary.failures}"
    )


@dataclass(frozen=True)
class Limits:
    """What a platform allows one robot: messages per rolling minute, and bytes of one message's text."""

    per_minute: int = 20
    max_bytes: int = 4000


@dataclass(frozen=True)
class Pending:
    id: int
    kind: str
    text: str


@dataclass(frozen=True)
class Message:
    """One group message: which notices it carries (in its text or counted in its last line), its title and text."""

    notice_ids: tuple[int, ...]
    title: str
    text: str
    listed: int = 0  # how many notices are in the text; the rest are counted
    counted: dict[str, int] = field(default_factory=dict)


def may_send(sent: list[datetime], now: datetime, limits: Limits) -> bool:
    """Whether the robot may send a message now, given when its recent messages went."""
    recent = [at for at in sent if at > now - WINDOW]
    if len(recent) >= limits.per_minute:
        return False
    return not recent or now - max(recent) >= WINDOW / limits.per_minute


def wait_for_room(sent: list[datetime], now: datetime, limits: Limits) -> timedelta:
    """How long until the robot's rolling minute has room for one more message (zero: room now), pacing aside."""
    recent = sorted(at for at in sent if at > now - WINDOW)
    if len(recent) < limits.per_minute:
        return timedelta(0)
    return recent[-limits.per_minute] + WINDOW - now if limits.per_minute > 0 else WINDOW


def next_message(pending: list[Pending], sent: list[datetime], now: datetime, limits: Limits, board_url: str) -> Message | None:
    """The message to send now for a group's pending notices (oldest first), or None while they must wait."""
    if not pending or not may_send(sent, now, limits):
        return None
    return compose(pending, limits.max_bytes, board_url)


def compose(pending: list[Pending], max_bytes: int, board_url: str) -> Message:
    """Every pending notice in one message: listed while the text fits, the rest counted by kind."""
    ids = tuple(p.id for p in pending)
    if len(pending) == 1:
        only = pending[0]
        return Message(ids, f"值班提醒：{NOTICE_KINDS.get(only.kind, only.kind)}", _with_link(only.text, board_url), 1)
    head, listed = f"#### 值班提醒（{len(pending)} 条）", []
    for index, notice in enumerate(pending):
        rest = Counter(p.kind for p in pending[index + 1 :])
        candidate = [*listed, f"{index + 1}. {notice.text}"]
        if _size(head, candidate, rest, board_url) > max_bytes:
            break
        listed = candidate
    counted = dict(Counter(p.kind for p in pending[len(listed) :]))
    text = _merged(head, listed, counted, board_url)
    return Message(ids, f"值班提醒（{len(pending)} 条）", text, len(listed), counted)


def _merged(head: str, listed: list[str], counted: dict[str, int], board_url: str) -> str:
    lines = [head, "", *listed]
    if counted:
        kinds = "、".join(f"{NOTICE_KINDS.get(kind, kind)} {n}" for kind, n in counted.items())
        lines += ["", f"另有 {sum(counted.values())} 条（{kinds}），见值班台"]
    return _with_link("\n".join(lines), board_url)


def _size(head: str, listed: list[str], rest: Counter, board_url: str) -> int:
    return len(_merged(head, listed, dict(rest), board_url).encode()) + 200  # room for the mentions


def _with_link(text: str, board_url: str) -> str:
    return f"{text}\n\n[打开值班台]({board_url})"


def check_message_text(group_name: str, board_url: str) -> str:
    """The test message: the group's name is user text, inert like every other."""
    return _with_link(f"**测试消息**：值班群「{plain(group_name)}」的机器人已接通。", board_url)


def hour_key(incident_id: int, hour: datetime) -> str:
    return f"summary:{incident_id}:{hour:%Y%m%d%H}"


def summary_due(opened_at: datetime, hour: datetime) -> bool:
    """An incident's summary for an hour is due once it was open when that hour began."""
    return opened_at < hour


# Webhook addresses as the platforms show them.
DINGTALK_HOSTS = {"oapi.dingtalk.com"}
WECOM_HOSTS = {"qyapi.weixin.qq.com"}
_PATHS = {Platform.DINGTALK: "/robot/send", Platform.WECOM: "/cgi-bin/webhook/send"}
_PARAMS = {Platform.DINGTALK: "access_token", Platform.WECOM: "key"}
_HOSTS = {Platform.DINGTALK: DINGTALK_HOSTS, Platform.WECOM: WECOM_HOSTS}


@dataclass(frozen=True)
class NewGroup:
    """A robot as its registration form gives it, checked (``dispatch/schemas/duty_groups.py``)."""

    platform: Platform
    name: str
    token: str
    secret: str | None
    mention_phones: list[str]


class NotARobotUrl(ValueError):
    """The text is not a DingTalk custom robot's or a WeCom group robot's webhook address."""


def robot_credential(platform: Platform, webhook: str) -> str:
    """The token (DingTalk's access_token, WeCom's key) in a robot's webhook address, as pasted from the platform."""
    parts = urlsplit(webhook.strip())
    # The host exactly as the platform shows it: no userinfo ("user@host") and no port but the default.
    hosts = {*_HOSTS[platform], *(f"{host}:443" for host in _HOSTS[platform])}
    if parts.scheme != "https" or parts.netloc.lower() not in hosts or parts.path != _PATHS[platform]:
        raise NotARobotUrl(webhook)
    values = parse_qs(parts.query).get(_PARAMS[platform], [])
    token = values[0].strip() if len(values) == 1 else ""
    if not (8 <= len(token) <= 128) or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        raise NotARobotUrl(webhook)
    return token


def group_name(text: str) -> str:
    """A group's name as typed, on one line, without the invisible characters that could pass for it or reorder it
    (controls, right-to-left overrides, zero-width spaces): "" when nothing visible is left."""
    visible = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(visible.split())


def secret_is_valid(secret: str) -> bool:
    """A DingTalk signing secret as its robot's security settings show it: "SEC" and hex digits."""
    return secret.startswith("SEC") and 16 <= len(secret) <= 128 and secret[3:].isalnum() and secret.isascii()


def masked(token: str) -> str:
    """A robot token as the page shows it: enough to tell two apart, never enough to send."""
    return f"{token[:4]}…{token[-4:]}" if len(token) > 12 else "…"
