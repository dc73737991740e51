"""GET /api/openapi.json: the OpenAPI document spectree generates from the schemas that validate requests, completed
with the answers every route may give besides its own (so a client, or a fuzzer, finds each status it can meet)."""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, jsonify

from dispatch.api.spec import spec
from dispatch.schemas.common import ROW_ID_MAX, ErrorOut

bp = Blueprint("api_openapi", __name__)

WRITES = frozenset({"post", "put", "patch", "delete"})


@bp.get("/api/openapi.json")
def openapi_document():
    error = {"$ref": f"#/components/schemas/{spec.naming_strategy(ErrorOut)}"}
    return jsonify(completed(spec.spec, error))


def completed(document: dict[str, Any], error_schema: dict[str, Any]) -> dict[str, Any]:
    """The document with each operation's common error answers, the bounds of the row ids in its paths, and the
    bodies that may be left out."""
    document = copy.deepcopy(document)
    components = document.get("components", {}).get("schemas", {})
    for method, operation in _operations(document):
        _bound_row_ids(operation)
        _body_optional_when_nothing_is_required(operation, components)
        for status, description in common_answers(method, operation).items():
            answer = {"description": description, "content": {"application/json": {"schema": error_schema}}}
            operation["responses"].setdefault(status, answer)
    return document


def common_answers(method: str, operation: dict[str, Any]) -> dict[str, str]:
    """What any operation like this one may answer besides its own results: every route is behind the login,
    every write carries a CSRF token and a bounded body, every body has one media type, every path names a row."""
    answers = {
        "401": "Not logged in, or the session timed out",
        "429": "This client address has used its budget of requests; try again after Retry-After seconds",
        "503": "The database is briefly unavailable; nothing was done (see Retry-After)",
    }
    if method in WRITES:
        answers["400"] = "Malformed or too deeply nested JSON, or a missing or stale CSRF token"
        answers["413"] = "The body is over the size limit"
    if "requestBody" in operation:
        answers["415"] = "The body is not of the media type this operation reads"
    if any(parameter["in"] == "path" for parameter in operation.get("parameters", [])):
        answers["404"] = "No such record, or one outside your jurisdiction"
    return answers


def _operations(document: dict[str, Any]):
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method, operation


def _bound_row_ids(operation: dict[str, Any]) -> None:
    """Every integer in a path is a row id (dispatch.routing.RowIdConverter): say so."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path" and parameter.get("schema", {}).get("type") == "integer":
            parameter["schema"].update(minimum=1, maximum=ROW_ID_MAX)


def _body_optional_when_nothing_is_required(operation: dict[str, Any], components: dict[str, Any]) -> None:
    """A JSON body whose every field is optional may be left out: the route reads no body as ``{}``."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if not schema.get("required"):
        operation["requestBody"]["required"] = False
