"""Errors the services raise; the web, API and CLI edges turn them into answers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with the input: where (field, optional row or feature) and a message code."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None


class ServiceError(Exception):
    code = "error"


class NotFound(ServiceError):
    """No such record, or one outside the caller's jurisdiction (never say which)."""

    code = "not_found"


class InvalidInput(ServiceError):
    """The input is wrong; nothing was written. Carries every problem found, not just the first."""

    code = "invalid_input"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the input")
        self.errors = errors


class Conflict(InvalidInput):
    """The input clashes with what is already stored (a duplicate)."""

    code = "conflict"


def invalid(field_name: str, code: str, **params: Any) -> InvalidInput:
    return InvalidInput([FieldError(field_name, code, params)])


def field_errors(error: ValidationError, row: int | None = None) -> list[FieldError]:
    """Pydantic's errors as FieldErrors: the field path, the error type as code, its context as params."""
    return [
        FieldError(".".join(str(part) for part in item["loc"] if not _union_member(part)) or "body", item["type"],
                   _params(item), row)
        for item in error.errors(include_url=False)
    ]  # fmt: skip


# The name pydantic gives a member of a union in an error's path ("tasks.1.constrained-str"): no field of ours.
_UNION_MEMBER = re.compile(r"(constrained|function|lax-or-strict|json-or-python|nullable)-.*")


def _union_member(part: Any) -> bool:
    return isinstance(part, str) and _UNION_MEMBER.fullmatch(part) is not None


def _params(item: Any) -> dict[str, Any]:
    params = {key: _plain(value) for key, value in (item.get("ctx") or {}).items()}
    if "input" in item and isinstance(item["input"], (str, int, float)):
        params.setdefault("value", item["input"])
    return params


def _plain(value: Any) -> str:
    """A limit as a person writes it: 90, not the 90.0 a float field's bound holds."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
