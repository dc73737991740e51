"""Events the timelines say in a sentence of their own, in the reader's language, because their kind alone would
leave out what the officer must know: a plan that could not start by itself says which plan, and why, in words.

A problem is kept in the event as the service said it (``{"field", "code", "params", "row"}``); events written
before that kept ``"field: code"`` strings, which are worded too.
"""

from __future__ import annotations

from typing import Any

from dispatch.field_labels import field_message

SEPARATOR = {"zh": "；", "en": "; "}
LINE = {"zh": "（第 {row} 行）", "en": " (line {row})"}
NOT_STARTED = {"zh": "预案《{title}》未能自动启动：{problems}", "en": "The plan “{title}” could not start by itself: {problems}"}
NO_REASON = {"zh": "原因未记录", "en": "no reason was recorded"}


def event_text(kind: str, data: dict[str, Any], language: str) -> str | None:
    """The event's sentence in ``zh`` or ``en``, or None when its kind says enough."""
    if kind != "plan.not_started":
        return None
    lang = "en" if language == "en" else "zh"
    said = [problem_words(p, lang) for p in data.get("problems") or []]
    return NOT_STARTED[lang].format(title=data.get("title") or "", problems=SEPARATOR[lang].join(said) or NO_REASON[lang])


def problem_words(problem: dict[str, Any] | str, language: str) -> str:
    """One problem in words: its message naming the field, and its line in the plan when it has one."""
    if isinstance(problem, str):  # "tasks.0.place: place.not_found", as written before problems were kept whole
        field, _, code = problem.rpartition(": ")
        problem = {"field": field, "code": code}
    text = field_message(problem.get("field") or "", problem.get("code") or "", language, **(problem.get("params") or {}))
    row = problem.get("row")
    return text + (LINE[language].format(row=row) if row else "")
