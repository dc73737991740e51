"""Errors the services raise; the web, API and CLI edges turn them into answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
