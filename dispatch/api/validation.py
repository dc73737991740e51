"""Turning request validation failures into our own bilingual 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from pydantic import ValidationError

from dispatch.services.errors import InvalidInput, field_errors


class MalformedJson(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class JsonRequired(Exception):
    pass


def raise_on_invalid(req: Any, resp: Any, req_validation_error: Any, instance: Any, *args: Any) -> None:
    """spectree's ``before`` hook: answer with our InvalidInput rather than its own body."""
    if isinstance(req_validation_error, ValidationError):
        raise InvalidInput(field_errors(req_validation_error))


def check_json_body() -> None:
    """Before any API write: the body must be JSON and must parse (spectree would read garbage as ``{}``)."""
    if request.method not in {"POST", "PUT", "PATCH"} or not request.content_length:
        return
    if not request.is_json:
        raise JsonRequired()
    try:
        json.loads(request.get_data(cache=True))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(str(exc)) from exc
