"""Chinese text uses full-width punctuation: "已发布：派出 3 单", "发现隐患？报告风险", not "已发布:派出 3 单".

Half-width ``,:;?!()`` is wrong next to a Chinese character, and right inside numbers, times (13:51), URLs,
codes and placeholders ({limit}, %(n)s), so only a mark touching a Chinese character counts. Text a person
types literally is quoted (“1 {code} 人数”, “技能:有效期至”) and is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import notifications.templates
from dispatch.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
CHINESE = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019\u2014\u2026\u00b7"
# what may hold half-width marks: placeholders, printf fields, quoted literals, URLs, backslash escapes
VERBATIM = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]|“[^“”]*”|https?://\S+|\\.")
HALF_WIDTH_BY_CHINESE = re.compile(f"(?<=[{CHINESE}])[,:;?!()]|[,:;?!()](?=[{CHINESE}])")


def half_width_marks(text: str) -> list[str]:
    """Each half-width mark touching a Chinese character, with a few characters around it."""
    masked = VERBATIM.sub(lambda match: "\0" * len(match.group()), text)
    return [masked[max(0, hit.start() - 4) : hit.end() + 4].replace("\0", "…") for hit in HALF_WIDTH_BY_CHINESE.finditer(masked)]


def catalog_strings() -> Iterator[tuple[str, str]]:
    with open(ROOT / "dispatch/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        for entry in read_po(handle):
            for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
                if entry.id and text:
                    yield f"messages.po {entry.id!r}", text


def error_messages() -> Iterator[tuple[str, str]]:
    for code, (zh, _en) in MESSAGES.items():
        yield f"dispatch/messages.py {code}", zh


def notification_templates() -> Iterator[tuple[str, str]]:
    def chinese_of(name: str, value: object) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            if isinstance(value.get("zh"), str):
                yield f"notifications/templates.py {name}", value["zh"]
            for key, inner in value.items():
                yield from chinese_of(f"{name}.{key}", inner)

    for name, value in vars(notifications.templates).items():
        yield from chinese_of(name, value)


COMMENTS = ("//", "/*", "*", "{#", "<!--")  # read by programmers, in English with a Chinese word at most


def page_and_script_lines() -> Iterator[tuple[str, str]]:
    files = [*(ROOT / "dispatch/templates").rglob("*.html"), *(ROOT / "static/js").rglob("*.js")]
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(f"[{CHINESE}]", line) and not line.lstrip().startswith(COMMENTS):
                yield f"{path.relative_to(ROOT)}:{number}", line


SOURCES = {
    "the page catalog": catalog_strings,
    "error messages": error_messages,
    "SMS and voice texts": notification_templates,
    "Chinese written into templates and scripts": page_and_script_lines,
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_chinese_text_has_no_half_width_punctuation(source):
    wrong = {where: marks for where, text in source() if (marks := half_width_marks(text))}
    assert wrong == {}


def test_the_sources_are_read_at_all():
    assert all(any(True for _ in source()) for source in SOURCES.values() if source is not page_and_script_lines)
    assert "未知技能：{code}" in dict(error_messages()).values()


@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("已发布:派出 3 单", ["已发布:派出 3"]),
        ("发现隐患?报告风险", ["发现隐患?报告风险"]),
        ("演练已不在进行中(当前：{status})", ["在进行中(当前：…"]),
        ("已发布：派出 3 单", []),
        ("请于13:51前回复，共 1,200 人", []),
        ("请求体的 JSON 嵌套太深（最多 {limit} 层）", []),
        ("第 %(page)s 页，共 %(pages)s 页", []),
        ("证书格式应为“技能:有效期至[:发证机构]”", []),
        ("详见 https://example.cn/a?b=1:2", []),
    ],
)
def test_only_marks_touching_chinese_count(text, marks):
    assert half_width_marks(text) == marks
