"""The security headers every response carries (等保 2.0 入侵防范), built from two settings: where people reach the
service (``PUBLIC_URL``) and the map tile server, if any (``MAP_TILES``). Pure: plain strings in, a dict out.

The policy lets a page run only the app's own script files: no inline script, no ``eval``, no plugin, no frame
around it, no form sent elsewhere. Styles come from the app's files too; Leaflet positions its layers through
``element.style``, which a policy does not govern, so no page needs ``'unsafe-inline'``.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

# Strict enough that no path, offer code or search term leaves the site in a Referer, loose enough that a tile
# server keyed to the site's domain (天地图, AMap) still sees which site asks: the origin alone, and only over https.
REFERRER_POLICY = "strict-origin-when-cross-origin"
# A year, for this host only: other services under a government domain may not speak https yet.
HSTS = "max-age=31536000"
# Powerful browser features no page uses; geolocation is granted apart, to the pages that ask where the user is.
FEATURES_OFF = ("accelerometer", "camera", "display-capture", "gyroscope", "magnetometer", "microphone", "midi",
                "payment", "usb")  # fmt: skip


def security_headers(public_url: str, map_tiles: str | None, *, locates: bool = False) -> dict[str, str]:
    """The headers for one response; ``locates``: the page asks the browser where the user is."""
    return dict(_headers(public_url, map_tiles or None, locates))


@lru_cache(maxsize=32)
def _headers(public_url: str, map_tiles: str | None, locates: bool) -> tuple[tuple[str, str], ...]:
    headers = {
        "Content-Security-Policy": content_security_policy(public_url, map_tiles),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": permissions_policy(locates),
    }
    if _https(public_url):
        headers["Strict-Transport-Security"] = HSTS
    return tuple(headers.items())


def content_security_policy(public_url: str, map_tiles: str | None = None) -> str:
    """The policy: everything from the app itself; images also inline (``data:``, Leaflet's CSS) and from the tile
    server; connections also to the app's own websocket."""
    tiles = tile_source(map_tiles)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([tiles] if tiles else [])],
        "connect-src": ["'self'", *([socket] if (socket := websocket_source(public_url)) else [])],
        "font-src": ["'self'"],
        "manifest-src": ["'self'"],
        "worker-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if _https(public_url):
        directives["upgrade-insecure-requests"] = []
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def websocket_source(public_url: str) -> str | None:
    """The websocket origin of the address people reach the service at: ``wss://host`` behind https, else ``ws://``;
    None for an address with no host (``'self'`` still covers the app's own)."""
    host = urlsplit(public_url).netloc
    return f"{'wss' if _https(public_url) else 'ws'}://{host}" if host else None


def tile_source(map_tiles: str | None) -> str | None:
    """The tile server's origin as a policy source, a placeholder in its host name (``{s}.tile.example.org``)
    widened to a wildcard of the labels after it; None for no server or the app's own (a path)."""
    if not map_tiles:
        return None
    parts = urlsplit(map_tiles)
    if not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    templated = [at for at, label in enumerate(labels) if "{" in label]
    host = ".".join(["*", *labels[templated[-1] + 1 :]]) if templated else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme else host


def permissions_policy(locates: bool) -> str:
    """Every unused feature off; geolocation for the page itself only where it asks, else off as well."""
    features = [f"{name}=()" for name in FEATURES_OFF]
    return ", ".join(sorted([*features, f"geolocation={'(self)' if locates else '()'}"]))


def _https(url: str) -> bool:
    return url.lower().startswith("https://")
