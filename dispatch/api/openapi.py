"""GET /api/openapi.json: the OpenAPI document spectree generates from the schemas that validate requests."""

from __future__ import annotations

from flask import Blueprint, jsonify

from dispatch.api.spec import spec

bp = Blueprint("api_openapi", __name__)


@bp.get("/api/openapi.json")
def openapi_document():
    return jsonify(spec.spec)
