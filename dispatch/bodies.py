"""Request bodies sent chunked (``Transfer-Encoding: chunked``, no ``Content-Length``), read like any other body.

Both our servers, Werkzeug's (embedded) and gevent's (production), de-chunk the input, but what reads it next
counts on a length: our JSON check skipped a body without one, and Werkzeug stops reading at ``MAX_CONTENT_LENGTH``
without saying so, handing on a body cut short rather than answering 413.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any


class ChunkedBodies:
    """WSGI middleware: a chunked body is read here, at most one byte past the upload limit, and handed on with its
    length, so everything after sees an ordinary body, and one over the limit is refused with 413 as any other."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], config: Mapping[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.config = config  # read on each request: tests change the limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_chunked(environ):
            body = read_at_most(environ["wsgi.input"], self.config["MAX_CONTENT_LENGTH"] + 1)
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.wsgi_app(environ, start_response)


def is_chunked(environ: Mapping[str, Any]) -> bool:
    return not environ.get("CONTENT_LENGTH") and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes: a de-chunking stream may hand over less than asked at a time."""
    parts, size = [], 0
    while size < limit and (part := stream.read(min(64 * 1024, limit - size))):
        parts.append(part)
        size += len(part)
    return b"".join(parts)
