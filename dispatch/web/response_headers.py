"""Every response leaves with the security headers (``dispatch/security_headers.py`` says what they are): pages, the
API, static files and error pages through Flask's ``after_request``, and the Socket.IO server's own answers, which
it gives before Flask sees the request, through a wrapper around the WSGI app."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Response, current_app, request

from dispatch.security_headers import security_headers

# The pages whose risk report form (static/js/risk_form.js) asks the browser where the user stands.
PAGES_THAT_LOCATE = frozenset({"live.phone", "live.grid"})
SOCKET_PATH = "/socket.io/"


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    locates = request.endpoint in PAGES_THAT_LOCATE
    present = {name.lower() for name, _value in response.headers}  # a header the view set itself is left as it is
    for name, value in security_headers(config["PUBLIC_URL"], config["MAP_TILES"], locates=locates).items():
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


class SocketAnswersWithHeaders:
    """Socket.IO's polling answers get the same headers as any other (the websocket's upgrade is left as it is)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], config: Mapping[str, Any]) -> None:
        self.wsgi_app, self.config = wsgi_app, config

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("PATH_INFO", "").startswith(SOCKET_PATH):
            return self.wsgi_app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            ours = security_headers(self.config["PUBLIC_URL"], self.config["MAP_TILES"]).items()
            return start_response(status, [*headers, *((n, v) for n, v in ours if n.lower() not in present)], exc_info)

        return self.wsgi_app(environ, start)
