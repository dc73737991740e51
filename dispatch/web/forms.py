"""Reading a page's form or query string into a schema: what is wrong becomes the same bilingual 422 as the API's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dispatch.services.errors import InvalidInput, field_errors

M = TypeVar("M", bound=BaseModel)


def parsed(model: type[M], fields: Mapping[str, Any]) -> M:
    """The fields as ``model``; blank ones are left out (an empty box means "not given")."""
    try:
        return model.model_validate({key: value for key, value in fields.items() if value != ""})
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from exc
