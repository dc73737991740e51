"""Reading a page's form or query string into a schema: what is wrong becomes the same bilingual 422 as the API's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from dispatch.schemas.common import RowId
from dispatch.services.errors import InvalidInput, field_errors

M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], fields: Mapping[str, Any]) -> M:
    """The fields as ``model``; blank ones are left out (an empty box means "not given")."""
    try:
        return model.model_validate({key: value for key, value in fields.items() if value != ""})
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from exc


_ROW_ID = TypeAdapter(RowId)


def row_id(fields: Mapping[str, Any], name: str) -> int | None:
    """An optional row id from a form or query string: blank or absent is None; anything but a number the database's
    ids can be (1 to 2^31-1) is a 422 naming the field, before it reaches the database."""
    value = fields.get(name, "")
    return None if value == "" else _checked_id(name, value)


def row_ids(fields, name: str) -> list[int]:
    """Every row id a form sends under ``name`` (checkboxes), each checked as ``row_id`` does."""
    return [_checked_id(name, value) for value in fields.getlist(name) if value != ""]


def _checked_id(name: str, value: Any) -> int:
    try:
        return _ROW_ID.validate_python(value)
    except ValidationError as exc:
        raise InvalidInput([replace(error, field=name) for error in field_errors(exc)]) from exc
