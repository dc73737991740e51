"""Validation errors name the field in the reader's language: "纬度应不大于 90", "latitude must be at most 90",
not "应不大于 90.0"; and every field of every input schema has a Chinese and an English name."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ValidationError

import dispatch.api
import dispatch.schemas
import dispatch.services
import dispatch.web
from dispatch.field_labels import FIELD_LABELS, PREDICATES, field_label, field_message
from dispatch.messages import MESSAGES
from dispatch.schemas.common import PointIn, Strict
from dispatch.schemas.dispatching import IncidentIn, NeedIn
from dispatch.services.errors import field_errors


def input_schemas() -> Iterator[type[BaseModel]]:
    """Every model the API, the forms and the imports validate input with: the Strict ones, wherever defined."""
    for package in (dispatch.schemas, dispatch.api, dispatch.services, dispatch.web):
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
            importlib.import_module(module.name)
    pending = [Strict]
    while pending:
        model = pending.pop()
        yield model
        pending.extend(model.__subclasses__())


def test_every_field_of_every_input_schema_has_a_chinese_and_an_english_label():
    fields = {f"{model.__name__}.{name}": name for model in input_schemas() for name in model.model_fields}
    assert len(fields) > 100
    unlabelled = sorted(where for where, name in fields.items() if name not in FIELD_LABELS)
    assert unlabelled == []


def test_each_label_is_chinese_and_english():
    for name, (zh, en) in FIELD_LABELS.items():
        assert re.search(r"[\u4e00-\u9fff]", zh) and en.isascii() and "_" not in en, name


def test_every_message_a_field_name_is_put_before_exists():
    assert PREDICATES - set(MESSAGES) == set()


def errors_of(model: type[BaseModel], body: dict) -> list:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return field_errors(caught.value)


def said(model: type[BaseModel], body: dict, language: str = "zh") -> list[str]:
    return [field_message(e.field, e.code, language, **e.params) for e in errors_of(model, body)]


@pytest.mark.parametrize(("language", "expected"), [("zh", ["纬度应不大于 90"]), ("en", ["latitude must be at most 90"])])
def test_a_latitude_past_the_pole_names_the_field_and_a_whole_limit(language, expected):
    assert said(PointIn, {"lon": 120.1, "lat": 91}, language) == expected


def test_a_nested_field_is_named_by_its_own_label():
    body = {"skills": ["rescue"], "head_count": 0, "location": {"lon": 181, "lat": 30}}
    assert sorted(said(NeedIn, body)) == ["人数应不小于 1", "经度应不大于 180"]


def test_a_missing_title_and_an_unknown_field():
    assert said(IncidentIn, {"category": "accident", "level": "IV", "flavour": "red"}) == ["标题必填", "flavour 不是可用的字段"]
    assert said(IncidentIn, {"category": "accident", "level": "IV", "flavour": "red"}, "en") == [
        "the title is required",
        "flavour is not a known field",
    ]


def test_a_message_that_names_its_subject_is_left_alone():
    assert field_message("skills.0", "skill.unknown", "zh", code="juggling") == "未知技能：juggling"


def test_a_list_position_is_not_taken_for_the_field():
    assert field_label("skills.2.capacity", "zh") == "可派人数" and field_label("", "en") == "the body"
