"""The security headers built from the settings: the tile server's origin, the websocket's, HSTS behind https."""

from __future__ import annotations

import pytest

from dispatch.security_headers import content_security_policy, security_headers, tile_source, websocket_source


@pytest.mark.parametrize(
    ("tiles", "source"),
    [
        (None, None),
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),  # the app's own: 'self' covers it
        ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", "https://*.is.autonavi.com"),
        ("http://tiles.local:8080/{z}/{x}/{y}.png", "http://tiles.local:8080"),
        ("//{s}.tiles.example.org/{z}/{x}/{y}.png", "*.tiles.example.org"),
    ],
)
def test_the_tile_server_is_named_by_its_origin_a_placeholder_widened_to_a_wildcard(tiles, source):
    assert tile_source(tiles) == source


def test_the_websocket_follows_the_public_address_scheme():
    assert websocket_source("http://127.0.0.1:5000") == "ws://127.0.0.1:5000"
    assert websocket_source("https://yingji.example.gov.cn/") == "wss://yingji.example.gov.cn"
    assert websocket_source("") is None
    assert "connect-src 'self';" in content_security_policy("")


def test_strict_transport_security_only_behind_https():
    assert "Strict-Transport-Security" not in security_headers("http://127.0.0.1:5000", None)
    assert security_headers("https://yingji.example.gov.cn", None)["Strict-Transport-Security"] == "max-age=31536000"


def test_no_source_is_unsafe_and_nothing_may_frame_the_pages():
    found = content_security_policy("https://yingji.example.gov.cn", "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "unsafe" not in found
    assert "script-src 'self';" in found and "frame-ancestors 'none'" in found


def test_geolocation_is_granted_to_the_page_itself_only_when_it_locates():
    assert "geolocation=(self)" in security_headers("http://h", None, locates=True)["Permissions-Policy"]
    assert "geolocation=()" in security_headers("http://h", None)["Permissions-Policy"]
