"""Every answer the app gives carries the security headers (等保 2.0 入侵防范): pages, the API, static files, the
service worker, redirects to the login page, refusals, 404s, the page of a server error and the socket's polling
answers alike."""

from __future__ import annotations

import pytest

from dispatch.services.registry import organizations as organization_service

ALWAYS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy")
EVERY_KIND = [  # (who asks, how, what, the status the answer has)
    ("duty", "GET", "/organizations", 200),
    ("duty", "GET", "/board", 200),
    ("duty", "GET", "/api/incidents", 200),
    ("duty", "GET", "/static/css/app.css", 200),
    ("duty", "GET", "/static/vendor/leaflet/leaflet.js", 200),
    (None, "GET", "/m/sw.js", 200),
    (None, "GET", "/m/manifest.webmanifest", 200),
    (None, "GET", "/login", 200),
    (None, "GET", "/board", 302),
    (None, "GET", "/api/incidents", 401),
    ("grid", "GET", "/board", 403),
    ("duty", "GET", "/no-such-page", 404),
    ("duty", "GET", "/api/no-such-thing", 404),
    ("duty", "GET", "/static/no-such-file.js", 404),
    ("duty", "DELETE", "/organizations", 405),
    (None, "POST", "/login", 400),  # no CSRF token
]


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy's directives, each with its sources."""
    directives = [part.split() for part in response.headers["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


@pytest.mark.parametrize(("who", "method", "path", "status"), EVERY_KIND)
def test_every_kind_of_answer_carries_the_security_headers(world, browser, who, method, path, status):
    client = browser(getattr(world, who)) if who else browser()
    response = client.open(path, method=method)
    assert response.status_code == status
    assert all(name in response.headers for name in ALWAYS), dict(response.headers)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_socket_servers_own_answers_carry_them_too(world, browser):
    """Socket.IO answers its polling requests before Flask sees them."""
    response = browser(world.duty).get("/socket.io/?EIO=4&transport=polling")
    assert response.status_code == 200
    assert all(name in response.headers for name in ALWAYS), dict(response.headers)


def test_the_page_of_a_server_error_carries_them_too(app, world, browser, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: the error page, not a traceback
    monkeypatch.setattr(organization_service, "list_organizations", broken)
    response = browser(world.duty).get("/organizations")
    assert response.status_code == 500 and "text/html" in response.content_type
    assert all(name in response.headers for name in ALWAYS)


def test_scripts_come_only_from_the_app_and_nothing_may_frame_it(world, browser):
    found = policy(browser(world.duty).get("/board"))
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]  # no page needs inline styles either
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["worker-src"] == ["'self'"]  # the phone page's service worker
    assert not [source for sources in found.values() for source in sources if "unsafe" in source]


def test_the_socket_may_connect_to_where_the_service_is_reached(app, world, browser, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "http://10.1.2.3:8000")
    assert policy(browser(world.duty).get("/board"))["connect-src"] == ["'self'", "ws://10.1.2.3:8000"]


def test_https_brings_strict_transport_security_and_secure_websockets(app, world, browser, monkeypatch):
    assert "Strict-Transport-Security" not in browser(world.duty).get("/board").headers  # plain http: no HSTS
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://yingji.example.gov.cn")
    response = browser(world.duty).get("/board")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert policy(response)["connect-src"] == ["'self'", "wss://yingji.example.gov.cn"]
    assert "upgrade-insecure-requests" in policy(response)


def test_images_may_come_from_the_configured_tile_server(app, world, browser, monkeypatch):
    assert policy(browser(world.duty).get("/board"))["img-src"] == ["'self'", "data:"]  # no tile server: the app's own
    monkeypatch.setitem(app.config, "MAP_TILES", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    response = browser(world.duty).get("/board")
    assert response.status_code == 200
    assert policy(response)["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]


@pytest.mark.parametrize(
    ("who", "path", "geolocation"),
    [("leader", "/m", "geolocation=(self)"), ("grid", "/grid", "geolocation=(self)"), ("duty", "/board", "geolocation=()"),
     ("leader", "/organizations", "geolocation=()"), (None, "/login", "geolocation=()")],
)  # fmt: skip
def test_only_the_pages_that_report_a_risk_where_one_stands_may_ask_for_the_position(world, browser, who, path, geolocation):
    response = (browser(getattr(world, who)) if who else browser()).get(path)
    assert response.status_code == 200
    features = response.headers["Permissions-Policy"].split(", ")
    assert geolocation in features
    assert {"camera=()", "microphone=()", "payment=()", "usb=()"} <= set(features)
