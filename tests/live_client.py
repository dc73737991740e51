"""Talking to a live server over HTTP as its users do: log in through the form, list what is in scope, pick places.

Shared by the end-to-end tests and the benchmarks.
"""

from __future__ import annotations

import random
import re


def login(url: str, username: str, password: str):
    """A requests session logged in through the login form, and the CSRF token for API writes."""
    import requests

    http = requests.Session()
    page = http.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = http.post(
        f"{url}/login",
        data={"csrf_token": token, "username": username, "password": password},
        headers={"Referer": f"{url}/login"},  # as a browser sends it; over https the CSRF check requires it
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} failed: {response.status_code} {response.text[:300]}")
    csrf = http.get(f"{url}/api/csrf", timeout=10).json()["csrf_token"]
    http.headers["X-CSRFToken"] = csrf
    return http


def paged(http, url: str, **params) -> list[dict]:
    items, page = [], 1
    while True:
        body = http.get(url, params={**params, "page": page, "per_page": 200}, timeout=30).json()
        items.extend(body["items"])
        if page * body["per_page"] >= body["total"] or not body["items"]:
            return items
        page += 1


def cell_polygons(http, url: str):
    """The officer's cells as shapely polygons (outer ring of each Polygon / MultiPolygon part)."""
    from shapely.geometry import shape

    polygons = []
    for cell in paged(http, f"{url}/api/cells"):
        geometry = shape(cell["geometry"])
        polygons.append((cell["id"], geometry))
    if not polygons:
        raise RuntimeError("the duty officer sees no grid cells")
    return polygons


def skill_codes(http, url: str) -> list[str]:
    """Skills without certification that at least one active organization of the officer's jurisdiction offers."""
    uncertified = {s["code"] for s in http.get(f"{url}/api/skills", timeout=10).json()["items"] if not s["needs_certification"]}
    offered: dict[str, int] = {}
    for org in paged(http, f"{url}/api/organizations", active="true"):
        for skill in org["skills"]:
            if skill["capacity"] > 0:
                offered[skill["code"]] = offered.get(skill["code"], 0) + 1
    codes = sorted(code for code in offered if code in uncertified)
    if not codes:
        raise RuntimeError(f"no uncertified skill offered by an active organization (offered: {sorted(offered)})")
    return codes


def interior_points(polygons, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """Random points well inside random cells (a small inward buffer keeps them off shared edges)."""
    from shapely.geometry import Point

    shrunk = []
    for _cell_id, polygon in polygons:
        minx, miny, maxx, maxy = polygon.bounds
        inner = polygon.buffer(-0.02 * min(maxx - minx, maxy - miny))
        shrunk.append(inner if not inner.is_empty else polygon)
    points = []
    while len(points) < count:
        polygon = rng.choice(shrunk)
        minx, miny, maxx, maxy = polygon.bounds
        for _ in range(1000):
            lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if polygon.contains(Point(lon, lat)):
                points.append((round(lon, 7), round(lat, 7)))
                break
    return points


def open_incident(http, url: str, title: str) -> int:
    body = {"title": title, "category": "natural_disaster", "level": "III"}
    response = http.post(f"{url}/api/incidents", json=body, timeout=10)
    if response.status_code != 201:
        raise RuntimeError(f"opening an incident failed: {response.status_code} {response.text[:300]}")
    return response.json()["id"]
