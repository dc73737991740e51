"""Every response leaves with the security headers (``dispatch/security_headers.py`` says what they are): pages, the
API, static files and error pages alike."""

from __future__ import annotations

from flask import Response, current_app, request

from dispatch.security_headers import security_headers

# The pages whose risk report form (static/js/risk_form.js) asks the browser where the user stands.
PAGES_THAT_LOCATE = frozenset({"live.phone", "live.grid"})


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    locates = request.endpoint in PAGES_THAT_LOCATE
    for name, value in security_headers(config["PUBLIC_URL"], config["MAP_TILES"], locates=locates).items():
        response.headers.setdefault(name, value)
    return response
