"""Every error code the code can raise has a Chinese and an English message, and every page string a translation."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dispatch.messages import MESSAGES, message
from geo.geojson import ErrorCode

ROOT = Path(__file__).resolve().parents[2]


def codes_used_in_source() -> set[str]:
    pattern = re.compile(
        r'(?:FieldError\([^,]+,\s*|invalid\([^,]+,\s*|error_response\(\d+,\s*|PydanticCustomError\(f?|_written_as\([^,]+,\s*)"([a-z_.{}]+)"'
    )
    found = set()
    for path in (ROOT / "dispatch").rglob("*.py"):
        found |= set(pattern.findall(path.read_text()))
    return {code for code in found if "{" not in code}


def test_every_code_raised_in_the_source_has_both_languages():
    missing = codes_used_in_source() - set(MESSAGES)
    assert missing == set()


def test_every_geojson_error_code_has_both_languages():
    assert {code.value for code in ErrorCode} - set(MESSAGES) == set()


def test_both_languages_are_filled_in_and_differ():
    for code, (zh, en) in MESSAGES.items():
        assert zh and en and zh != en, code


def test_parameters_are_filled_in():
    assert message("skill.unknown", "zh", code="juggling") == "未知技能：juggling"
    assert message("skill.unknown", "en", code="juggling") == "unknown skill: juggling"


def test_every_page_string_has_a_chinese_translation():
    with open(ROOT / "dispatch/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    method_map = [("dispatch/**.py", "python"), ("dispatch/templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}
    used = {msg[2] for msg in extract_from_dir(str(ROOT), method_map, keywords=keywords)}
    untranslated = {msgid for msgid in used if not (catalog.get(msgid) and catalog.get(msgid).string)}
    assert untranslated == set()


def test_exported_text_that_excel_would_run_as_a_formula_is_made_inert():
    from dispatch.services.records.exports import inert

    assert inert('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert inert("@SUM(A1)") == "'@SUM(A1)" and inert("-0.5") == "-0.5" and inert("翠苑应急队") == "翠苑应急队"
