"""Shared steps for the dispatch tests: open an incident and post a need through the API."""

from __future__ import annotations

from tests.integration.test_scope import middle_of


def open_incident(client, **fields) -> dict:
    body = {"title": "台风“烟花”", "category": "natural_disaster", "level": "III", **fields}
    response = client.post("/api/incidents", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def need_body(cell, **fields) -> dict:
    lon, lat = middle_of(cell)
    return {"skills": ["logistics"], "head_count": 5, "location": {"lon": lon, "lat": lat}, "priority": "urgent", **fields}


def post_need(client, incident_id: int, body: dict, key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/incidents/{incident_id}/needs", body, headers=headers)
