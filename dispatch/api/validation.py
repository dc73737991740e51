"""Turning request validation failures into our own bilingual 4xx answers."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from pydantic import ValidationError

from dispatch.services.errors import InvalidInput, field_errors, invalid

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_JSON_DEPTH = 32  # a GeoJSON MultiPolygon inside a request nests 6 deep


class MalformedJson(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class JsonTooDeep(Exception):
    pass


class JsonRequired(Exception):
    pass


class MultipartRequired(Exception):
    pass


def raise_on_invalid(req: Any, resp: Any, req_validation_error: Any, instance: Any, *args: Any) -> None:
    """spectree's ``before`` hook: answer with our InvalidInput rather than its own body."""
    if isinstance(req_validation_error, ValidationError):
        raise InvalidInput(field_errors(req_validation_error))


def check_json_body() -> None:
    """Before any API write: a body must be a JSON object that parses (spectree would read anything else as ``{}``),
    without NaN or Infinity, nested no deeper than MAX_JSON_DEPTH."""
    if request.method not in WRITES or not request.content_length:  # a chunked body has one too: dispatch.bodies
        return
    if not request.is_json:
        raise JsonRequired()
    document = parsed_json(request.get_data(cache=True))
    if nesting_depth(document) > MAX_JSON_DEPTH:
        raise JsonTooDeep()
    if not isinstance(document, dict):  # spectree would read null, [], 0 and "" as {}
        raise invalid("body", "model_type")


def check_upload() -> None:
    """Before an API upload: the body must be a multipart form (spectree would hand the route no form at all)."""
    if request.method in WRITES and request.mimetype != "multipart/form-data":
        raise MultipartRequired()


def parsed_json(body: bytes) -> Any:
    """The body as strict JSON: ``NaN`` and ``Infinity``, which Python's parser allows, are refused."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except RecursionError as exc:  # nested deeper than the parser itself can go
        raise JsonTooDeep() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJson(str(exc)) from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def nesting_depth(document: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON document (a bare value: 0), without recursing."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, level = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in children)
    return deepest
