"""Which approved template each message kind goes out as, and the values of its variables.

A domestic SMS is an approved template (模板) under an approved signature (签名): the office files the template's
text with the provider, with ``${name}`` variables, and the system sends only the template's code and the values.
``ALIYUN_SMS_TEMPLATES`` maps each message kind to the filed template's code, and, when the office filed other
variable names or shorter variable types, which names it uses and their lengths:

    {"offer": "SMS_4821001", "confirmation": {"code": "SMS_4821003", "limits": {"result": 20}}}

Each kind's variables by default (what an office files, with its suggested text, is in the README):

- ``offer``, ``drill_offer``, ``reminder``: ``code`` (the task code replies quote), ``skills``, ``count`` (people still
  needed), ``place``, ``deadline`` (HH:MM, China time), and ``token`` (the one-tap link's last part, for a template
  whose text ends in the office's filed link, like ``https://yj.example.gov.cn/t/${token}``);
- ``confirmation`` (the answer to a reply): ``result`` (what happened, with the task code: "任务A7KM已确认，5人前往，谢谢");
- ``login_code``: ``code``, ``minutes``;
- ``certificate_reminder``: ``count``, ``days``, ``skill``, ``date``;
- ``standby_poll`` (备勤: how many could go while a warning stands): ``warning`` ("台风橙色预警").

A value longer than its variable may be is cut with "…" where it is cut, so the reader sees that something is
missing; the task code and the token are never cut (a template whose variable cannot hold them is refused at
start-up). Variables the template does not name are not sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from notifications import templates

DEFAULT_VARIABLES = {
    "offer": ("code", "skills", "count", "place", "deadline"),
    "drill_offer": ("code", "skills", "count", "place", "deadline"),
    "reminder": ("code", "count", "deadline"),
    "confirmation": ("result",),
    "login_code": ("code", "minutes"),
    "certificate_reminder": ("count", "days", "skill", "date"),
    "standby_poll": ("warning",),
}
KINDS = tuple(DEFAULT_VARIABLES)
# What an office may file for each kind (the README lists them): the texts the tests' fake provider renders too.
SUGGESTED_TEXTS = {
    "offer": "应急任务${code}：${skills}，需${count}人，地点：${place}。请于${deadline}前回复“1 ${code} 人数”接受，"
    "“2 ${code} 原因”拒绝。",
    "drill_offer": "【演练】应急任务${code}：${skills}，需${count}人，地点：${place}。请于${deadline}前回复“1 ${code} 人数”"
    "接受，“2 ${code} 原因”拒绝。",
    "reminder": "提醒：应急任务${code}仍需${count}人，请于${deadline}前回复“1 ${code} 人数”接受，“2 ${code} 原因”拒绝。",
    "confirmation": "您的回复已处理：${result}。",
    "login_code": "您的登录验证码为${code}，${minutes}分钟内有效，请勿告诉他人。",
    "certificate_reminder": "贵组织有${count}张证书将在${days}天内到期，最早为${date}到期的${skill}证书，请安排复训。",
    "standby_poll": "${warning}：请回复可出动人数，如“备勤 5”（0表示无法出动）。",
}
DEFAULT_LIMIT = 35  # characters: Aliyun's limit for a variable of the "other" type (其他); shorter types are settings
NEVER_CUT = ("code", "token")  # a reply quotes the code and the link opens by the token: cut, they mean nothing
ELLIPSIS = "…"


@dataclass(frozen=True)
class Template:
    code: str
    variables: tuple[str, ...]
    limits: dict[str, int] = field(default_factory=dict)

    def limit(self, variable: str) -> int:
        return self.limits.get(variable, DEFAULT_LIMIT)


NEVER_CUT_LENGTH = {"code": 6, "token": 22}  # the longest task or login code, and the longest one-tap token


def parse_templates(text: str | None) -> dict[str, Template]:
    """The ``ALIYUN_SMS_TEMPLATES`` setting. Raises ValueError saying what is wrong."""
    try:
        raw = json.loads(text) if text else {}
    except ValueError as exc:
        raise ValueError(f"ALIYUN_SMS_TEMPLATES is not JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise ValueError("ALIYUN_SMS_TEMPLATES must be a JSON object keyed by message kind")
    found = {}
    for kind, setting in raw.items():
        if kind not in DEFAULT_VARIABLES:
            raise ValueError(f"ALIYUN_SMS_TEMPLATES: unknown message kind {kind!r} (use {', '.join(KINDS)})")
        if isinstance(setting, str):
            setting = {"code": setting}
        if not isinstance(setting, dict) or not isinstance(setting.get("code"), str) or not setting["code"]:
            raise ValueError(f'ALIYUN_SMS_TEMPLATES: {kind}: give the template code, like "SMS_4821001"')
        variables = setting.get("variables") or DEFAULT_VARIABLES[kind]
        known = (*DEFAULT_VARIABLES[kind], "token") if kind in ("offer", "drill_offer", "reminder") else DEFAULT_VARIABLES[kind]
        if not isinstance(variables, list | tuple) or not all(v in known for v in variables):
            raise ValueError(f"ALIYUN_SMS_TEMPLATES: {kind}: variables are a list of {', '.join(known)}")
        limits = setting.get("limits") or {}
        if not isinstance(limits, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 2 for v in limits.values()
        ):
            raise ValueError(f"ALIYUN_SMS_TEMPLATES: {kind}: each limit is a number of characters, 2 or more")
        for name, least in NEVER_CUT_LENGTH.items():
            if name in variables and limits.get(name, DEFAULT_LIMIT) < least:
                raise ValueError(f"ALIYUN_SMS_TEMPLATES: {kind}: {name} is never cut, so its variable needs {least} characters")
        found[kind] = Template(setting["code"], tuple(variables), dict(limits))
    return found


def variable_values(kind: str, params: dict[str, Any], template: Template) -> dict[str, str]:
    """The values of the template's variables for a message of ``kind`` with the outbox row's ``params``.

    Raises ValueError when a value that must not be cut does not fit its variable."""
    every = _values(kind, params)
    chosen = {}
    for name in template.variables:
        value = every.get(name, "")
        limit = template.limit(name)
        if len(value) > limit:
            if name in NEVER_CUT:
                raise ValueError(f"{name} {value!r} is longer than its template variable ({limit} characters)")
            value = value[: limit - 1].rstrip() + ELLIPSIS
        chosen[name] = value
    return chosen


def _values(kind: str, params: dict[str, Any]) -> dict[str, str]:
    if kind in ("offer", "drill_offer", "reminder"):
        labels = params.get("skill_labels") or {}
        return {
            "code": params["code"],
            "skills": "、".join(labels.get(code, code) for code in params.get("skills", [])),
            "count": str(params["head_count"]),
            "place": templates.place_of(params, "zh"),
            "deadline": templates.local_time(params["deadline"]),
            "token": params.get("token", ""),
        }
    return {name: str(value) for name, value in params.items() if name not in ("text", "kind")}
